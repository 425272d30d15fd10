// Flow control: the in-flight window and the rate limit.
#include "fixture.hpp"

namespace unimq::test {
namespace {

TEST_P(Conformance, MaxInFlightBoundsRunningHandlers) {
  auto topic = client().topic(unique("window"));
  std::atomic<int> running{0}, peak{0};
  Collector got;
  auto consumer = topic.consumer({.group = group("g"), .concurrency = 8, .max_in_flight = 3});
  consumer.start([&](const Delivery& d) {
    const int now = running.fetch_add(1) + 1;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(5ms);
    running.fetch_sub(1);
    got.add(d);
  });
  auto producer = topic.producer();
  publish_numbered(producer, 60);
  ASSERT_TRUE(got.wait_for(60));
  consumer.stop();
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 2) << "the window was never used";
}

TEST_P(Conformance, MaxInFlightBoundsUnackedMessagesInManualMode) {
  auto topic = client().topic(unique("unacked"));
  std::mutex mutex;
  std::vector<Delivery> held;
  auto consumer = topic.consumer(
      {.group = group("g"), .concurrency = 2, .max_in_flight = 4, .ack = AckMode::manual});
  consumer.start([&](const Delivery& d) {
    std::lock_guard lock(mutex);
    held.push_back(d);  // settled later, outside the handler
  });
  auto producer = topic.producer();
  publish_numbered(producer, 10);
  auto held_count = [&] {
    std::lock_guard lock(mutex);
    return held.size();
  };
  ASSERT_TRUE(eventually([&] { return held_count() == 4; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(held_count(), 4u) << "more than max_in_flight messages were handed out unacked";
  {
    std::lock_guard lock(mutex);
    for (auto& d : held) d.ack();
  }
  ASSERT_TRUE(eventually([&] { return held_count() == 8; }));
  {
    std::lock_guard lock(mutex);
    for (auto& d : held) d.ack();  // the first four again: harmless
    for (std::size_t i = 4; i < held.size(); ++i) held[i].ack();
  }
  ASSERT_TRUE(eventually([&] { return held_count() == 10; }));
  {
    std::lock_guard lock(mutex);
    for (auto& d : held) d.ack();
  }
  ASSERT_TRUE(eventually([&] { return consumer.stats().acked == 10; }));
  consumer.stop();
}

TEST_P(Conformance, RateLimitHoldsTheMeasuredRateWithinTwentyPercent) {
  auto topic = client().topic(unique("rate"));
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> times;
  auto consumer = topic.consumer(
      {.group = group("g"), .concurrency = 4, .rate_limit = {.per_second = 100, .burst = 1}});
  consumer.start([&](const Delivery&) {
    std::lock_guard lock(mutex);
    times.push_back(std::chrono::steady_clock::now());
  });
  auto producer = topic.producer();
  publish_numbered(producer, 1000);  // far more than 2 s worth
  std::this_thread::sleep_for(2500ms);
  consumer.stop();
  std::lock_guard lock(mutex);
  ASSERT_GT(times.size(), 50u);
  // Count handler starts in a 2 s window that begins after the first one.
  const auto from = times.front() + 250ms;
  const auto to = from + 2s;
  const auto n =
      std::count_if(times.begin(), times.end(), [&](auto t) { return t >= from && t < to; });
  EXPECT_GE(n, 160) << "rate below 80/s";
  EXPECT_LE(n, 240) << "rate above 120/s";
}

}  // namespace
}  // namespace unimq::test
