// Broker URL parsing, typed option getters and redaction.
#include "unimq/driver/broker_url.hpp"

#include <gtest/gtest.h>

#include <string>

#include "unimq/error.hpp"

namespace {

using unimq::ConfigError;
using unimq::driver::BrokerUrl;
using unimq::driver::HostPort;
using Options = std::vector<std::pair<std::string, std::string>>;

// The message of the ConfigError that parsing `url` throws; fails the test if none is thrown.
std::string parse_error(std::string_view url) {
  try {
    BrokerUrl::parse(url);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for " << url;
  return {};
}

TEST(BrokerUrlParse, MemoryWithoutName) {
  const BrokerUrl url = BrokerUrl::parse("memory://");
  EXPECT_EQ(url.scheme, "memory");
  EXPECT_TRUE(url.hosts.empty());
  EXPECT_TRUE(url.path.empty());
  EXPECT_TRUE(url.options.empty());
  EXPECT_EQ(url.redacted(), "memory://");
}

TEST(BrokerUrlParse, MemoryWithName) {
  const BrokerUrl url = BrokerUrl::parse("memory://test-broker");
  EXPECT_EQ(url.hosts, (std::vector<HostPort>{{"test-broker", 0}}));
  EXPECT_EQ(url.redacted(), "memory://test-broker");
}

TEST(BrokerUrlParse, SchemeIsLowercased) {
  EXPECT_EQ(BrokerUrl::parse("KAFKA://h:1").scheme, "kafka");
  EXPECT_EQ(BrokerUrl::parse("amqps://h").scheme, "amqps");
  EXPECT_EQ(BrokerUrl::parse("x+y.z-1://h").scheme, "x+y.z-1");
}

TEST(BrokerUrlParse, KafkaHostList) {
  const BrokerUrl url = BrokerUrl::parse("kafka://h1:9092,h2:9093,h3");
  EXPECT_EQ(url.scheme, "kafka");
  EXPECT_EQ(url.hosts, (std::vector<HostPort>{{"h1", 9092}, {"h2", 9093}, {"h3", 0}}));
  EXPECT_TRUE(url.username.empty());
  EXPECT_TRUE(url.password.empty());
  EXPECT_EQ(url.redacted(), "kafka://h1:9092,h2:9093,h3");
}

TEST(BrokerUrlParse, AmqpUserPasswordVhost) {
  const BrokerUrl url = BrokerUrl::parse("amqp://user:p%40ss@host:5672/vhost");
  EXPECT_EQ(url.scheme, "amqp");
  EXPECT_EQ(url.username, "user");
  EXPECT_EQ(url.password, "p@ss");
  EXPECT_EQ(url.hosts, (std::vector<HostPort>{{"host", 5672}}));
  EXPECT_EQ(url.path, "vhost");
  EXPECT_EQ(url.redacted(), "amqp://user:***@host:5672/vhost");
}

TEST(BrokerUrlParse, AmqpEncodedSlashVhost) {
  const BrokerUrl url = BrokerUrl::parse("amqp://host/%2F");
  EXPECT_EQ(url.path, "/");
  EXPECT_EQ(BrokerUrl::parse(url.redacted()).path, "/");
}

TEST(BrokerUrlParse, RedisPasswordOnlyDbAndMode) {
  const BrokerUrl url = BrokerUrl::parse("redis://:secret@127.0.0.1:6379/2?mode=streams");
  EXPECT_EQ(url.scheme, "redis");
  EXPECT_EQ(url.username, "");
  EXPECT_EQ(url.password, "secret");
  EXPECT_EQ(url.hosts, (std::vector<HostPort>{{"127.0.0.1", 6379}}));
  EXPECT_EQ(url.path, "2");
  EXPECT_EQ(url.options, (Options{{"mode", "streams"}}));
  EXPECT_EQ(url.redacted(), "redis://:***@127.0.0.1:6379/2?mode=streams");
}

TEST(BrokerUrlParse, NatsTokenAndIpv6) {
  const BrokerUrl url = BrokerUrl::parse("nats://tok@[::1]:4222?jetstream=true");
  EXPECT_EQ(url.scheme, "nats");
  EXPECT_EQ(url.username, "tok");
  EXPECT_EQ(url.password, "");
  EXPECT_EQ(url.hosts, (std::vector<HostPort>{{"::1", 4222}}));
  EXPECT_TRUE(url.option_bool("jetstream", false));
  EXPECT_EQ(url.redacted(), "nats://tok@[::1]:4222?jetstream=true");
}

TEST(BrokerUrlParse, Ipv6ListWithAndWithoutPort) {
  const BrokerUrl url = BrokerUrl::parse("redis://[fe80::1:2],[2001:db8::7]:6380,10.0.0.1");
  EXPECT_EQ(url.hosts,
            (std::vector<HostPort>{{"fe80::1:2", 0}, {"2001:db8::7", 6380}, {"10.0.0.1", 0}}));
  EXPECT_EQ(url.redacted(), "redis://[fe80::1:2],[2001:db8::7]:6380,10.0.0.1");
}

TEST(BrokerUrlParse, PortBounds) {
  EXPECT_EQ(BrokerUrl::parse("kafka://h:1").hosts[0].port, 1);
  EXPECT_EQ(BrokerUrl::parse("kafka://h:65535").hosts[0].port, 65535);
}

TEST(BrokerUrlParse, PercentDecodingOfAllParts) {
  const BrokerUrl url =
      BrokerUrl::parse("amqp://us%65r:p%3Aw%2Fd@h/v%20h?a%2Eb=x%26y&plus=a+b&empty=");
  EXPECT_EQ(url.username, "user");
  EXPECT_EQ(url.password, "p:w/d");
  EXPECT_EQ(url.path, "v h");
  // '+' is kept: values such as base64 tokens must survive.
  EXPECT_EQ(url.options, (Options{{"a.b", "x&y"}, {"plus", "a+b"}, {"empty", ""}}));
}

TEST(BrokerUrlParse, OptionsKeepOrderAndEmptyQueryIsNone) {
  EXPECT_EQ(BrokerUrl::parse("kafka://h?b=1&a=2").options, (Options{{"b", "1"}, {"a", "2"}}));
  EXPECT_TRUE(BrokerUrl::parse("kafka://h?").options.empty());
  EXPECT_TRUE(BrokerUrl::parse("kafka://h/?").path.empty());
}

TEST(BrokerUrlParse, PathOnlyAndQueryWithoutPath) {
  const BrokerUrl url = BrokerUrl::parse("kafka://h:9092?kafka.linger.ms=5");
  EXPECT_TRUE(url.path.empty());
  EXPECT_EQ(url.options, (Options{{"kafka.linger.ms", "5"}}));
}

TEST(BrokerUrlParse, UnencodedAtInPasswordUsesLastAt) {
  const BrokerUrl url = BrokerUrl::parse("redis://u:a@b@host");
  EXPECT_EQ(url.username, "u");
  EXPECT_EQ(url.password, "a@b");
  EXPECT_EQ(url.hosts, (std::vector<HostPort>{{"host", 0}}));
}

TEST(BrokerUrlErrors, BadPortNamesPortAndRange) {
  EXPECT_EQ(parse_error("redis://localhost:abc"),
            "broker URL 'redis://localhost:abc': port 'abc' is not a number in 1..65535");
  EXPECT_NE(parse_error("redis://localhost:0").find("port '0'"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:65536").find("port '65536'"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:").find("port ''"), std::string::npos);
  EXPECT_NE(parse_error("redis://localhost:+1").find("port '+1'"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1]:x").find("port 'x'"), std::string::npos);
}

TEST(BrokerUrlErrors, MissingOrBadScheme) {
  EXPECT_NE(parse_error("localhost:9092").find("missing scheme"), std::string::npos);
  EXPECT_NE(parse_error("").find("missing scheme"), std::string::npos);
  EXPECT_NE(parse_error("kafka:/h").find("missing scheme"), std::string::npos);
  EXPECT_NE(parse_error("://h").find("scheme ''"), std::string::npos);
  EXPECT_NE(parse_error("1kafka://h").find("scheme '1kafka'"), std::string::npos);
  EXPECT_NE(parse_error("ka_fka://h").find("scheme 'ka_fka'"), std::string::npos);
}

TEST(BrokerUrlErrors, DuplicateOption) {
  const std::string error = parse_error("redis://h?mode=streams&mode=pubsub");
  EXPECT_NE(error.find("option 'mode' is given twice"), std::string::npos) << error;
  // Duplicates are found after decoding.
  EXPECT_NE(parse_error("redis://h?a=1&%61=2").find("given twice"), std::string::npos);
}

TEST(BrokerUrlErrors, EmptyOptionNameOrMissingValue) {
  EXPECT_NE(parse_error("redis://h?=1").find("empty name"), std::string::npos);
  EXPECT_NE(parse_error("redis://h?a=1&&b=2").find("empty name"), std::string::npos);
  EXPECT_NE(parse_error("redis://h?a=1&").find("empty name"), std::string::npos);
  const std::string error = parse_error("nats://h?flag");
  EXPECT_NE(error.find("option 'flag'"), std::string::npos) << error;
  EXPECT_NE(error.find("expected name=value"), std::string::npos) << error;
}

TEST(BrokerUrlErrors, BadPercentEscape) {
  EXPECT_NE(parse_error("amqp://h/v%zz").find("path has a malformed percent escape '%zz'"),
            std::string::npos);
  EXPECT_NE(parse_error("amqp://h/v%4").find("malformed percent escape '%4'"), std::string::npos);
  EXPECT_NE(parse_error("amqp://u%g1@h").find("user name 'u%g1'"), std::string::npos);
  EXPECT_NE(parse_error("amqp://h?a%=1").find("option name 'a%'"), std::string::npos);
  EXPECT_NE(parse_error("amqp://h?a=%").find("value of option 'a'"), std::string::npos);
}

TEST(BrokerUrlErrors, BadPasswordEscapeDoesNotShowPassword) {
  const std::string error = parse_error("amqp://u:hunter2%zz@h");
  EXPECT_NE(error.find("password has a malformed percent escape"), std::string::npos) << error;
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  EXPECT_EQ(error.find("%zz"), std::string::npos) << error;
}

TEST(BrokerUrlErrors, EmptyHostInList) {
  EXPECT_NE(parse_error("kafka://h1,,h2").find("host list 'h1,,h2' has an empty host"),
            std::string::npos);
  EXPECT_NE(parse_error("kafka://h1,").find("empty host"), std::string::npos);
  EXPECT_NE(parse_error("kafka://,h1").find("empty host"), std::string::npos);
  EXPECT_NE(parse_error("kafka://:9092").find("empty host name"), std::string::npos);
}

TEST(BrokerUrlErrors, NetworkSchemeNeedsAHost) {
  EXPECT_NE(parse_error("kafka://").find("no host given"), std::string::npos);
  EXPECT_NE(parse_error("redis://:pw@/2").find("no host given"), std::string::npos);
}

TEST(BrokerUrlErrors, BadHosts) {
  EXPECT_NE(parse_error("redis://::1").find("more than one ':'"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1").find("host '[::1'"), std::string::npos);
  EXPECT_NE(parse_error("redis://[]:1").find("host '[]:1'"), std::string::npos);
  EXPECT_NE(parse_error("redis://[::1]x").find("after ']'"), std::string::npos);
  EXPECT_NE(parse_error("redis://[host]").find("IPv6"), std::string::npos);
  EXPECT_NE(parse_error("redis://ho$t").find("contains '$'"), std::string::npos);
  EXPECT_NE(parse_error("redis://host name").find("space"), std::string::npos);
}

TEST(BrokerUrlErrors, NeverShowThePassword) {
  for (const char* url : {
           "redis://:s3cr3t@localhost:abc",
           "amqp://user:s3cr3t@h1,,h2/vhost",
           "amqp://user:s3cr3t@host/v%zz",
           "redis://:s3cr3t@host?a=1&a=2",
           "redis://:s3cr3t@host?flag",
           // Unencoded '/' or '?' in the password cut the authority short.
           "redis://:s3c/r3t@host:6379",
           "redis://u:s3c?r3t@host:6379",
           "redis://:s3cr3t/x@host:6379",
           "user:s3cr3t@host",
       }) {
    const std::string error = parse_error(url);
    EXPECT_EQ(error.find("s3c"), std::string::npos) << url << " -> " << error;
    EXPECT_EQ(error.find("r3t"), std::string::npos) << url << " -> " << error;
  }
  EXPECT_NE(parse_error("redis://:s3cr3t@localhost:abc").find("redis://:***@localhost:abc"),
            std::string::npos);
}

// A password with an unencoded '@' and an unencoded '/' or '?' leaves an '@' inside the cut-short
// authority and another after it; the text between them is password too. Found by
// tests/fuzz/fuzz_broker_url.
TEST(BrokerUrlErrors, NeverShowPasswordTextAfterItsOwnAt) {
  for (const char* url : {
           "amqp://user:s3c@!/r3t@host/vhost",
           "redis://:s3c@/r3t@host:6379",
           "redis://:s3c@r3t?x@host",
       }) {
    const std::string error = parse_error(url);
    EXPECT_EQ(error.find("s3c"), std::string::npos) << url << " -> " << error;
    EXPECT_EQ(error.find("r3t"), std::string::npos) << url << " -> " << error;
  }
}

TEST(BrokerUrlOptions, OptionAndString) {
  const BrokerUrl url = BrokerUrl::parse("redis://h?mode=streams&empty=");
  EXPECT_EQ(url.option("mode"), std::optional<std::string_view>("streams"));
  EXPECT_EQ(url.option("nope"), std::nullopt);
  EXPECT_EQ(url.option_string("mode", "pubsub"), "streams");
  EXPECT_EQ(url.option_string("nope", "pubsub"), "pubsub");
  EXPECT_EQ(url.option_string("empty", "x"), "");
}

TEST(BrokerUrlOptions, Bool) {
  const BrokerUrl url =
      BrokerUrl::parse("nats://h?a=true&b=FALSE&c=1&d=0&e=Yes&f=no&g=ON&h=off&bad=maybe");
  EXPECT_TRUE(url.option_bool("a", false));
  EXPECT_FALSE(url.option_bool("b", true));
  EXPECT_TRUE(url.option_bool("c", false));
  EXPECT_FALSE(url.option_bool("d", true));
  EXPECT_TRUE(url.option_bool("e", false));
  EXPECT_FALSE(url.option_bool("f", true));
  EXPECT_TRUE(url.option_bool("g", false));
  EXPECT_FALSE(url.option_bool("h", true));
  EXPECT_TRUE(url.option_bool("missing", true));
  try {
    url.option_bool("bad", false);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find("option 'bad' value 'maybe'"), std::string::npos) << error;
    EXPECT_NE(error.find("true|false|1|0|yes|no|on|off"), std::string::npos) << error;
  }
}

TEST(BrokerUrlOptions, IntWithRange) {
  const BrokerUrl url = BrokerUrl::parse("redis://h?db=15&neg=-3&big=16&word=x&frac=1.5&e=");
  EXPECT_EQ(url.option_int("db", 0, 0, 15), 15);
  EXPECT_EQ(url.option_int("neg", 0, -10, 10), -3);
  EXPECT_EQ(url.option_int("missing", 7, 0, 15), 7);
  for (const char* name : {"big", "word", "frac", "e"}) {
    try {
      url.option_int(name, 0, 0, 15);
      ADD_FAILURE() << "no ConfigError for " << name;
    } catch (const ConfigError& e) {
      const std::string error = e.what();
      EXPECT_NE(error.find("option '" + std::string(name) + "'"), std::string::npos) << error;
      EXPECT_NE(error.find("an integer in 0..15"), std::string::npos) << error;
    }
  }
}

TEST(BrokerUrlOptions, Duration) {
  const BrokerUrl url = BrokerUrl::parse("kafka://h?a=250ms&b=1.5s&c=500us&bad=5");
  EXPECT_EQ(url.option_duration("a", {}), std::chrono::milliseconds(250));
  EXPECT_EQ(url.option_duration("b", {}), std::chrono::milliseconds(1500));
  EXPECT_EQ(url.option_duration("c", {}), std::chrono::milliseconds(1));
  EXPECT_EQ(url.option_duration("missing", std::chrono::milliseconds(42)),
            std::chrono::milliseconds(42));
  try {
    url.option_duration("bad", {});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find("option 'bad'"), std::string::npos) << error;
    EXPECT_NE(error.find("duration '5' has no unit"), std::string::npos) << error;
  }
}

TEST(BrokerUrlOptions, PositiveDurationRefusesZero) {
  const BrokerUrl url = BrokerUrl::parse("nats://h?wait=2s&zero=0ms");
  EXPECT_EQ(url.option_positive_duration("wait", {}), std::chrono::milliseconds(2000));
  EXPECT_EQ(url.option_positive_duration("missing", std::chrono::milliseconds(7)),
            std::chrono::milliseconds(7));
  try {
    url.option_positive_duration("zero", std::chrono::milliseconds(7));
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find("option 'zero' must be longer than 0ms"), std::string::npos) << error;
  }
}

TEST(BrokerUrlOptions, Choice) {
  const BrokerUrl url = BrokerUrl::parse("redis://h?mode=Streams&bad=queue");
  EXPECT_EQ(url.option_choice("mode", "pubsub", {"pubsub", "streams"}), "streams");
  EXPECT_EQ(url.option_choice("missing", "pubsub", {"pubsub", "streams"}), "pubsub");
  try {
    url.option_choice("bad", "pubsub", {"pubsub", "streams"});
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string error = e.what();
    EXPECT_NE(error.find("option 'bad' value 'queue'"), std::string::npos) << error;
    EXPECT_NE(error.find("one of pubsub|streams"), std::string::npos) << error;
  }
}

TEST(BrokerUrlOptions, WithPrefix) {
  const BrokerUrl url =
      BrokerUrl::parse("kafka://h?kafka.linger.ms=5&acks=all&kafka.client.id=x&kafkaz=1");
  EXPECT_EQ(url.options_with_prefix("kafka."), (Options{{"linger.ms", "5"}, {"client.id", "x"}}));
  EXPECT_TRUE(url.options_with_prefix("nats.").empty());
}

TEST(BrokerUrlOptions, GetterErrorsAreRedacted) {
  const BrokerUrl url = BrokerUrl::parse("redis://u:s3cr3t@h?n=x");
  try {
    url.option_int("n", 0, 0, 1);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string error = e.what();
    EXPECT_EQ(error.find("s3cr3t"), std::string::npos) << error;
    EXPECT_NE(error.find("redis://u:***@h?n=x"), std::string::npos) << error;
  }
}

TEST(BrokerUrlRedacted, PasswordReplacedUserKept) {
  const BrokerUrl url = BrokerUrl::parse("amqp://us%20er:s3cr3t@h:5672/v%2Fh?x=a%26b&y=c/d:e,f");
  const std::string text = url.redacted();
  EXPECT_EQ(text, "amqp://us%20er:***@h:5672/v/h?x=a%26b&y=c/d:e,f");
  EXPECT_EQ(text.find("s3cr3t"), std::string::npos);
}

TEST(BrokerUrlRedacted, SecretOptionValuesAreMasked) {
  const BrokerUrl url =
      BrokerUrl::parse("kafka://h?kafka.sasl.password=s3cr3t&token=t0k&kafka.acks=all");
  EXPECT_EQ(url.redacted(), "kafka://h?kafka.sasl.password=***&token=***&kafka.acks=all");
  try {
    url.option_bool("token", false);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).find("t0k"), std::string::npos) << e.what();
  }
}

TEST(BrokerUrlRedacted, RoundTripsThroughParse) {
  const BrokerUrl url = BrokerUrl::parse("nats://a%40b@[::1]:4222,h:1/p%3Fq?k%3D=v%3D&z=%25");
  const BrokerUrl again = BrokerUrl::parse(url.redacted());
  EXPECT_EQ(again.username, "a@b");
  EXPECT_EQ(again.hosts, url.hosts);
  EXPECT_EQ(again.path, "p?q");
  EXPECT_EQ(again.options, url.options);
}

}  // namespace
