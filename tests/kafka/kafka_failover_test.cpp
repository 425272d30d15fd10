// Leader failover on a three-node KRaft cluster (KafkaCluster: replication factor 3,
// min.insync.replicas=2): kill -9 of the node leading the partitions being written while 10 000
// messages are published and consumed. Label `fault;kafka`.
#include <atomic>
#include <future>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "collector.hpp"
#include "kafka_cluster.hpp"
#include "paced_publisher.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

long long ms(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

class KafkaFailover : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KafkaProcess::available()) {
      missing_broker(
          "java or the Kafka broker jars (" + KafkaProcess::classpath() +
          ") not found: install the Debian package openjdk-17-jre-headless and run "
          "`mvn dependency:copy-dependencies` in tools/kafka-broker (scripts/test does)");
      return;
    }
    cluster_.emplace();
    std::cout << "[ kafka ] three-node cluster started in " << cluster_->start_time().count()
              << " ms" << std::endl;
  }

  KafkaCluster& cluster() { return *cluster_; }

 private:
  std::optional<KafkaCluster> cluster_;
};

// What a new group reads from the start of the topic: payload per "partition@offset".
struct Audit {
  std::mutex mutex;
  std::map<std::int32_t, std::map<std::int64_t, std::string>> by_partition;
  std::size_t records = 0;

  void add(const Delivery& d) {
    const std::string& id = d.id();
    const auto at = id.find('@');
    std::lock_guard lock(mutex);
    ++records;
    by_partition[std::stoi(id.substr(0, at))][std::stoll(id.substr(at + 1))] =
        d.message().payload();
  }
  std::size_t size() {
    std::lock_guard lock(mutex);
    return records;
  }
};

// acks=all with min.insync.replicas=2: a confirmed record is on two nodes, so the loss of its
// leader loses nothing confirmed. librdkafka finds the new leader (metadata refresh) and sends
// what was in flight again; the idempotent producer lets the new leader drop copies it already
// has, in order. The running consumer follows the new leaders by itself; it may see messages
// again when the group coordinator was on the dead node (commits it never got), which are counted.
TEST_F(KafkaFailover, KillingThePartitionLeaderLosesNoAckedMessageAndKeepsPartitionOrder) {
  constexpr int kTotal = 10'000;
  constexpr int kKillAfter = 3'000;  // confirmed before the kill
  const std::string name = "orders";
  auto client = Client::connect(cluster().url());
  auto topic = client.topic(name, {.partitions = 3, .replication = KafkaCluster::size});
  Collector got;
  auto consumer = topic.consumer({.group = "g", .concurrency = 4});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer({.publish_timeout = 120s});

  // About 20 s in all, so publishing goes on through the failover and after it.
  PacedPublisher publisher(producer, kTotal, 10ms, 5);
  ASSERT_TRUE(eventually([&] { return publisher.published() >= kKillAfter; }, 60s));
  publisher.settle_range(0, kKillAfter);
  const int victim = cluster().leader(name, 0);
  ASSERT_GE(victim, 1) << "no leader of partition 0";
  std::set<std::int32_t> led;
  for (std::int32_t p = 0; p < 3; ++p) {
    if (cluster().leader(name, p) == victim) led.insert(p);
  }
  cluster().node(victim).kill9();
  const auto killed = Clock::now();
  const int killed_at = publisher.published();
  const std::size_t consumed_at_kill = got.size();
  // The first publish issued after the kill, confirmed: the producer's failover time.
  ASSERT_TRUE(eventually([&] { return publisher.published() > killed_at; }, 10s));
  publisher.settle_range(killed_at, killed_at + 1);
  const auto first_confirmed = Clock::now();
  const int new_leader = cluster().leader(name, 0);
  ASSERT_TRUE(got.wait_until([&] { return got.size() > consumed_at_kill + 100; }, 60s))
      << "the consumer received nothing after the kill";
  const auto consuming_again = Clock::now();
  const Tally tally = publisher.tally(kTotal);
  const auto& confirmed = tally.confirmed;
  got.wait_until([&] { return tally.missing(got.counts()).empty(); }, 90s);
  EXPECT_TRUE(consumer.running());  // the same consumer, never recreated
  consumer.stop(5s);
  const auto counts = got.counts();
  std::size_t redelivered = 0;
  for (const auto& [payload, n] : counts) redelivered += static_cast<std::size_t>(n - 1);
  const std::size_t lost = tally.missing(counts).size();

  // The log itself, read by a new group: every record once, in publish order per partition.
  Audit audit;
  auto reader = topic.consumer({.group = "audit", .start = StartPosition::earliest});
  reader.start([&](const Delivery& d) { audit.add(d); });
  eventually([&] { return audit.size() >= confirmed.size(); }, 60s);
  std::this_thread::sleep_for(1s);  // copies, if any, would come right behind
  reader.stop(5s);
  std::size_t in_log = 0;
  std::set<std::string> distinct;
  std::size_t out_of_order = 0;
  for (const auto& [partition, records] : audit.by_partition) {
    int previous = -1;
    for (const auto& [offset, payload] : records) {
      ++in_log;
      distinct.insert(payload);
      const int n = std::stoi(payload.substr(2));
      if (n <= previous) ++out_of_order;
      previous = n;
    }
  }
  const std::size_t producer_duplicates = in_log - distinct.size();

  std::ostringstream report;
  report << "killed node " << victim << " (leader of " << led.size()
         << " of 3 partitions) after publish #" << killed_at << "; partition 0 now led by node "
         << new_leader << "; first publish after the kill confirmed in "
         << ms(first_confirmed - killed) << " ms; consumer receiving again "
         << ms(consuming_again - killed) << " ms after the kill; published " << kTotal
         << ", confirmed " << confirmed.size() << ", lost " << lost << ", redelivered to the group "
         << redelivered << "; in the log " << in_log << " records, " << producer_duplicates
         << " duplicates, " << out_of_order << " out of order";
  for (const auto& [error, n] : tally.errors) report << "\n  failed x" << n << ": " << error;
  std::cout << "[ kafka failover ] " << report.str() << std::endl;
  RecordProperty("failover_ms", static_cast<int>(ms(first_confirmed - killed)));
  RecordProperty("lost", static_cast<int>(lost));
  RecordProperty("producer_duplicates", static_cast<int>(producer_duplicates));

  EXPECT_EQ(lost, 0u) << report.str();
  EXPECT_EQ(confirmed.size(), static_cast<std::size_t>(kTotal))
      << "two of three replicas stay in sync: every publish should be confirmed\n"
      << report.str();
  EXPECT_LT(killed_at, kTotal) << "every publish happened before the kill";
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kTotal)) << report.str();
  EXPECT_EQ(producer_duplicates, 0u) << report.str();
  EXPECT_EQ(out_of_order, 0u) << report.str();
  EXPECT_NE(new_leader, victim);
}

}  // namespace
}  // namespace unimq::test
