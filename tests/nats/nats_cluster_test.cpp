// A three-node nats-server cluster on loopback (NatsCluster): a core consumer connected with a
// multi-server URL keeps receiving after the node it is connected to is killed. Label
// `cluster;nats`.
//
// The client picks one of the URL's servers (cnats shuffles the list), so the test asks each
// node's /connz which one holds the consumer's connection (the only cnats client at that
// moment), kills that one, and publishes through a second client that knows only the others.
#include <iostream>
#include <sstream>

#include "nats_fixture.hpp"

namespace unimq::test {
namespace {

class NatsCluster3 : public NatsServerTest {};

/// Publishes "<prefix><n>" every 100 ms until `got` records a payload starting with `prefix`;
/// returns how many it published, or 0 when none arrived within `bound`.
int publish_until_received(Producer& producer, Collector& got, const std::string& prefix,
                           std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  std::vector<std::future<Receipt>> futures;
  for (int i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
    try {
      futures.push_back(producer.publish(Message(prefix + std::to_string(i))));
    } catch (...) {
      futures.push_back(failed_future());
    }
    if (got.wait_until([&] { return got.any_with_prefix(prefix); }, 100ms)) {
      return i + 1;
    }
  }
  return 0;
}

std::string join(const std::vector<std::size_t>& v) {
  std::ostringstream out;
  for (std::size_t i = 0; i < v.size(); ++i) out << (i > 0 ? "," : "") << v[i];
  return out.str();
}

/// The scenario for a consumer with `group` (empty: a plain subscriber, else a queue group).
void consumer_survives_killing_its_node(const std::string& group) {
  NatsCluster cluster(3);
  const std::string query = "jetstream=false&" + std::string(fast_reconnect);
  auto consumer_client = Client::connect(cluster.url(query));
  Collector got;
  auto consumer = consumer_client.topic("tasks").consumer({.group = group});
  consumer.start([&](const Delivery& d) { got.add(d); });

  // The consumer's client is the only cnats connection so far.
  std::vector<std::size_t> holding;
  ASSERT_TRUE(eventually(
      [&] {
        holding = cluster.nodes_with_client("lang", "C");
        return holding.size() == 1;
      },
      10s))
      << "nodes with a cnats client: [" << join(holding) << "]";
  const std::size_t victim = holding.front();
  std::vector<std::size_t> others;
  for (std::size_t i = 0; i < cluster.size(); ++i) {
    if (i != victim) others.push_back(i);
  }
  auto producer_client = Client::connect(cluster.url(query, others));
  auto producer = producer_client.topic("tasks").producer({.publish_timeout = 5s});

  // Through the routes first: interest needs a moment to reach the other nodes.
  ASSERT_GT(publish_until_received(producer, got, "before-", 10s), 0)
      << "nothing published on nodes [" << join(others) << "] reached the consumer on node "
      << victim;

  cluster.node(victim).kill9();
  const int published = publish_until_received(producer, got, "after-", 20s);
  EXPECT_GT(published, 0) << "the consumer received nothing within 20 s after node " << victim
                          << " (its server) was killed";
  EXPECT_TRUE(consumer.running());
  const auto now_on = cluster.nodes_with_client("lang", "C");
  std::cout << "[ nats cluster" << (group.empty() ? "" : " group " + group)
            << " ] consumer on node " << victim << " killed; " << published
            << " published until one arrived; cnats clients now on nodes [" << join(now_on) << "]"
            << std::endl;
  EXPECT_FALSE(now_on.empty());

  // Steady state: a message published now arrives exactly once.
  producer.publish(Message("final")).get();
  EXPECT_TRUE(got.wait_until([&] { return got.counts().contains("final"); }, 10s));
  producer.publish(Message("final-2")).get();
  EXPECT_TRUE(got.wait_until([&] { return got.counts().contains("final-2"); }, 10s));
  EXPECT_EQ(got.counts()["final"], 1);
  consumer.stop(5s);
}

TEST_F(NatsCluster3, CoreSubscriberKeepsReceivingAfterItsNodeIsKilled) {
  consumer_survives_killing_its_node("");
}

TEST_F(NatsCluster3, QueueGroupConsumerKeepsReceivingAfterItsNodeIsKilled) {
  consumer_survives_killing_its_node("workers");
}

}  // namespace
}  // namespace unimq::test
