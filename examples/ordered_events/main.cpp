// Ordered events: 20 bank accounts, 200 balance events each, consumed with 8 handler threads.
// With per-key ordering, events of one account (same key) are handled one at a time in publish
// order while different accounts run in parallel. Succeeds only if every event arrived and no
// account saw one out of order.
//
// The code is the same for every broker; --url picks one.
#include <atomic>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kAccounts = 20;
constexpr int kEventsPerAccount = 200;

int run(const example::Args& args) {
  const auto deadline = Clock::now() + args.timeout;
  auto client = unimq::Client::connect(args.url);
  auto events = client.topic(example::unique_name("account-events"));

  std::mutex mutex;
  std::map<std::string, int> last_seq;  // per account
  int out_of_order = 0;
  std::atomic<int> handled{0};
  std::atomic<int> running{0}, most_running{0};
  auto consumer = events.consumer({.group = example::group_or_broadcast(client, "ledger"),
                                   .concurrency = 8,
                                   .ordering = unimq::Ordering::per_key});
  consumer.start([&](const unimq::Delivery& d) {
    const int now = running.fetch_add(1) + 1;
    int seen = most_running.load();
    while (now > seen && !most_running.compare_exchange_weak(seen, now)) {
    }
    const int seq = std::stoi(d.message().payload());
    if (seq % 7 == 0) std::this_thread::sleep_for(1ms);  // some events take longer
    {
      std::lock_guard lock(mutex);
      auto& last = last_seq[d.message().key()];
      if (seq <= last) ++out_of_order;
      last = std::max(last, seq);
    }
    running.fetch_sub(1);
    handled.fetch_add(1);
  });

  auto producer = events.producer();
  for (int seq = 1; seq <= kEventsPerAccount; ++seq) {
    for (int a = 0; a < kAccounts; ++a) {
      producer.publish(unimq::Message(std::to_string(seq)).key("account-" + std::to_string(a)));
    }
  }
  producer.flush(30s);
  const int total = kAccounts * kEventsPerAccount;
  const bool drained = example::wait_until([&] { return handled.load() >= total; }, deadline);

  std::lock_guard lock(mutex);
  std::cout << "ordered_events on " << client.url() << ": " << handled.load() << "/" << total
            << " events of " << last_seq.size() << " accounts handled by up to "
            << most_running.load() << " threads at once; out of order: " << out_of_order << "\n";
  const bool ok = drained && handled.load() == total && out_of_order == 0 &&
                  static_cast<int>(last_seq.size()) == kAccounts;
  if (!ok) std::cerr << "ordered_events: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "ordered_events: per-account order kept with 8 handler threads");
  return example::run([&] { return run(args); });
}
