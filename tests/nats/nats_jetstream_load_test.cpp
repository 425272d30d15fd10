// A JetStream consumer under load while the producer publishes: every message handled exactly
// once, three times over; and large messages with a wide in-flight window, which must not make
// the server drop the connection as a slow consumer. Regression test for cnats 3.4.1's Fetch
// handing over more messages than its batch (leftovers of expired pulls), which wrote past its
// array; under the ASan stage of scripts/test that showed as a heap-buffer-overflow within a round
// or two.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>

#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

/// A topic no earlier run used: "<prefix>-<clock ticks>".
std::string fresh_topic(const char* prefix) {
  return std::string(prefix) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

/// Counts handler calls; wait_for() blocks until a count is reached.
class HandledCount {
 public:
  Handler handler() {
    return [this](const Delivery&) {
      std::lock_guard lock(mu_);
      ++handled_;
      cv_.notify_all();
    };
  }
  bool wait_for(std::uint64_t n, std::chrono::seconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return handled_ >= n; });
  }
  std::uint64_t value() {
    std::lock_guard lock(mu_);
    return handled_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::uint64_t handled_ = 0;
};

/// Publishes `count` copies of `payload`, counting the publishes whose callback reported failure.
/// The callbacks share the counter, so they may outlive this object (a producer destroyed after
/// it completes what it still holds).
class Publisher {
 public:
  explicit Publisher(Producer& producer) : producer_(producer) {}
  void publish(std::uint64_t count, const std::string& payload) {
    for (std::uint64_t i = 0; i < count; ++i) {
      producer_.publish(Message(payload), [failed = failed_](const PublishResult& r) {
        if (!r.ok()) ++*failed;
      });
    }
  }
  std::uint64_t failed() const { return failed_->load(); }

 private:
  Producer& producer_;
  std::shared_ptr<std::atomic<std::uint64_t>> failed_ =
      std::make_shared<std::atomic<std::uint64_t>>(0);
};

TEST(NatsJetStreamLoad, EveryMessageHandledOnceWhilePublishing) {
  const std::string url = test::broker_url("UNIMQ_TEST_JETSTREAM_URL");
  if (url.empty()) return;
  constexpr std::uint64_t n = 30000;
  for (int round = 0; round < 3; ++round) {
    auto client = Client::connect(url);
    auto topic = client.topic(fresh_topic("load"));
    HandledCount handled;
    auto consumer = topic.consumer({.max_in_flight = 1024});
    consumer.start(handled.handler());
    auto producer = topic.producer();
    Publisher publisher(producer);
    publisher.publish(n, "m");
    ASSERT_TRUE(producer.flush(60s));
    ASSERT_TRUE(handled.wait_for(n, 60s))
        << "round " << round << ": handled " << handled.value() << " of " << n;
    std::this_thread::sleep_for(200ms);  // a duplicate would show now
    consumer.stop();
    EXPECT_EQ(publisher.failed(), 0u) << "round " << round;
    EXPECT_EQ(consumer.stats().handled, n) << "round " << round;
  }
}

// 4 000 messages of 64 KiB (250 MiB) stored first, then consumed with max_in_flight 65 536 on
// the connection that publishes more. A pull for 65 536 messages had no byte limit, so the
// server queued all of them for this client, beyond its 64 MiB pending limit, closed the
// connection as a slow consumer, and publishes made meanwhile failed with "Insufficient Buffer"
// (found by bench/: JetStream at 64 KiB).
TEST(NatsJetStreamLoad, LargeMessagesWithAWideWindowKeepTheConnection) {
  const std::string url = test::broker_url("UNIMQ_TEST_JETSTREAM_URL");
  if (url.empty()) return;
  constexpr std::uint64_t n = 4000;
  auto client = Client::connect(url);
  auto topic = client.topic(fresh_topic("large"));
  auto producer = topic.producer();
  Publisher publisher(producer);
  const std::string payload(64 * 1024, 'x');
  publisher.publish(n, payload);
  ASSERT_TRUE(producer.flush(60s));
  HandledCount handled;
  auto consumer =
      topic.consumer({.group = "large", .max_in_flight = 65536, .start = StartPosition::earliest});
  consumer.start(handled.handler());
  publisher.publish(200, payload);
  ASSERT_TRUE(producer.flush(60s));
  EXPECT_EQ(publisher.failed(), 0u);
  // A dropped connection costs the unacked messages ack_wait (30 s) before they come back.
  ASSERT_TRUE(handled.wait_for(n + 200, 20s)) << "handled " << handled.value() << " of " << n + 200;
  std::this_thread::sleep_for(200ms);  // a redelivery would show now
  consumer.stop();
  EXPECT_EQ(consumer.stats().received, n + 200) << "messages were delivered again";
  EXPECT_EQ(consumer.stats().handled, n + 200);
  EXPECT_EQ(consumer.stats().failed, 0u);
}

// The bench's 64 KiB publish_consume: the consumer runs first and 5 000 messages of 64 KiB are
// published as fast as the producer goes, on the same connection. Pulls of 16 MiB (the code said
// 4 MiB in its comment but asked for 16) left several pulls' worth queued at the server for this
// client, which passed its 64 MiB limit: the connection was dropped as a slow consumer, fetches
// failed with "Insufficient Buffer" while it reconnected, and messages came twice.
TEST(NatsJetStreamLoad, LargeMessagesPublishedWhileConsumedKeepTheConnection) {
  const std::string url = test::broker_url("UNIMQ_TEST_JETSTREAM_URL");
  if (url.empty()) return;
  constexpr std::uint64_t n = 5000;
  auto client = Client::connect(url);
  auto topic = client.topic(fresh_topic("busy"));
  HandledCount handled;
  auto consumer = topic.consumer({.group = "busy", .max_in_flight = 65536});
  consumer.start(handled.handler());
  auto producer = topic.producer();
  Publisher publisher(producer);
  publisher.publish(n, std::string(64 * 1024, 'x'));
  ASSERT_TRUE(producer.flush(60s));
  EXPECT_EQ(publisher.failed(), 0u);
  ASSERT_TRUE(handled.wait_for(n, 20s)) << "handled " << handled.value() << " of " << n;
  std::this_thread::sleep_for(200ms);  // a redelivery would show now
  consumer.stop();
  EXPECT_EQ(consumer.stats().received, n) << "messages were delivered again";
  EXPECT_EQ(consumer.stats().handled, n);
}

}  // namespace
}  // namespace unimq
