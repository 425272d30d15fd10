// Scatter-gather: three quote services (one consumer group each, so each gets every request)
// answer a quote request; the caller takes the best of the replies that arrive before the
// deadline. Then one service goes down and the caller still gets the other two quotes at the
// deadline. Succeeds only if both rounds gathered what they should.
//
// The code is the same for every broker; --url picks one.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct QuoteService {
  std::string name;
  int margin_percent;  // this insurer's markup on the base premium
};

// Starts `service`, answering "<name>:<premium>" for a request whose payload is a base premium.
unimq::Consumer start(unimq::Client& client, const std::string& topic, const QuoteService& s) {
  return client.serve(topic, example::group_or_broadcast(client, s.name),
                      [s](const unimq::Delivery& request) {
                        const int base = std::stoi(request.message().payload());
                        return unimq::Message(std::to_string(base * (100 + s.margin_percent) / 100))
                            .header("insurer", s.name);
                      });
}

// The cheapest quote among `replies`, as "insurer premium"; "none" when there is no reply.
std::string best(const std::vector<unimq::Message>& replies) {
  auto it = std::min_element(replies.begin(), replies.end(), [](const auto& a, const auto& b) {
    return std::stoi(a.payload()) < std::stoi(b.payload());
  });
  if (it == replies.end()) return "none";
  return std::string(it->headers().get("insurer").value_or("?")) + " " + it->payload();
}

int run(const example::Args& args) {
  auto client = unimq::Client::connect(args.url);
  const auto quotes = example::unique_name("quotes");
  const std::vector<QuoteService> services = {{"acme", 12}, {"globex", 7}, {"initech", 9}};
  std::vector<unimq::Consumer> running;
  for (const auto& s : services) running.push_back(start(client, quotes, s));

  // Round 1: all three answer; max_replies = 3 returns as soon as they did.
  const auto t1 = Clock::now();
  const auto round1 = client.scatter(quotes, unimq::Message("1000"), 10s, services.size()).get();
  const auto took1 = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t1);

  // Round 2: initech is down; the caller gets the other two at the 1 s deadline.
  running.back().stop();
  running.pop_back();
  const auto round2 = client.scatter(quotes, unimq::Message("2000"), 1s, services.size()).get();

  std::cout << "scatter_gather on " << client.url() << ": round 1 gathered " << round1.size()
            << "/3 quotes in " << took1.count() << " ms, best " << best(round1)
            << "; round 2 (initech down) gathered " << round2.size() << "/3 by the 1 s deadline,"
            << " best " << best(round2) << "\n";
  const bool ok = round1.size() == 3 && best(round1) == "globex 1070" && round2.size() == 2 &&
                  best(round2) == "globex 2140";
  if (!ok) std::cerr << "scatter_gather: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "scatter_gather: three quote services, the best quote by the deadline");
  return example::run([&] { return run(args); });
}
