// Acknowledgement: acked messages stay acked, nacked and unacked ones come back.
#include <set>

#include "fixture.hpp"

namespace unimq::test {
namespace {

TEST_P(Conformance, AckedMessagesAreNotRedeliveredToARestartedConsumer) {
  require(caps().guarantee == DeliveryGuarantee::at_least_once, "at_least_once");
  auto topic = client().topic(unique("acked"));
  Collector first;
  auto c1 = topic.consumer({.group = group("g")});
  c1.start([&](const Delivery& d) { first.add(d); });
  auto producer = topic.producer();
  publish_numbered(producer, 50);
  ASSERT_TRUE(first.wait_for(50));
  ASSERT_TRUE(eventually([&] { return c1.stats().acked == 50; }));
  ASSERT_TRUE(c1.stop());

  Collector second;
  auto c2 = topic.consumer({.group = group("g")});
  c2.start([&](const Delivery& d) { second.add(d); });
  producer.publish(Message("marker")).get();
  ASSERT_TRUE(second.wait_for(1));
  c2.stop();
  EXPECT_EQ(second.counts(), (std::map<std::string, int>{{"marker", 1}}));
}

TEST_P(Conformance, ADeliveryTheHandlerKeepsStillHoldsItsMessageAfterLaterOnes) {
  // The pipeline reuses the records of handled messages; one the application still holds must
  // keep its message while many later ones pass through.
  auto topic = client().topic(unique("kept"));
  std::mutex mutex;
  std::vector<std::pair<Delivery, std::string>> kept;  // with the payload seen in the handler
  Collector got;
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([&](const Delivery& d) {
    if (std::stoi(d.message().payload()) % 10 == 0) {
      std::lock_guard lock(mutex);
      kept.emplace_back(d, d.message().payload());
    }
    got.add(d);
  });
  auto producer = topic.producer();
  publish_numbered(producer, 1000);
  ASSERT_TRUE(got.wait_for(1000));
  consumer.stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(kept.size(), 100u);
  std::set<std::string> payloads;
  for (const auto& [d, payload] : kept) {
    EXPECT_EQ(d.message().payload(), payload);
    payloads.insert(d.message().payload());
  }
  EXPECT_EQ(payloads.size(), kept.size()) << "a kept delivery was reused for another message";
}

TEST_P(Conformance, NackedMessageIsRedeliveredWithTheNextAttempt) {
  require(caps().nack, "nack");
  auto topic = client().topic(unique("nack"));
  Collector got;
  auto consumer = topic.consumer({.group = group("g"), .ack = AckMode::manual});
  consumer.start([&](const Delivery& d) {
    got.add(d);
    if (d.attempt() == 1) {
      d.nack();
    } else {
      d.ack();
    }
  });
  auto producer = topic.producer();
  producer.publish(Message("again")).get();
  ASSERT_TRUE(got.wait_for(2));
  ASSERT_TRUE(eventually([&] { return consumer.stats().acked == 1; }));
  consumer.stop();
  EXPECT_EQ(got.attempts(), (std::vector<std::uint32_t>{1, 2}));
  EXPECT_EQ(consumer.stats().nacked, 1u);
}

TEST_P(Conformance, NackDelayIsHonoured) {
  require(caps().delayed_redelivery, "delayed_redelivery");
  auto topic = client().topic(unique("delay"));
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> times;
  Collector got;
  auto consumer = topic.consumer({.group = group("g"), .ack = AckMode::manual});
  consumer.start([&](const Delivery& d) {
    {
      std::lock_guard lock(mutex);
      times.push_back(std::chrono::steady_clock::now());
    }
    got.add(d);
    if (d.attempt() == 1) {
      d.nack(300ms);
    } else {
      d.ack();
    }
  });
  auto producer = topic.producer();
  producer.publish(Message("later")).get();
  ASSERT_TRUE(got.wait_for(2));
  consumer.stop();
  std::lock_guard lock(mutex);
  EXPECT_GE(times[1] - times[0], 300ms);
}

TEST_P(Conformance, ManualAckModeRedeliversOnlyWhatWasNotAcked) {
  require(caps().guarantee == DeliveryGuarantee::at_least_once, "at_least_once");
  auto topic = client().topic(unique("manual"));
  Collector first;
  auto c1 = topic.consumer({.group = group("g"), .ack = AckMode::manual});
  c1.start([&](const Delivery& d) {
    if (std::stoi(d.message().payload()) % 2 == 0) d.ack();  // odd ones stay unacked
    first.add(d);
  });
  auto producer = topic.producer();
  publish_numbered(producer, 20);
  ASSERT_TRUE(first.wait_for(20));
  ASSERT_TRUE(eventually([&] { return c1.stats().acked == 10; }));
  ASSERT_TRUE(c1.stop());

  Collector second;
  auto c2 = topic.consumer({.group = group("g"), .ack = AckMode::manual});
  c2.start([&](const Delivery& d) {
    d.ack();
    second.add(d);
  });
  ASSERT_TRUE(second.wait_for(10));
  ASSERT_TRUE(eventually([&] { return c2.stats().acked == 10; }));
  c2.stop();
  std::map<std::string, int> odd;
  for (int i = 1; i < 20; i += 2) odd[std::to_string(i)] = 1;
  EXPECT_EQ(second.counts(), odd);
  for (auto attempt : second.attempts()) {
    if (caps().delivery_count) {
      EXPECT_EQ(attempt, 2u);
    } else {
      // No count: 1, or 2 where the broker flags a redelivery (RabbitMQ classic queues).
      EXPECT_TRUE(attempt == 1u || attempt == 2u) << attempt;
    }
  }
}

TEST_P(Conformance, DoubleAckAndSettlingTwiceAreHarmless) {
  auto topic = client().topic(unique("double"));
  Collector got;
  std::atomic<int> settled_before{0};
  auto consumer = topic.consumer({.group = group("g"), .ack = AckMode::manual});
  consumer.start([&](const Delivery& d) {
    if (d.settled()) settled_before.fetch_add(1);
    d.ack();
    d.ack();
    d.nack();
    d.dead_letter("ignored: already acked");
    EXPECT_TRUE(d.settled());
    got.add(d);
  });
  auto producer = topic.producer();
  publish_numbered(producer, 5);
  ASSERT_TRUE(got.wait_for(5));
  ASSERT_TRUE(eventually([&] { return consumer.stats().acked == 5; }));
  std::this_thread::sleep_for(100ms);  // a wrongly nacked message would come back now
  consumer.stop();
  EXPECT_EQ(got.size(), 5u);
  EXPECT_EQ(consumer.stats().acked, 5u);
  EXPECT_EQ(consumer.stats().nacked, 0u);
  EXPECT_EQ(consumer.stats().dead_lettered, 0u);
  EXPECT_EQ(settled_before.load(), 0);
}

}  // namespace
}  // namespace unimq::test
