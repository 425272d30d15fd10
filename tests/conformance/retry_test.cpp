// Retry and dead-lettering: the common layer's policy, identical on every backend.
#include "fixture.hpp"

namespace unimq::test {
namespace {

/// Collects everything that arrives on a dead-letter topic, read as `group` (see
/// Conformance::group: "" on a backend without consumer groups).
struct DeadLetters {
  DeadLetters(Client& client, const std::string& dlq_topic, const std::string& group)
      : consumer(client.topic(dlq_topic).consumer({.group = group})) {
    consumer.start([this](const Delivery& d) { got.add(d); });
  }
  ~DeadLetters() { consumer.stop(); }
  Collector got;
  Consumer consumer;
};

TEST_P(Conformance, FailingHandlerIsRetriedMaxAttemptsThenDeadLetteredOnce) {
  const auto name = unique("retry");
  auto topic = client().topic(name);
  DeadLetters dlq(client(), name + ".dlq", group("dlq-reader"));
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> tries;
  std::string id;  // the broker's id for the message; empty where it assigns none
  auto consumer = topic.consumer({.group = group("billing"), .retry = quick_retry(4)});
  consumer.start([&](const Delivery& d) {
    {
      std::lock_guard lock(mutex);
      tries.push_back(std::chrono::steady_clock::now());
      id = d.id();
    }
    throw std::runtime_error("card declined (attempt " + std::to_string(d.attempt()) + ")");
  });
  auto producer = topic.producer();
  producer.publish(Message(std::string("pay\0load", 8)).key("k1").header("trace", "t-1")).get();
  ASSERT_TRUE(dlq.got.wait_for(1));
  ASSERT_TRUE(eventually([&] { return consumer.stats().acked == 1; }));
  std::this_thread::sleep_for(200ms);  // a fifth try or a second dead letter would show now
  consumer.stop();

  std::lock_guard lock(mutex);
  ASSERT_EQ(tries.size(), 4u);
  for (std::size_t i = 1; i < tries.size(); ++i) {
    EXPECT_GE(tries[i] - tries[i - 1], quick_retry(4).base_backoff(static_cast<std::uint32_t>(i)))
        << "backoff before try " << i + 1;
  }
  EXPECT_EQ(dlq.got.size(), 1u);
  const Message dead = dlq.got.messages().front();
  EXPECT_EQ(dead.payload(), std::string("pay\0load", 8));
  EXPECT_EQ(dead.key(), "k1");
  EXPECT_EQ(dead.headers().get("trace"), "t-1");
  EXPECT_EQ(dead.headers().get(dlq_header::topic), name);
  EXPECT_EQ(dead.headers().get(dlq_header::group), group("billing"));
  EXPECT_EQ(dead.headers().get(dlq_header::attempts), "4");
  EXPECT_EQ(dead.headers().get(dlq_header::error), "card declined (attempt 4)");
  ASSERT_TRUE(dead.headers().contains(dlq_header::failed_at));
  EXPECT_EQ(dead.headers().get(dlq_header::failed_at)->back(), 'Z');
  EXPECT_EQ(dead.headers().get(dlq_header::message_id), id);
  const auto stats = consumer.stats();
  EXPECT_EQ(stats.failed, 4u);
  EXPECT_EQ(stats.retried, 3u);
  EXPECT_EQ(stats.dead_lettered, 1u);
}

TEST_P(Conformance, PermanentErrorIsDeadLetteredAfterOneAttempt) {
  const auto name = unique("perm");
  auto topic = client().topic(name);
  DeadLetters dlq(client(), name + ".dlq", group("dlq-reader"));
  std::atomic<int> tries{0};
  auto consumer = topic.consumer({.group = group("g"), .retry = quick_retry(5)});
  consumer.start([&](const Delivery&) {
    tries.fetch_add(1);
    throw PermanentError("schema mismatch");
  });
  auto producer = topic.producer();
  producer.publish(Message("bad")).get();
  ASSERT_TRUE(dlq.got.wait_for(1));
  std::this_thread::sleep_for(150ms);
  consumer.stop();
  EXPECT_EQ(tries.load(), 1);
  EXPECT_EQ(dlq.got.messages().front().headers().get(dlq_header::attempts), "1");
  EXPECT_EQ(dlq.got.messages().front().headers().get(dlq_header::error), "schema mismatch");
}

TEST_P(Conformance, OtherMessagesKeepFlowingWhileOneIsRetried) {
  const auto name = unique("flow");
  auto topic = client().topic(name);
  DeadLetters dlq(client(), name + ".dlq", group("dlq-reader"));
  Collector good;
  auto consumer = topic.consumer({.group = group("g"),
                                  .retry = {.max_attempts = 3,
                                            .initial_backoff = 500ms,
                                            .multiplier = 1.0,
                                            .max_backoff = 500ms,
                                            .jitter = 0.0}});
  consumer.start([&](const Delivery& d) {
    if (d.message().payload() == "poison") throw std::runtime_error("boom");
    good.add(d);
  });
  auto producer = topic.producer();
  producer.publish(Message("poison")).get();
  const auto start = std::chrono::steady_clock::now();
  publish_numbered(producer, 100);
  ASSERT_TRUE(good.wait_for(100));
  // The good messages did not wait behind the poison message's 2 x 500 ms of backoff.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  ASSERT_TRUE(dlq.got.wait_for(1));
  consumer.stop();
  EXPECT_EQ(dlq.got.messages().front().payload(), "poison");
}

TEST_P(Conformance, PerKeyRetryKeepsLaterMessagesOfTheKeyBehind) {
  const auto name = unique("keyretry");
  auto topic = client().topic(name);
  std::mutex mutex;
  std::vector<std::string> order;
  Collector got;
  auto consumer = topic.consumer({.group = group("g"),
                                  .concurrency = 4,
                                  .ordering = Ordering::per_key,
                                  .retry = quick_retry(3)});
  consumer.start([&](const Delivery& d) {
    if (d.message().payload() == "first" && d.attempt() < 3) throw std::runtime_error("later");
    {
      std::lock_guard lock(mutex);
      order.push_back(d.message().payload());
    }
    got.add(d);
  });
  auto producer = topic.producer();
  producer.publish(Message("first").key("same")).get();
  producer.publish(Message("second").key("same")).get();
  ASSERT_TRUE(got.wait_for(2));
  consumer.stop();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second"}));
}

TEST_P(Conformance, DisabledDeadLetteringDropsAfterTheLastAttempt) {
  const auto name = unique("nodlq");
  auto topic = client().topic(name);
  DeadLetters dlq(client(), name + ".dlq", group("dlq-reader"));
  std::atomic<int> tries{0};
  auto consumer = topic.consumer({.group = group("g"),
                                  .retry = quick_retry(2),
                                  .dead_letter = {.enabled = false, .topic = ""}});
  consumer.start([&](const Delivery&) {
    tries.fetch_add(1);
    throw std::runtime_error("no");
  });
  auto producer = topic.producer();
  producer.publish(Message("x")).get();
  ASSERT_TRUE(eventually([&] { return consumer.stats().acked == 1; }));
  std::this_thread::sleep_for(200ms);
  consumer.stop();
  EXPECT_EQ(tries.load(), 2);
  EXPECT_EQ(dlq.got.size(), 0u);
  EXPECT_EQ(consumer.stats().dead_lettered, 0u);
}

TEST_P(Conformance, HandlerCanDeadLetterExplicitlyToACustomTopic) {
  const auto name = unique("manualdlq");
  const auto custom = unique("parking-lot");
  auto topic = client().topic(name);
  DeadLetters dlq(client(), custom, group("dlq-reader"));
  auto consumer = topic.consumer({.group = group("g"),
                                  .ack = AckMode::manual,
                                  .dead_letter = {.enabled = true, .topic = custom}});
  consumer.start([&](const Delivery& d) { d.dead_letter("operator said so"); });
  auto producer = topic.producer();
  producer.publish(Message("park me")).get();
  ASSERT_TRUE(dlq.got.wait_for(1));
  ASSERT_TRUE(eventually([&] { return consumer.stats().acked == 1; }));
  consumer.stop();
  const Message dead = dlq.got.messages().front();
  EXPECT_EQ(dead.payload(), "park me");
  EXPECT_EQ(dead.headers().get(dlq_header::error), "operator said so");
  EXPECT_EQ(dead.headers().get(dlq_header::attempts), "1");
  EXPECT_EQ(consumer.stats().dead_lettered, 1u);
}

TEST_P(Conformance, RedeliverModeAttemptCountSurvivesAConsumerRestart) {
  // The second consumer picks up what the first left with the broker: a restart.
  require(caps().guarantee == DeliveryGuarantee::at_least_once, "at_least_once");
  require(caps().nack, "nack");
  require(caps().delayed_redelivery, "delayed_redelivery");
  require(caps().delivery_count, "delivery_count");
  const auto name = unique("redeliver");
  auto topic = client().topic(name);
  DeadLetters dlq(client(), name + ".dlq", group("dlq-reader"));
  // Long enough that the first consumer has stopped before the broker redelivers.
  const RetryPolicy policy{.max_attempts = 3,
                           .initial_backoff = 300ms,
                           .multiplier = 1.0,
                           .max_backoff = 300ms,
                           .jitter = 0.0,
                           .mode = RetryMode::redeliver};

  Collector first;
  auto c1 = topic.consumer({.group = group("g"), .retry = policy});
  c1.start([&](const Delivery& d) {
    first.add(d);
    throw std::runtime_error("fail " + std::to_string(d.attempt()));
  });
  auto producer = topic.producer();
  producer.publish(Message("m")).get();
  ASSERT_TRUE(first.wait_for(1));
  ASSERT_TRUE(eventually([&] { return c1.stats().nacked == 1; }));
  ASSERT_TRUE(c1.stop());  // the broker now holds the message with one delivery counted

  Collector second;
  auto c2 = topic.consumer({.group = group("g"), .retry = policy});
  c2.start([&](const Delivery& d) {
    second.add(d);
    throw std::runtime_error("fail " + std::to_string(d.attempt()));
  });
  ASSERT_TRUE(dlq.got.wait_for(1));
  c2.stop();
  EXPECT_EQ(first.attempts(), (std::vector<std::uint32_t>{1}));
  // The count lives in the broker: the new consumer continues where the old one stopped.
  EXPECT_EQ(second.attempts(), (std::vector<std::uint32_t>{2, 3}));
  EXPECT_EQ(dlq.got.messages().front().headers().get(dlq_header::attempts), "3");
}

}  // namespace
}  // namespace unimq::test
