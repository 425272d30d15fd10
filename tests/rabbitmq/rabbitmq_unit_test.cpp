// The RabbitMQ adapter's parts that need no broker: amqp:// settings and header tables.
#include <gtest/gtest.h>

#include "amqp_table.hpp"
#include "rabbitmq_connection.hpp"
#include "rabbitmq_settings.hpp"
#include "settings_parse.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/error.hpp"

namespace unimq::test {
namespace {

using rabbitmq::parse_settings;
using rabbitmq::QueueType;
using namespace std::chrono_literals;

rabbitmq::Settings parse(const std::string& url) {
  return parse_url(parse_settings, url);
}

std::string error_of(const std::string& url) {
  return config_error(parse_settings, url);
}

TEST(RabbitmqSettings, DefaultsFollowTheAmqpUriSpec) {
  const auto s = parse("amqp://localhost");
  ASSERT_EQ(s.hosts.size(), 1u);
  EXPECT_EQ(s.hosts[0].host, "localhost");
  EXPECT_EQ(s.hosts[0].port, 5672);
  EXPECT_FALSE(s.tls);
  EXPECT_EQ(s.user, "guest");
  EXPECT_EQ(s.password, "guest");
  EXPECT_EQ(s.vhost, "/");
  EXPECT_EQ(s.heartbeat, 30s);
  EXPECT_EQ(s.frame_max, 131072);
  EXPECT_EQ(s.queue_type, QueueType::classic);
  EXPECT_TRUE(s.declare);
}

TEST(RabbitmqSettings, ReadsCredentialsVhostHostsAndOptions) {
  const auto s = parse(
      "amqp://app:s%40cret@10.0.0.1:5673,10.0.0.2/orders?heartbeat=10&frame_max=65536&"
      "queue_type=quorum&declare=none&connect_timeout=2s&confirm_timeout=3s&reconnect_max=1s");
  ASSERT_EQ(s.hosts.size(), 2u);
  EXPECT_EQ(s.hosts[0].host, "10.0.0.1");
  EXPECT_EQ(s.hosts[0].port, 5673);
  EXPECT_EQ(s.hosts[1].host, "10.0.0.2");
  EXPECT_EQ(s.hosts[1].port, 5672);
  EXPECT_EQ(s.user, "app");
  EXPECT_EQ(s.password, "s@cret");
  EXPECT_EQ(s.vhost, "orders");
  EXPECT_EQ(s.heartbeat, 10s);
  EXPECT_EQ(s.frame_max, 65536);
  EXPECT_EQ(s.queue_type, QueueType::quorum);
  EXPECT_FALSE(s.declare);
  EXPECT_EQ(s.connect_timeout, 2s);
  EXPECT_EQ(s.confirm_timeout, 3s);
  EXPECT_EQ(s.reconnect_max, 1s);
  EXPECT_EQ(s.display.find("s@cret"), std::string::npos);
}

TEST(RabbitmqSettings, PercentEncodedSlashIsTheDefaultVhost) {
  EXPECT_EQ(parse("amqp://localhost/%2F").vhost, "/");
}

TEST(RabbitmqSettings, HeartbeatTakesSecondsOrADuration) {
  EXPECT_EQ(parse("amqp://localhost?heartbeat=0").heartbeat, 0s);
  EXPECT_EQ(parse("amqp://localhost?heartbeat=2m").heartbeat, 120s);
  EXPECT_NE(error_of("amqp://localhost?heartbeat=1500ms").find("whole seconds"), std::string::npos);
  EXPECT_NE(error_of("amqp://localhost?heartbeat=70000").find("heartbeat"), std::string::npos);
}

TEST(RabbitmqSettings, AmqpsUsesTlsOnPort5671) {
  // This rabbitmq-c (Debian 0.11) is built with OpenSSL, so amqps:// is accepted.
  const auto s = parse("amqps://broker.example");
  EXPECT_TRUE(s.tls);
  EXPECT_EQ(s.hosts[0].port, 5671);
  EXPECT_EQ(s.cacert, "/etc/ssl/certs/ca-certificates.crt");
  EXPECT_EQ(parse("amqps://h?cacert=/tmp/ca.pem").cacert, "/tmp/ca.pem");
  EXPECT_NE(error_of("amqp://h?cacert=/tmp/ca.pem").find("amqps:// only"), std::string::npos);
}

TEST(RabbitmqSettings, BadValuesNameTheOption) {
  EXPECT_NE(error_of("amqp://h?queue_type=stream").find("queue_type"), std::string::npos);
  EXPECT_NE(error_of("amqp://h?declare=maybe").find("declare"), std::string::npos);
  EXPECT_NE(error_of("amqp://h?frame_max=100").find("frame_max"), std::string::npos);
  EXPECT_NE(error_of("amqp://h?confirm_timeout=0s").find("confirm_timeout"), std::string::npos);
}

TEST(RabbitmqSettings, UnknownOptionIsAConfigErrorBeforeAnyConnection) {
  // Port 1: nothing listens, so only the option check can produce a ConfigError.
  try {
    driver::open_connection(driver::BrokerUrl::parse("amqp://127.0.0.1:1?prefetch=10"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("prefetch"), std::string::npos) << e.what();
  }
}

TEST(RabbitmqSettings, UnreachableBrokerIsAConnectionError) {
  EXPECT_THROW(
      driver::open_connection(driver::BrokerUrl::parse("amqp://127.0.0.1:1?connect_timeout=500ms")),
      ConnectionError);
}

TEST(RabbitmqCapabilities, QuorumQueuesCountDeliveriesClassicOnesDoNot) {
  auto classic = rabbitmq::capabilities_for(parse("amqp://h"));
  auto quorum = rabbitmq::capabilities_for(parse("amqp://h?queue_type=quorum"));
  EXPECT_FALSE(classic.delivery_count);
  EXPECT_TRUE(quorum.delivery_count);
  for (const auto& c : {classic, quorum}) {
    EXPECT_EQ(c.system, "rabbitmq");
    EXPECT_EQ(c.guarantee, DeliveryGuarantee::at_least_once);
    EXPECT_TRUE(c.durable);
    EXPECT_TRUE(c.consumer_groups);
    EXPECT_TRUE(c.nack);
    EXPECT_FALSE(c.delayed_redelivery);
    EXPECT_FALSE(c.replay);
    EXPECT_TRUE(c.native_headers);
    EXPECT_FALSE(c.request_reply);
  }
}

TEST(RabbitmqHeaders, HeadersGoOutAsLongStringsAndComeBackUnchanged) {
  Headers h{{"type", "placed"}, {"bin", std::string("a\0b", 3)}, {"empty", ""}};
  rabbitmq::HeaderTable table(h);
  ASSERT_EQ(table.table().num_entries, 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(table.table().entries[i].value.kind, AMQP_FIELD_KIND_UTF8);
  }
  EXPECT_EQ(rabbitmq::headers_from_table(table.table()), h);
}

TEST(RabbitmqHeaders, ForeignFieldTypesBecomeTextAndNestedOnesAreLeftOut) {
  std::vector<amqp_table_entry_t> e(7);
  e[0].key = amqp_cstring_bytes("i32");
  e[0].value.kind = AMQP_FIELD_KIND_I32;
  e[0].value.value.i32 = -42;
  e[1].key = amqp_cstring_bytes("u64");
  e[1].value.kind = AMQP_FIELD_KIND_U64;
  e[1].value.value.u64 = 18446744073709551615ull;
  e[2].key = amqp_cstring_bytes("flag");
  e[2].value.kind = AMQP_FIELD_KIND_BOOLEAN;
  e[2].value.value.boolean = 1;
  e[3].key = amqp_cstring_bytes("price");
  e[3].value.kind = AMQP_FIELD_KIND_DECIMAL;
  e[3].value.value.decimal = {2, 5};  // 0.05
  e[4].key = amqp_cstring_bytes("nested");
  e[4].value.kind = AMQP_FIELD_KIND_TABLE;
  e[4].value.value.table = amqp_empty_table;
  e[5].key = amqp_cstring_bytes("bytes");
  e[5].value.kind = AMQP_FIELD_KIND_BYTES;
  e[5].value.value.bytes = amqp_cstring_bytes("raw");
  e[6].key = amqp_cstring_bytes("x-delivery-count");
  e[6].value.kind = AMQP_FIELD_KIND_I64;
  e[6].value.value.i64 = 3;
  const amqp_table_t table{static_cast<int>(e.size()), e.data()};
  const Headers h = rabbitmq::headers_from_table(table);
  EXPECT_EQ(h.get("i32"), "-42");
  EXPECT_EQ(h.get("u64"), "18446744073709551615");
  EXPECT_EQ(h.get("flag"), "true");
  EXPECT_EQ(h.get("price"), "0.05");
  EXPECT_FALSE(h.contains("nested"));
  EXPECT_EQ(h.get("bytes"), "raw");
  EXPECT_EQ(rabbitmq::table_integer(table, "x-delivery-count"), 3);
  EXPECT_EQ(rabbitmq::table_integer(table, "flag"), std::nullopt);
  EXPECT_EQ(rabbitmq::table_integer(table, "missing"), std::nullopt);
}

TEST(RabbitmqTopology, GroupQueueIsTopicDotGroup) {
  EXPECT_EQ(rabbitmq::group_queue("orders", "email"), "orders.email");
}

}  // namespace
}  // namespace unimq::test
