// Protocol errors a real broker cannot produce on demand, injected into a librdkafka mock
// cluster that the test owns: NOT_LEADER_FOR_PARTITION and REQUEST_TIMED_OUT answers to Produce
// and OffsetCommit. unimq connects to it as to any cluster (kafka://<mock brokers>, declare=none:
// the mock has no CreateTopics handler, the test creates the topic). Label `fault;kafka`.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <array>
#include <memory>

#include "collector.hpp"
#include "kafka_offsets.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

// Kafka protocol API keys (the mock's error stacks are per API).
constexpr std::int16_t kProduce = 0;
constexpr std::int16_t kOffsetCommit = 8;

class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    std::array<char, 256> err{};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    host_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size()));
    if (!host_) throw std::runtime_error(err.data());
    cluster_ = rd_kafka_mock_cluster_new(host_.get(), brokers);
    if (cluster_ == nullptr) throw std::runtime_error("mock cluster did not start");
  }
  ~MockCluster() { rd_kafka_mock_cluster_destroy(cluster_); }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  rd_kafka_mock_cluster_t* get() const { return cluster_; }
  std::string url() const {
    return std::string("kafka://") + rd_kafka_mock_cluster_bootstraps(cluster_) + "?declare=none";
  }
  // Errors still waiting on `broker`'s stack for `api`.
  std::size_t pending_errors(int broker, std::int16_t api) const {
    std::size_t n = 0;
    EXPECT_EQ(rd_kafka_mock_broker_error_stack_cnt(cluster_, broker, api, &n),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    return n;
  }
  // The next answers of `broker` to `api`: NOT_LEADER, REQUEST_TIMED_OUT, each `times` times.
  void inject(int broker, std::int16_t api, int times) const {
    for (int i = 0; i < times; ++i) {
      ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(
                    cluster_, broker, api, 2, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, 0,
                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, 0),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }

 private:
  struct Destroy {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
  };
  std::unique_ptr<rd_kafka_t, Destroy> host_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
};

TEST(KafkaMockFault, InjectedProduceErrorsAreSurvivedWithoutLossOrDuplicates) {
  MockCluster mock(3);
  ASSERT_EQ(rd_kafka_mock_topic_create(mock.get(), "orders", 1, 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_mock_partition_set_leader(mock.get(), "orders", 0, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  auto client = Client::connect(mock.url());
  auto topic = client.topic("orders");
  Collector got;
  auto consumer = topic.consumer({.group = "g", .start = StartPosition::earliest});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer();
  producer.publish(Message("warm-up")).get();  // the producer knows the leader and its id
  mock.inject(1, kProduce, 3);                 // six failed Produce answers in a row
  std::vector<std::future<Receipt>> receipts;
  for (int i = 0; i < 500; ++i) receipts.push_back(producer.publish(Message(std::to_string(i))));
  int confirmed = 0;
  for (auto& r : receipts) {
    EXPECT_NO_THROW({
      r.get();
      ++confirmed;
    });
  }
  EXPECT_EQ(confirmed, 500);
  EXPECT_EQ(mock.pending_errors(1, kProduce), 0u) << "not every injected error was answered";
  ASSERT_TRUE(got.wait_for(501)) << got.size();
  EXPECT_FALSE(got.wait_for(502, 300ms)) << "the idempotent producer's retries duplicated";
  consumer.stop(5s);
  const auto counts = got.counts();
  EXPECT_EQ(counts.size(), 501u);
  for (const auto& [payload, n] : counts) EXPECT_EQ(n, 1) << payload;
}

TEST(KafkaMockFault, InjectedOffsetCommitErrorsAreSurvivedAndTheCommitLands) {
  MockCluster mock(3);
  ASSERT_EQ(rd_kafka_mock_topic_create(mock.get(), "orders", 1, 3), RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_EQ(rd_kafka_mock_coordinator_set(mock.get(), "group", "g", 2), RD_KAFKA_RESP_ERR_NO_ERROR);
  auto client = Client::connect(mock.url());
  auto topic = client.topic("orders");
  auto producer = topic.producer();
  std::vector<std::future<Receipt>> receipts;
  for (int i = 0; i < 200; ++i) receipts.push_back(producer.publish(Message(std::to_string(i))));
  for (auto& r : receipts) r.get();

  mock.inject(2, kOffsetCommit, 2);  // four failed OffsetCommit answers in a row
  Collector got;
  auto consumer = topic.consumer({.group = "g", .start = StartPosition::earliest});
  consumer.start([&](const Delivery& d) { got.add(d); });
  ASSERT_TRUE(got.wait_for(200)) << got.size();
  consumer.stop(5s);
  EXPECT_EQ(mock.pending_errors(2, kOffsetCommit), 0u) << "not every injected error was answered";
  OffsetReader reader(mock.url(), "g");
  EXPECT_EQ(reader.committed("orders", 0).offset, 200);

  // The next member of the group starts after everything that was acknowledged.
  Collector next;
  auto again = topic.consumer({.group = "g"});
  again.start([&](const Delivery& d) { next.add(d); });
  producer.publish(Message("after")).get();
  ASSERT_TRUE(next.wait_for(1));
  EXPECT_FALSE(next.wait_for(2, 300ms));
  again.stop(5s);
  EXPECT_EQ(next.counts(), (std::map<std::string, int>{{"after", 1}}));
  const auto counts = got.counts();
  EXPECT_EQ(counts.size(), 200u);
  for (const auto& [payload, n] : counts) EXPECT_EQ(n, 1) << payload;
}

}  // namespace
}  // namespace unimq::test
