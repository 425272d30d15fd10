// A JetStream consumer under load while the producer publishes: every message handled exactly
// once, three times over. Regression test for cnats 3.4.1's Fetch handing over more messages
// than its batch (leftovers of expired pulls), which wrote past its array; under the ASan stage
// of scripts/test that showed as a heap-buffer-overflow within a round or two.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>

#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

TEST(NatsJetStreamLoad, EveryMessageHandledOnceWhilePublishing) {
  const std::string url = test::broker_url("UNIMQ_TEST_JETSTREAM_URL");
  if (url.empty()) return;
  constexpr std::uint64_t n = 30000;
  for (int round = 0; round < 3; ++round) {
    auto client = Client::connect(url);
    auto topic = client.topic(
        "load-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::mutex mu;
    std::condition_variable cv;
    std::uint64_t handled = 0;
    auto consumer = topic.consumer({.max_in_flight = 1024});
    consumer.start([&](const Delivery&) {
      std::lock_guard lock(mu);
      if (++handled == n) cv.notify_all();
    });
    auto producer = topic.producer();
    std::atomic<std::uint64_t> failed{0};
    for (std::uint64_t i = 0; i < n; ++i) {
      producer.publish(Message("m"), [&](const PublishResult& r) {
        if (!r.ok()) ++failed;
      });
    }
    ASSERT_TRUE(producer.flush(60s));
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, 60s, [&] { return handled >= n; }))
          << "round " << round << ": handled " << handled << " of " << n;
    }
    std::this_thread::sleep_for(200ms);  // a duplicate would show now
    consumer.stop();
    EXPECT_EQ(failed.load(), 0u) << "round " << round;
    EXPECT_EQ(consumer.stats().handled, n) << "round " << round;
  }
}

}  // namespace
}  // namespace unimq
