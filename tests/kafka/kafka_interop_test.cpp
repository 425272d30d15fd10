// Interoperability with another Kafka client, kcat (Debian kcat, itself on librdkafka), on the
// harness broker (UNIMQ_TEST_KAFKA_URL). Label `interop;kafka`.
//
// Mapping: topic = Kafka topic; key = record key; headers = record headers; payload = value.
#include <filesystem>
#include <fstream>

#include "collector.hpp"
#include "kafka_offsets.hpp"
#include "process.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"
#include "unique_name.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

class KafkaInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = broker_url("UNIMQ_TEST_KAFKA_URL");
    if (url_.empty()) return;
    if (find_executable("kcat").empty()) {
      missing_broker("kcat not found (install the Debian package kcat)");
      return;
    }
    dir_ = make_temp_dir("unimq-kcat-");
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string url_;
  std::filesystem::path dir_;
};

// kcat -P with a key and headers (the value from a file, so any bytes): unimq's group consumer
// gets value, key and headers once.
TEST_F(KafkaInterop, KcatRecordIsConsumedByUnimqWithKeyAndHeaders) {
  auto client = Client::connect(url_);
  const std::string name = unique_name("from-kcat");
  auto topic = client.topic(name);
  Collector got;
  auto consumer = topic.consumer({.group = "billing"});
  consumer.start([&](const Delivery& d) { got.add(d); });

  const std::string value("binary\0value\n with newline", 26);
  const auto file = dir_ / "value.bin";
  std::ofstream(file, std::ios::binary) << value;
  const auto pub =
      run_process({"kcat", "-P", "-b", bootstrap_of(url_), "-t", name, "-k", "customer-7", "-H",
                   "trace=abc", "-H", "utf8=grüße", "-H", "empty=", file.string()});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_TRUE(got.wait_for(1, 20s));
  EXPECT_FALSE(got.wait_for(2, 300ms)) << "one record, more than one delivery";
  consumer.stop(5s);
  const auto m = got.messages().at(0);
  EXPECT_EQ(m.payload(), value);
  EXPECT_EQ(m.key(), "customer-7");
  EXPECT_EQ(m.headers().get("trace"), "abc");
  EXPECT_EQ(m.headers().get("utf8"), "grüße");
  EXPECT_EQ(m.headers().get("empty"), "");
  EXPECT_EQ(m.headers().size(), 3u);
}

// unimq publishes with a key and headers; kcat -C reads value, key, partition and headers back.
TEST_F(KafkaInterop, UnimqRecordIsReadByKcatWithKeyAndHeaders) {
  auto client = Client::connect(url_);
  const std::string name = unique_name("to-kcat");
  auto producer = client.topic(name).producer();
  const auto receipt = producer
                           .publish(Message("order 42 placed")
                                        .key("customer-7")
                                        .header("type", "placed")
                                        .header("utf8", "東京"))
                           .get();
  EXPECT_EQ(receipt.partition, 0);
  EXPECT_EQ(receipt.offset, 0);
  EXPECT_EQ(receipt.message_id, "0@0");
  const auto read = run_process({"kcat", "-C", "-b", bootstrap_of(url_), "-t", name, "-o",
                                 "beginning", "-e", "-q", "-f", "%p|%o|%k|%s|%h\\n"},
                                20s);
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "0|0|customer-7|order 42 placed|type=placed,utf8=東京\n");
}

}  // namespace
}  // namespace unimq::test
