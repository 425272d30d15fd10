// NATS adapter pieces that need no server: URL settings, stream and durable names, and the
// message conversion (headers, key, empty values, refused values).
#include <gtest/gtest.h>
#include <nats/nats.h>

#include "nats_connection.hpp"
#include "nats_message.hpp"
#include "nats_settings.hpp"
#include "settings_parse.hpp"
#include "unimq/error.hpp"

namespace unimq::nats {
namespace {

using namespace std::chrono_literals;

Settings parse(const std::string& url) {
  return test::parse_url(parse_settings, url);
}

std::string config_error(const std::string& url) {
  return test::config_error(parse_settings, url);
}

TEST(NatsSettings, ServersCredentialsAndDefaults) {
  const Settings s = parse("nats://u:p@a:4000,b");
  EXPECT_EQ(s.servers, (std::vector<std::string>{"nats://a:4000", "nats://b:4222"}));
  EXPECT_EQ(s.user, "u");
  EXPECT_EQ(s.password, "p");
  EXPECT_FALSE(s.jetstream);
  EXPECT_EQ(s.max_reconnect, -1);
  EXPECT_EQ(s.display.find(":p@"), std::string::npos) << s.display;
}

TEST(NatsSettings, JetStreamAndPassthroughOptions) {
  const Settings s = parse(
      "nats://h?jetstream=true&storage=memory&retention=workqueue&max_age=1h&replicas=3&"
      "ack_wait=10s&api_timeout=2s&declare=none&nats.reconnect_wait=100ms&nats.max_reconnect=5&"
      "nats.ping_interval=3s&nats.timeout=1s");
  EXPECT_TRUE(s.jetstream);
  EXPECT_TRUE(s.memory_storage);
  EXPECT_EQ(s.retention, 2);
  EXPECT_EQ(s.max_age, 1h);
  EXPECT_EQ(s.replicas, 3);
  EXPECT_EQ(s.ack_wait, 10s);
  EXPECT_EQ(s.api_timeout, 2s);
  EXPECT_FALSE(s.declare);
  EXPECT_EQ(s.reconnect_wait, 100ms);
  EXPECT_EQ(s.max_reconnect, 5);
  EXPECT_EQ(s.ping_interval, 3s);
  EXPECT_EQ(s.connect_timeout, 1s);
}

TEST(NatsSettings, BadOptionsAreConfigErrorsNamingThem) {
  EXPECT_NE(config_error("nats://h?storage=file").find("jetstream=true only"), std::string::npos);
  EXPECT_NE(config_error("nats://h?jetstream=true&storage=ssd").find("storage"), std::string::npos);
  EXPECT_NE(config_error("nats://h?nats.verbose=true").find("nats.verbose"), std::string::npos);
  EXPECT_NE(config_error("nats://h?jetstream=true&ack_wait=0s").find("ack_wait"),
            std::string::npos);
  EXPECT_NE(config_error("nats://h/path").find("no path"), std::string::npos);
}

TEST(NatsNames, StreamNamesKeepSafeTopicsAndHashTheRest) {
  EXPECT_EQ(stream_name("orders"), "orders");
  const std::string dotted = stream_name("orders.dlq");
  EXPECT_EQ(dotted.rfind("orders_dlq_", 0), 0u) << dotted;
  EXPECT_EQ(dotted.size(), std::string("orders_dlq_").size() + 8);
  // Two topics that sanitize alike still get different streams.
  EXPECT_NE(stream_name("a.b"), stream_name("a*b"));
  EXPECT_EQ(durable_name("email service").find(' '), std::string::npos);
}

// cnats must be initialised before messages are created (connecting does it in the adapter).
class NatsMessage : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_EQ(nats_Open(-1), NATS_OK); }
};

TEST_F(NatsMessage, KeyHeadersAndEmptyValuesSurviveTheConversion) {
  Message m(std::string("a\0b", 3));
  m.key("k-1").header("trace", "t-1").header("empty", "").header("utf8", "grüße");
  auto msg = to_nats("subject", m);
  const Message back = from_nats(msg.get());
  EXPECT_EQ(back.payload(), m.payload());
  EXPECT_EQ(back.key(), "k-1");
  EXPECT_EQ(back.headers().get("trace"), "t-1");
  EXPECT_EQ(back.headers().get("empty"), "");
  EXPECT_EQ(back.headers().get("utf8"), "grüße");
  EXPECT_EQ(back.headers().size(), 3u);
}

TEST_F(NatsMessage, ValuesNatsHeadersCannotCarryAreRefused) {
  EXPECT_THROW(to_nats("s", Message("x").header("h", "line\r\nbreak")), PublishError);
  EXPECT_THROW(to_nats("s", Message("x").header("h", std::string("nul\0", 4))), PublishError);
}

TEST(NatsStatus, TransientStatusesAreRetryable) {
  EXPECT_EQ(classify(NATS_TIMEOUT), driver::ErrorKind::timeout);
  EXPECT_EQ(classify(NATS_NO_RESPONDERS), driver::ErrorKind::retryable);
  EXPECT_EQ(classify(NATS_CONNECTION_DISCONNECTED), driver::ErrorKind::retryable);
  EXPECT_EQ(classify(NATS_CONNECTION_CLOSED), driver::ErrorKind::closed);
  EXPECT_EQ(classify(NATS_NOT_PERMITTED), driver::ErrorKind::unauthorized);
  EXPECT_EQ(classify(NATS_MAX_PAYLOAD), driver::ErrorKind::permanent);
}

}  // namespace
}  // namespace unimq::nats
