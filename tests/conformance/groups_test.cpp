// Groups: competing consumers share a group's messages, every group gets its own copy, per-key
// order holds under concurrency.
#include "fixture.hpp"

namespace unimq::test {
namespace {

TEST_P(Conformance, TenThousandMessagesThroughThreeCompetingConsumers) {
  require(caps().consumer_groups, "consumer_groups");
  // Three partitions: Kafka shares a group's work by partition (the other brokers ignore this).
  auto topic = client().topic(unique("work"), {.partitions = 3});
  Collector got;
  std::vector<Consumer> consumers;
  std::array<std::atomic<int>, 3> per_consumer{};
  for (std::size_t i = 0; i < 3; ++i) {
    consumers.push_back(topic.consumer({.group = "workers", .concurrency = 2}));
    consumers.back().start([&, i](const Delivery& d) {
      per_consumer[i].fetch_add(1);
      got.add(d);
    });
  }
  auto producer = topic.producer();
  publish_numbered(producer, 10'000);
  ASSERT_TRUE(got.wait_for(10'000)) << got.size();
  for (auto& c : consumers) c.stop();
  const auto counts = got.counts();
  EXPECT_EQ(counts.size(), 10'000u);
  int duplicates = 0;
  for (const auto& [payload, n] : counts) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_GT(per_consumer[i].load(), 0) << "consumer " << i << " got nothing";
  }
}

// Without consumer groups the two consumers are two broadcast subscribers: each gets every message.
TEST_P(Conformance, FanOutEveryGroupReceivesEveryMessage) {
  auto topic = client().topic(unique("fan"));
  Collector a, b;
  auto ca = topic.consumer({.group = group("email")});
  auto cb = topic.consumer({.group = group("sms")});
  ca.start([&](const Delivery& d) { a.add(d); });
  cb.start([&](const Delivery& d) { b.add(d); });
  auto producer = topic.producer();
  publish_numbered(producer, 200);
  ASSERT_TRUE(a.wait_for(200));
  ASSERT_TRUE(b.wait_for(200));
  ca.stop();
  cb.stop();
  EXPECT_EQ(a.counts().size(), 200u);
  EXPECT_EQ(b.counts().size(), 200u);
}

// Without consumer groups: a subscriber that joins later sees only what is published after it.
TEST_P(Conformance, LateGroupStartingNewSeesOnlyLaterMessages) {
  auto topic = client().topic(unique("late"));
  Collector early;
  auto first = topic.consumer({.group = group("early")});
  first.start([&](const Delivery& d) { early.add(d); });
  auto producer = topic.producer();
  producer.publish(Message("before")).get();
  ASSERT_TRUE(early.wait_for(1));

  Collector late;
  auto second = topic.consumer({.group = group("late"), .start = StartPosition::latest});
  second.start([&](const Delivery& d) { late.add(d); });
  producer.publish(Message("after")).get();
  ASSERT_TRUE(late.wait_for(1));
  ASSERT_TRUE(early.wait_for(2));
  first.stop();
  second.stop();
  EXPECT_EQ(late.counts(), (std::map<std::string, int>{{"after", 1}}));
}

TEST_P(Conformance, LateGroupStartingAllSeesEarlierMessages) {
  require(caps().replay, "replay");
  auto topic = client().topic(unique("replay"));
  Collector early;
  auto first = topic.consumer({.group = group("early")});
  first.start([&](const Delivery& d) { early.add(d); });
  auto producer = topic.producer();
  publish_numbered(producer, 20);
  ASSERT_TRUE(early.wait_for(20));

  Collector late;
  auto second = topic.consumer({.group = group("late"), .start = StartPosition::earliest});
  second.start([&](const Delivery& d) { late.add(d); });
  producer.publish(Message("20")).get();
  ASSERT_TRUE(late.wait_for(21));
  first.stop();
  second.stop();
  EXPECT_EQ(late.counts().size(), 21u);
}

TEST_P(Conformance, PerKeyOrderHoldsWithConcurrencyEightOverSixteenKeys) {
  auto topic = client().topic(unique("order"));
  std::mutex mutex;
  std::map<std::string, std::vector<int>> seen;
  Collector got;
  auto consumer =
      topic.consumer({.group = group("ordered"), .concurrency = 8, .ordering = Ordering::per_key});
  consumer.start([&](const Delivery& d) {
    const int n = std::stoi(d.message().payload());
    if (n % 7 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));  // reorder bait
    {
      std::lock_guard lock(mutex);
      seen[d.message().key()].push_back(n);
    }
    got.add(d);
  });
  auto producer = topic.producer();
  std::vector<std::future<Receipt>> futures;
  for (int i = 0; i < 1600; ++i) {
    futures.push_back(
        producer.publish(Message(std::to_string(i)).key("k" + std::to_string(i % 16))));
  }
  for (auto& f : futures) f.get();
  ASSERT_TRUE(got.wait_for(1600));
  consumer.stop();
  ASSERT_EQ(seen.size(), 16u);
  for (const auto& [key, values] : seen) {
    EXPECT_EQ(values.size(), 100u) << key;
    EXPECT_TRUE(std::is_sorted(values.begin(), values.end())) << "order broken for " << key;
  }
}

}  // namespace
}  // namespace unimq::test
