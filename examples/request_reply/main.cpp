// Request-reply: a price service answers price requests; the caller sends 50 at once and waits
// for each answer, then asks a discount service that is not running and gets a TimeoutError at
// its deadline instead of hanging. Succeeds only if every price came back to the request that
// asked for it and the unserved request timed out on time.
//
// The code is the same for every broker; --url picks one.
#include <algorithm>
#include <future>
#include <iostream>
#include <string>
#include <vector>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// The price service's business logic: a price in cents derived from the SKU.
int price_of(const std::string& sku) {
  int cents = 0;
  for (char c : sku) cents = (cents * 31 + c) % 100'000;
  return 100 + cents;
}

int run(const example::Args& args) {
  auto client = unimq::Client::connect(args.url);
  const auto prices = example::unique_name("prices");

  // The responder: one consumer group, four handlers at once; each returns its reply.
  auto price_service =
      client.serve(prices, example::group_or_broadcast(client, "price-service"),
                   [](const unimq::Delivery& request) {
                     const auto& sku = request.message().payload();
                     return unimq::Message(std::to_string(price_of(sku))).header("sku", sku);
                   },
                   {.concurrency = 4});

  // The caller: 50 requests in flight at once, each with a 10 s deadline.
  constexpr int kRequests = 50;
  std::vector<std::future<unimq::Message>> replies;
  std::vector<Clock::time_point> sent;
  for (int i = 0; i < kRequests; ++i) {
    sent.push_back(Clock::now());
    replies.push_back(client.request(prices, unimq::Message("sku-" + std::to_string(i)), 10s));
  }
  int correct = 0;
  std::vector<double> latency_ms;
  for (int i = 0; i < kRequests; ++i) {
    const auto reply = replies[i].get();
    latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent[i]).count());
    const std::string sku = "sku-" + std::to_string(i);
    if (reply.payload() == std::to_string(price_of(sku)) && reply.headers().get("sku") == sku) {
      ++correct;
    }
  }
  std::sort(latency_ms.begin(), latency_ms.end());

  // Nobody serves discounts: the call fails at its deadline.
  const auto asked = Clock::now();
  bool timed_out = false;
  try {
    client.request(example::unique_name("discounts"), unimq::Message("sku-1"), 500ms).get();
  } catch (const unimq::TimeoutError&) {
    timed_out = true;
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - asked);

  std::cout << "request_reply on " << client.url() << ": " << correct << "/" << kRequests
            << " prices answered to the right caller (median " << latency_ms[kRequests / 2]
            << " ms); unserved request " << (timed_out ? "timed out" : "did NOT time out")
            << " after " << waited.count()
            << " ms (deadline 500 ms); late replies dropped: " << client.late_replies() << "\n";
  const bool ok = correct == kRequests && timed_out && waited >= 500ms && waited < 3s;
  if (!ok) std::cerr << "request_reply: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "request_reply: a price service answers 50 concurrent requests");
  return example::run([&] { return run(args); });
}
