// Peak shaving: a burst of 50 000 orders arrives at once; the broker buffers it and the handler
// drains it at its own pace, capped by a token-bucket rate limit (20 000/s), with at most 4096
// messages held by the consumer at any time, so the process's memory stays bounded however big
// the burst. Succeeds only if every order was handled, the handler rate stayed at the limit, and
// the consumer never held more than its in-flight window.
//
// On at-most-once backends (Redis pub/sub, NATS core) the buffer is the broker's per-subscriber
// output buffer, which drops a burst larger than its limit; the durable backends keep it.
#include <atomic>
#include <fstream>
#include <iostream>
#include <string>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kBurst = 50'000;
constexpr double kRate = 20000;  // handler starts per second
// What the consumer may hold at once: the memory bound. At least the rate times the poll
// interval (20 000/s x 100 ms), because a JetStream pull that cannot fill its batch waits the
// whole poll interval (see the NATS section of the README).
constexpr std::uint32_t kWindow = 4096;

// Peak resident memory of this process in MiB (VmHWM), or -1 where /proc is missing.
long peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  long kib = -1;
  while (status >> key) {
    if (key == "VmHWM:") {
      status >> kib;
      break;
    }
  }
  return kib < 0 ? -1 : kib / 1024;
}

int run(const example::Args& args) {
  const auto deadline = Clock::now() + args.timeout;
  auto client = unimq::Client::connect(args.url);
  auto orders = client.topic(example::unique_name("orders"));

  std::atomic<int> handled{0};
  std::atomic<int> holding{0};  // handler calls running now
  std::atomic<int> most_held{0};
  std::atomic<long long> first_ns{0}, last_ns{0};
  auto consumer = orders.consumer({.group = example::group_or_broadcast(client, "fulfilment"),
                                   .concurrency = 4,
                                   .max_in_flight = kWindow,
                                   .rate_limit = {.per_second = kRate, .burst = 100}});
  consumer.start([&](const unimq::Delivery&) {
    const int now_holding = holding.fetch_add(1) + 1;
    int seen = most_held.load();
    while (now_holding > seen && !most_held.compare_exchange_weak(seen, now_holding)) {
    }
    const long long ns = Clock::now().time_since_epoch().count();
    long long zero = 0;
    first_ns.compare_exchange_strong(zero, ns);
    last_ns.store(ns);
    handled.fetch_add(1);
    holding.fetch_sub(1);
  });

  // The burst: as fast as the producer takes it.
  auto producer = orders.producer();
  const auto burst_start = Clock::now();
  for (int i = 0; i < kBurst; ++i) producer.publish(unimq::Message("order-" + std::to_string(i)));
  const bool confirmed = producer.flush(
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  const auto burst_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - burst_start).count();
  const bool drained = example::wait_until([&] { return handled.load() >= kBurst; }, deadline);

  const double drain_s = static_cast<double>(last_ns.load() - first_ns.load()) / 1e9;
  const double rate = drain_s > 0 ? (handled.load() - 1) / drain_s : 0;
  std::cout << "peak_shaving on " << client.url() << ": a burst of " << kBurst << " published in "
            << burst_ms << " ms, handled " << handled.load() << " at " << static_cast<long>(rate)
            << "/s (limit " << static_cast<long>(kRate) << "/s), at most " << most_held.load()
            << " handlers at once (window " << kWindow << "), peak memory " << peak_rss_mib()
            << " MiB\n";
  const bool ok = confirmed && drained && handled.load() == kBurst && rate <= kRate * 1.1 &&
                  rate >= kRate * 0.25;
  if (!ok) std::cerr << "peak_shaving: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "peak_shaving: a 50 000-message burst drained at a capped rate");
  return example::run([&] { return run(args); });
}
