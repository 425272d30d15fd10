// Consumers opened and closed while messages for them stream in, against a private nats-server.
// cnats 3.4.1 looks a subscription up and then uses it without holding a reference, so freeing
// one while its messages arrive was a use-after-free in cnats' reader thread (found by the TSan
// stress run); ASan reports it here within a few hundred cycles. Label `lifecycle;nats`.
#include <atomic>
#include <memory>
#include <thread>

#include "collector.hpp"
#include "nats_fixture.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

class NatsLifecycle : public NatsTest {
 protected:
  /// Opens, starts and destroys consumers of one topic `cycles` times while two producers
  /// publish to it without pause; the handlers must have run (the flood really reached them).
  void churn_consumers_under_flood(const std::string& url, const std::string& group, int cycles) {
    // Declared before every consumer whose handler counts into it, so it outlives them all
    // (the anchor's handler ran into it after it went out of scope: ASan stack-use-after-scope).
    std::atomic<long> handled{0};
    auto client = Client::connect(url);
    auto topic = client.topic("churn");
    // The JetStream group must exist before the flood so that its consumer has messages to
    // fetch; for core NATS this consumer keeps the subject busy.
    auto anchor = topic.consumer({.group = group});
    anchor.start([&](const Delivery&) { handled.fetch_add(1); });

    std::atomic<bool> stop{false};
    std::vector<std::thread> publishers;
    for (int p = 0; p < 2; ++p) {
      publishers.emplace_back([&] {
        auto producer = topic.producer();
        while (!stop.load()) {
          for (int i = 0; i < 64; ++i) producer.publish(Message("flood"));
          producer.flush(5s);
        }
      });
    }
    for (int i = 0; i < cycles; ++i) {
      auto consumer = topic.consumer({.group = group, .max_in_flight = 8});
      consumer.start([&](const Delivery&) { handled.fetch_add(1); });
      std::this_thread::sleep_for(std::chrono::microseconds(200 * (i % 5)));
    }  // each consumer is stopped and its subscription freed here, mid-flood
    stop = true;
    for (auto& t : publishers) t.join();
    anchor.stop(5s);
    EXPECT_GT(handled.load(), 0);
  }
};

TEST_F(NatsLifecycle, CoreSubscribersCloseWhileTheirMessagesArrive) {
  churn_consumers_under_flood(core_url(), "", 1000);
}

TEST_F(NatsLifecycle, CoreQueueSubscribersCloseWhileTheirMessagesArrive) {
  churn_consumers_under_flood(core_url(), "workers", 1000);
}

TEST_F(NatsLifecycle, JetStreamPullConsumersCloseWhileTheirMessagesArrive) {
  churn_consumers_under_flood(jetstream_url(), "workers", 150);
}

TEST_F(NatsLifecycle, JetStreamProducersClosedWhilePublishingCompleteEveryPublishOnce) {
  // close() can come while the sender is between registering a batch for its PubAcks and
  // publishing it: every message must still complete exactly once, acknowledged or closed.
  constexpr int kMessages = 2000;
  auto client = Client::connect(jetstream_url());
  auto topic = client.topic("closing");
  for (int cycle = 0; cycle < 20; ++cycle) {
    auto calls = std::make_unique<std::atomic<int>[]>(kMessages);
    CallCount total;
    std::atomic<int> closed{0};
    auto producer = topic.producer();
    for (int i = 0; i < kMessages; ++i) {
      producer.publish(Message("m"), [&, i](const PublishResult& r) {
        if (!r.ok()) {
          try {
            std::rethrow_exception(r.error);
          } catch (const ClosedError&) {
            closed.fetch_add(1);
          } catch (...) {
          }
        }
        calls[i].fetch_add(1);
        total.add();
      });
    }
    // Closing at different moments: before the first send, during a batch, after some PubAcks.
    std::this_thread::sleep_for(std::chrono::microseconds{150 * (cycle % 8)});
    producer.close(std::chrono::milliseconds{0});
    EXPECT_TRUE(total.wait_for(kMessages, 10s));
    std::this_thread::sleep_for(20ms);  // a second completion would come now
    ASSERT_EQ(total.value(), kMessages) << "cycle " << cycle << ", closed " << closed.load();
    for (int i = 0; i < kMessages; ++i) ASSERT_EQ(calls[i].load(), 1) << "message " << i;
  }
}

}  // namespace
}  // namespace unimq::test
