// Streams-specific redelivery on a private redis-server: entries a dead consumer left pending are
// claimed with their delivery count, a nack delay longer than claim_after is still honoured, a
// handler slower than claim_after keeps its message (the lease is renewed), and the
// acknowledgements (sent without waiting for their replies) are on the server when stop returns.
#include "redis_fixture.hpp"

namespace unimq::test {
namespace {

using Clock = std::chrono::steady_clock;

// A private redis-server per test; skipped without one, failed under UNIMQ_REQUIRE_BROKERS=1.
class RedisStreams : public RedisTest {};

TEST_F(RedisStreams, EntriesADeadConsumerLeftPendingAreClaimedWithTheirDeliveryCount) {
  ASSERT_EQ(redis().cli({"XGROUP", "CREATE", "orders", "g", "$", "MKSTREAM"}).out, "OK\n");
  for (const char* p : {"a", "b", "c"}) redis().cli({"XADD", "orders", "*", "payload", p});
  // A consumer that reads and then dies: its entries stay pending, delivered once.
  auto read =
      redis().cli({"XREADGROUP", "GROUP", "g", "ghost", "COUNT", "10", "STREAMS", "orders", ">"});
  ASSERT_NE(read.out.find("c"), std::string::npos) << read.out << read.err;

  auto client = Client::connect(redis().url("mode=streams&claim_after=300ms"));
  std::mutex mutex;
  std::map<std::string, std::uint32_t> attempts;
  Collector got;
  auto consumer = client.topic("orders").consumer({.group = "g"});
  consumer.start([&](const Delivery& d) {
    {
      std::lock_guard lock(mutex);
      attempts[d.message().payload()] = d.attempt();
    }
    got.add(d);
  });
  ASSERT_TRUE(got.wait_for(3));
  ASSERT_TRUE(got.wait_until([&] {
    return redis().cli({"XPENDING", "orders", "g"}).out.rfind("0\n", 0) == 0;
  })) << redis().cli({"XPENDING", "orders", "g"}).out;
  consumer.stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(attempts, (std::map<std::string, std::uint32_t>{{"a", 2}, {"b", 2}, {"c", 2}}));
  EXPECT_EQ(got.size(), 3u);
}

TEST_F(RedisStreams, NackDelayLongerThanClaimAfterIsHonoured) {
  auto client = Client::connect(redis().url("mode=streams&claim_after=200ms"));
  auto topic = client.topic("delayed");
  std::mutex mutex;
  std::vector<std::pair<Clock::time_point, std::uint32_t>> seen;
  auto consumer = topic.consumer({.group = "g", .ack = AckMode::manual});
  consumer.start([&](const Delivery& d) {
    {
      std::lock_guard lock(mutex);
      seen.emplace_back(Clock::now(), d.attempt());
    }
    if (d.attempt() == 1) {
      d.nack(1500ms);
    } else {
      d.ack();
    }
  });
  topic.producer().publish(Message("x")).get();
  ASSERT_TRUE(eventually([&] {
    std::lock_guard lock(mutex);
    return seen.size() >= 2;
  }));
  std::this_thread::sleep_for(500ms);  // a third delivery would show now
  consumer.stop();
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].second, 1u);
  EXPECT_EQ(seen[1].second, 2u);
  EXPECT_GE(seen[1].first - seen[0].first, 1500ms);
  EXPECT_LT(seen[1].first - seen[0].first, 5000ms);
}

TEST_F(RedisStreams, AHandlerSlowerThanClaimAfterKeepsItsMessage) {
  auto client = Client::connect(redis().url("mode=streams&claim_after=300ms"));
  auto topic = client.topic("slow");
  Collector got;
  const auto slow = [&](const Delivery& d) {
    got.add(d);
    std::this_thread::sleep_for(1500ms);  // five times claim_after
  };
  // Two consumers of one group: without lease renewal the idle one would claim the message.
  // One slot each, so the busy consumer renews only through the pipeline's idle receive(0).
  auto first = topic.consumer({.group = "g", .max_in_flight = 1});
  auto second = topic.consumer({.group = "g", .max_in_flight = 1});
  first.start(slow);
  second.start(slow);
  topic.producer().publish(Message("once")).get();
  ASSERT_TRUE(got.wait_for(1));
  std::this_thread::sleep_for(2500ms);
  first.stop();
  second.stop();
  EXPECT_EQ(got.counts(), (std::map<std::string, int>{{"once", 1}}));
}

TEST_F(RedisStreams, AcknowledgementsAreOnTheServerWhenStopReturns) {
  auto client = Client::connect(redis().url("mode=streams"));
  auto topic = client.topic("acked");
  Collector got;
  auto consumer = topic.consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer();
  for (int i = 0; i < 200; ++i) producer.publish(Message("m" + std::to_string(i)));
  ASSERT_TRUE(producer.flush(10s));
  ASSERT_TRUE(got.wait_for(200));
  ASSERT_TRUE(consumer.stop());
  // No wait: the last XACK went out with stop, and its reply came before stop returned.
  const auto pending = redis().cli({"XPENDING", "acked", "g"});
  EXPECT_EQ(pending.out.substr(0, 2), "0\n") << pending.out << pending.err;
}

}  // namespace
}  // namespace unimq::test
