// Lifecycles: graceful stop, nothing lost across consumers, handles destroyed in any order.
#include "fixture.hpp"

namespace unimq::test {
namespace {

TEST_P(Conformance, StopLetsInFlightHandlersFinishAndRedeliversTheRest) {
  require(caps().guarantee == DeliveryGuarantee::at_least_once, "at_least_once");
  auto topic = client().topic(unique("stop"));
  std::atomic<int> started{0}, finished{0};
  Collector first;
  auto c1 = topic.consumer({.group = group("g"), .concurrency = 2, .max_in_flight = 16});
  c1.start([&](const Delivery& d) {
    started.fetch_add(1);
    std::this_thread::sleep_for(50ms);
    first.add(d);
    finished.fetch_add(1);
  });
  auto producer = topic.producer();
  publish_numbered(producer, 100);
  ASSERT_TRUE(eventually([&] { return started.load() >= 2; }));
  EXPECT_TRUE(c1.stop(5s));
  EXPECT_EQ(started.load(), finished.load()) << "stop returned while a handler was running";
  EXPECT_FALSE(c1.running());

  Collector second;
  auto c2 = topic.consumer({.group = group("g"), .concurrency = 4});
  c2.start([&](const Delivery& d) { second.add(d); });
  auto all_seen = [&] {
    auto counts = first.counts();
    for (const auto& [payload, n] : second.counts()) counts[payload] += n;
    return counts.size() == 100u;
  };
  ASSERT_TRUE(second.wait_until(all_seen));
  c2.stop();
  // Everything the first consumer finished was acked, so nothing it handled comes back.
  for (const auto& [payload, n] : first.counts()) EXPECT_EQ(second.counts().count(payload), 0u);
}

TEST_P(Conformance, StopReturnsFalseWhenAHandlerOverrunsTheDeadline) {
  auto topic = client().topic(unique("overrun"));
  std::atomic<bool> release{false};
  std::atomic<bool> entered{false};
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([&](const Delivery&) {
    entered = true;
    while (!release.load()) std::this_thread::sleep_for(1ms);
  });
  auto producer = topic.producer();
  producer.publish(Message("slow")).get();
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(consumer.stop(100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  release = true;
}

TEST_P(Conformance, PublishAfterCloseFailsWithClosedError) {
  auto topic = client().topic(unique("closed"));
  // A subscriber first: a broker may refuse a message nobody subscribed to (RabbitMQ returns
  // an unroutable one), and "ok" arriving shows the producer worked before close().
  Collector got;
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer();
  producer.publish(Message("ok")).get();
  ASSERT_TRUE(got.wait_for(1));
  producer.close();
  EXPECT_THROW(producer.publish(Message("late")).get(), ClosedError);
  std::exception_ptr error;
  try {
    producer.publish(Message("late"), [&](const PublishResult& r) { error = r.error; });
  } catch (const ClosedError&) {
    error = std::current_exception();
  }
  ASSERT_TRUE(error);
  EXPECT_THROW(std::rethrow_exception(error), ClosedError);
  producer.close();  // closing twice is harmless
}

TEST_P(Conformance, ClosingTheClientClosesItsProducersAndRefusesNewObjects) {
  Client other = connect_again();
  auto topic = other.topic(unique("clientclose"));
  // A subscriber on another client first (see PublishAfterCloseFailsWithClosedError).
  Collector got;
  auto consumer = client().topic(topic.name()).consumer({.group = group("g")});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer();
  producer.publish(Message("ok")).get();
  ASSERT_TRUE(got.wait_for(1));
  other.close();
  EXPECT_THROW(producer.publish(Message("late")).get(), ClosedError);
  EXPECT_THROW(other.topic("x").producer(), ClosedError);
  EXPECT_THROW(other.topic("x").consumer({.group = group("g")}).start([](const Delivery&) {}),
               ClosedError);
  other.close();
}

TEST_P(Conformance, HandlesMayBeDestroyedInAnyOrder) {
  std::optional<Client> other(connect_again());
  auto topic = other->topic(unique("order-of-death"));
  std::optional<Producer> producer(topic.producer());
  Collector got;
  std::optional<Consumer> consumer(topic.consumer({.group = group("g")}));
  consumer->start([&](const Delivery& d) { got.add(d); });
  producer->publish(Message("one")).get();
  ASSERT_TRUE(got.wait_for(1));
  // The client handle goes first: producer and consumer keep the connection alive and working.
  other.reset();
  producer->publish(Message("two")).get();
  ASSERT_TRUE(got.wait_for(2));
  EXPECT_TRUE(consumer->running());
  consumer.reset();  // stops it
  producer.reset();  // the last handle: the connection closes here
  EXPECT_EQ(got.size(), 2u);
}

TEST_P(Conformance, StartingAConsumerTwiceIsAnErrorAndStoppedConsumersStayStopped) {
  auto topic = client().topic(unique("twice"));
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([](const Delivery&) {});
  EXPECT_TRUE(consumer.running());
  EXPECT_THROW(consumer.start([](const Delivery&) {}), ConfigError);
  EXPECT_TRUE(consumer.stop());
  EXPECT_TRUE(consumer.stop());  // stopping twice is harmless
  EXPECT_THROW(consumer.start([](const Delivery&) {}), ClosedError);
}

TEST_P(Conformance, RunBlocksUntilStopIsCalledFromTheHandler) {
  auto topic = client().topic(unique("run"));
  auto consumer = topic.consumer({.group = group("g")});
  auto producer = topic.producer();
  std::atomic<int> handled{0};
  std::thread publisher([&] {
    // running() is true from the moment start() begins, possibly before the subscription exists
    // on the broker, and a new subscriber (or a group starting at new messages) misses what came
    // before it. So messages go one at a time until the handler has seen three: one published
    // too early is made up for by a later one instead of leaving run() blocked for good. More
    // than three may be published; none is handled after stop() from the third handler.
    eventually([&] { return consumer.running(); });
    const auto deadline = std::chrono::steady_clock::now() + patience;
    for (int i = 0; handled.load() < 3 && std::chrono::steady_clock::now() < deadline; ++i) {
      try {
        producer.publish(Message(std::to_string(i))).get();
      } catch (const PublishError&) {
        // Published before the subscription existed, on a broker that refuses what no
        // subscription takes (RabbitMQ returns it as unroutable): the next one makes up for it.
      }
      std::this_thread::sleep_for(20ms);
    }
    if (handled.load() < 3) consumer.stop();  // fail below instead of blocking in run()
  });
  consumer.run([&](const Delivery& d) {
    if (handled.fetch_add(1) == 2) consumer.stop();
    (void)d;
  });
  publisher.join();
  EXPECT_EQ(handled.load(), 3);
  EXPECT_FALSE(consumer.running());
}

}  // namespace
}  // namespace unimq::test
