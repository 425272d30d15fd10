// kill -9 of a private Kafka broker (KafkaProcess) while 10 000 confirmed publishes are in
// flight, restart on the same log directory. Label `fault;kafka`.
#include <atomic>
#include <future>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include "collector.hpp"
#include "kafka_process.hpp"
#include "paced_publisher.hpp"
#include "require_broker.hpp"
#include "stalled_write_scenario.hpp"
#include "tcp_proxy.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class KafkaFault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!KafkaProcess::available()) {
      missing_broker(
          "java or the Kafka broker jars (" + KafkaProcess::classpath() +
          ") not found: install the Debian package openjdk-17-jre-headless and run "
          "`mvn dependency:copy-dependencies` in tools/kafka-broker (scripts/test does)");
      return;
    }
    kafka_.emplace();
    std::cout << "[ kafka ] broker started in " << kafka_->last_start().count() << " ms"
              << std::endl;
  }

  KafkaProcess& kafka() { return *kafka_; }

 private:
  std::optional<KafkaProcess> kafka_;
};

// acks=all with one broker means a confirmed record is in the broker's log (the page cache,
// which a kill -9 of the process does not lose). librdkafka keeps unconfirmed records and sends
// them again once the broker is back; the idempotent producer lets the broker drop the copies
// it already had. So every future that succeeded names a record the group consumes, and the
// consumer that was running resumes by itself (duplicates come only from commits the broker did
// not get before it died, and are counted).
TEST_F(KafkaFault, Kill9DuringTenThousandConfirmedPublishesLosesNoAckedMessage) {
  constexpr int kTotal = 10'000;
  constexpr int kKillAfter = 2'000;  // confirmed before the kill
  auto client = Client::connect(kafka().url());
  auto topic = client.topic("orders", {.partitions = 3});
  Collector got;
  auto consumer = topic.consumer({.group = "g", .concurrency = 4});
  consumer.start([&](const Delivery& d) { got.add(d); });
  // The outage is a JVM start plus log recovery: seconds. librdkafka retries by itself for up
  // to message.timeout.ms (300 s); the futures wait long enough for that.
  auto producer = topic.producer({.publish_timeout = 120s});

  // 10 000 spread over about 40 s, so publishing goes on through the outage (a JVM start and
  // log recovery: 7 to 17 s measured here) and after it.
  PacedPublisher publisher(producer, kTotal, 20ms, 5);
  ASSERT_TRUE(eventually([&] { return publisher.published() >= kKillAfter; }, 60s));
  publisher.settle_range(0, kKillAfter);
  kafka().kill9();
  const int killed_at = publisher.published();
  const auto killed = Clock::now();
  kafka().restart();
  const auto back = Clock::now();
  const int restarted_at = publisher.published();
  const std::size_t consumed_at_restart = got.size();
  const Tally tally = publisher.tally(kTotal);
  const auto& confirmed = tally.confirmed;
  got.wait_until([&] { return tally.missing(got.counts()).empty(); }, 90s);
  const auto all_consumed = Clock::now();
  EXPECT_TRUE(consumer.running());  // the same consumer, never recreated
  consumer.stop(5s);
  const auto counts = got.counts();
  std::size_t duplicates = 0;
  for (const auto& [payload, n] : counts) duplicates += static_cast<std::size_t>(n - 1);
  const std::size_t lost = tally.missing(counts).size();
  const auto ms = [](auto d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  std::ostringstream report;
  report << "published " << kTotal << ", confirmed " << confirmed.size() << ", failed "
         << kTotal - static_cast<int>(confirmed.size()) << " (killed after publish #" << killed_at
         << ", back after #" << restarted_at << ", down " << ms(back - killed)
         << " ms), deliveries " << got.size() << ", distinct " << counts.size() << ", duplicates "
         << duplicates << ", lost " << lost << ", all consumed " << ms(all_consumed - back)
         << " ms after the restart";
  for (const auto& [error, n] : tally.errors) report << "\n  failed x" << n << ": " << error;
  std::cout << "[ kafka kill -9 ] " << report.str() << std::endl;
  RecordProperty("confirmed", static_cast<int>(confirmed.size()));
  RecordProperty("duplicates", static_cast<int>(duplicates));
  RecordProperty("lost", static_cast<int>(lost));

  EXPECT_EQ(lost, 0u) << report.str();
  EXPECT_EQ(confirmed.size(), static_cast<std::size_t>(kTotal))
      << "librdkafka retries for 300 s; every publish should be confirmed\n"
      << report.str();
  ASSERT_LT(restarted_at, kTotal) << "every publish happened before the broker was back";
  EXPECT_GT(got.size(), consumed_at_restart) << "nothing consumed after the restart";
  for (const auto& [payload, n] : counts) {
    EXPECT_EQ(payload.rfind("m-", 0), 0u) << "foreign payload " << payload;
  }
}

// A broker that stops reading while megabytes are on their way: it advertises a proxy's port,
// so every connection librdkafka makes goes through the proxy, which then stalls.
// librdkafka writes from its own threads; the futures fail at their deadline and close() gives
// up after its timeout.
TEST(KafkaStall, PublishesCompleteInTimeWhileTheBrokerReadsNothing) {
  if (!KafkaProcess::available()) {
    missing_broker("java or the Kafka broker jars (" + KafkaProcess::classpath() + ") not found");
    return;
  }
  const auto ports = free_loopback_ports(2);
  TcpProxy proxy(ports[0]);
  KafkaProcess kafka({.port = ports[0],
                      .controller_port = ports[1],
                      .voters = "1@127.0.0.1:" + std::to_string(ports[1]),
                      .advertised_port = proxy.port()},
                     KafkaProcess::random_cluster_id());
  kafka.start();
  kafka.await_start();
  run_stalled_write_scenario(
      proxy, {.url = "kafka://127.0.0.1:" + std::to_string(proxy.port()), .name = "kafka"});
}

}  // namespace
}  // namespace unimq::test
