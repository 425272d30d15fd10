// The bad-input table: malformed URLs, YAML, headers and API misuse. Each row asserts the exact
// error type and that the message names the offending key or value; none may crash or hang.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "unimq/driver/broker_url.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

enum class Expect { config, closed };

struct BadInput {
  std::string name;               ///< Test-name suffix.
  std::function<void()> act;      ///< Must throw.
  Expect expect;                  ///< The exact error type.
  std::vector<std::string> says;  ///< Substrings the message must contain.
};

void PrintTo(const BadInput& row, std::ostream* os) {
  *os << row.name;
}

// Parses a URL with the generic parser (network schemes have no adapter in every build).
std::function<void()> url(std::string text) {
  return [text] { (void)driver::BrokerUrl::parse(text); };
}
std::function<void()> connect(std::string text) {
  return [text] { (void)Client::connect(text); };
}
std::function<void()> yaml(std::string text) {
  return [text] { (void)Config::parse(text); };
}
// A consumer entry with one bad line, so the error must name that key path.
std::function<void()> consumer_yaml(const std::string& line) {
  return yaml("broker: memory://\nconsumers:\n  svc:\n    topic: t\n    " + line + "\n");
}
std::function<void()> producer_yaml(const std::string& line) {
  return yaml("broker: memory://\nproducers:\n  out:\n    topic: t\n    " + line + "\n");
}
std::function<void()> publish_with_header(std::string name) {
  return [name] {
    auto client = Client::connect("memory://bad-input");
    client.topic("t").producer().publish(Message("x").header(name, "v"));
  };
}

std::vector<BadInput> rows() {
  const std::string huge(1 << 20, 'h');
  std::vector<BadInput> r = {
      // --- URLs ---
      {"UrlEmpty", connect(""), Expect::config, {"missing scheme"}},
      {"UrlNoScheme", connect("localhost:9092"), Expect::config, {"scheme"}},
      {"UrlEmptyScheme", connect("://host"), Expect::config, {"scheme"}},
      {"UrlUnknownScheme", connect("carrier-pigeon://coop"), Expect::config, {"carrier-pigeon"}},
      {"UrlSpaceInScheme", url("ka fka://h"), Expect::config, {"position 2"}},
      {"UrlSchemeWithBadChars", url("ka_fka://h"), Expect::config, {"scheme 'ka_fka'"}},
      {"UrlPortZero", url("kafka://host:0"), Expect::config, {"port", "0"}},
      {"UrlPortTooBig", url("kafka://host:99999"), Expect::config, {"99999"}},
      {"UrlPortNotANumber", url("kafka://host:abc"), Expect::config, {"abc"}},
      {"UrlEmptyHost", url("kafka://:9092"), Expect::config, {"host"}},
      {"UrlEmptyHostInList", url("kafka://a:1,,b:2"), Expect::config, {"host"}},
      {"UrlUnclosedIpv6", url("kafka://[::1:9092"), Expect::config, {"["}},
      {"UrlBadPercentEscape", url("kafka://h/p%zz"), Expect::config, {"%zz"}},
      {"UrlEmptyOptionName", url("kafka://h?=v"), Expect::config, {"option"}},
      {"UrlDuplicateOption", url("kafka://h?a=1&a=2"), Expect::config, {"'a'"}},
      {"UrlNonUtf8", url("kafka://h\xff\xfe"), Expect::config, {"UTF-8"}},
      {"UrlHuge", url("kafka://" + huge), Expect::config, {"1048584 bytes", "8192"}},
      {"UrlUnknownOption", connect("memory://?colour=red"), Expect::config, {"colour"}},
      {"UrlOptionNotANumber",
       connect("memory://?max_messages=lots"),
       Expect::config,
       {"max_messages", "lots"}},
      {"UrlOptionNegative",
       connect("memory://?max_messages=-1"),
       Expect::config,
       {"max_messages", "-1"}},
      {"UrlOptionOverflow",
       connect("memory://?max_messages=99999999999999999999999"),
       Expect::config,
       {"max_messages"}},
      {"UrlByteLimitNotANumber",
       connect("memory://?max_bytes=64MiB"),
       Expect::config,
       {"max_bytes", "64MiB"}},
      {"UrlMemoryWithPort", connect("memory://name:5"), Expect::config, {"port"}},
      {"UrlMemoryWithPath", connect("memory://name/x"), Expect::config, {"path"}},
      {"UrlMemoryHostList", connect("memory://a,b"), Expect::config, {"memory"}},
      // --- YAML ---
      {"YamlEmpty", yaml(""), Expect::config, {"broker"}},
      {"YamlNotAMap", yaml("- a\n- b\n"), Expect::config, {"map"}},
      {"YamlSyntax", yaml("broker: [memory://\n"), Expect::config, {"<config>:2", "syntax"}},
      {"YamlBrokerWrongType", yaml("broker: [a, b]\n"), Expect::config, {"broker"}},
      {"YamlUnknownTopLevelKey",
       yaml("broker: memory://\nbrokers: x\n"),
       Expect::config,
       {"brokers"}},
      {"YamlConsumersNotAMap",
       yaml("broker: memory://\nconsumers: [a, b]\n"),
       Expect::config,
       {"consumers"}},
      {"YamlConsumerMissingTopic",
       yaml("broker: memory://\nconsumers:\n  svc: {group: g}\n"),
       Expect::config,
       {"consumers.svc.topic"}},
      {"YamlUnknownConsumerKey",
       consumer_yaml("colour: red"),
       Expect::config,
       {"consumers.svc.colour"}},
      {"YamlConcurrencyNotANumber",
       consumer_yaml("concurrency: lots"),
       Expect::config,
       {"consumers.svc.concurrency", "lots"}},
      {"YamlConcurrencyZero",
       consumer_yaml("concurrency: 0"),
       Expect::config,
       {"consumers.svc.concurrency", "0"}},
      {"YamlConcurrencyNegative",
       consumer_yaml("concurrency: -3"),
       Expect::config,
       {"consumers.svc.concurrency", "-3"}},
      {"YamlMaxInFlightZero",
       consumer_yaml("max_in_flight: 0"),
       Expect::config,
       {"consumers.svc.max_in_flight"}},
      {"YamlBadOrdering",
       consumer_yaml("ordering: sideways"),
       Expect::config,
       {"consumers.svc.ordering", "sideways"}},
      {"YamlBadAckMode",
       consumer_yaml("ack: maybe"),
       Expect::config,
       {"consumers.svc.ack", "maybe"}},
      {"YamlBadStart",
       consumer_yaml("start: yesterday"),
       Expect::config,
       {"consumers.svc.start", "yesterday"}},
      {"YamlGroupIsAMap", consumer_yaml("group: {a: b}"), Expect::config, {"consumers.svc.group"}},
      {"YamlRetryZeroAttempts",
       consumer_yaml("retry: {max_attempts: 0}"),
       Expect::config,
       {"consumers.svc.retry.max_attempts"}},
      {"YamlRetryBadDuration",
       consumer_yaml("retry: {initial_backoff: 5 parsecs}"),
       Expect::config,
       {"consumers.svc.retry.initial_backoff", "5 parsecs"}},
      {"YamlRetryDurationWithoutUnit",
       consumer_yaml("retry: {max_backoff: 10}"),
       Expect::config,
       {"consumers.svc.retry.max_backoff", "10"}},
      {"YamlRetryJitterTooBig",
       consumer_yaml("retry: {jitter: 2}"),
       Expect::config,
       {"consumers.svc.retry.jitter"}},
      {"YamlRetryMultiplierBelowOne",
       consumer_yaml("retry: {multiplier: 0.5}"),
       Expect::config,
       {"consumers.svc.retry.multiplier"}},
      {"YamlRetryBadMode",
       consumer_yaml("retry: {mode: later}"),
       Expect::config,
       {"consumers.svc.retry.mode", "later"}},
      {"YamlRetryUnknownKey",
       consumer_yaml("retry: {attempts: 3}"),
       Expect::config,
       {"consumers.svc.retry.attempts"}},
      {"YamlDeadLetterBadBool",
       consumer_yaml("dead_letter: {enabled: perhaps}"),
       Expect::config,
       {"consumers.svc.dead_letter.enabled", "perhaps"}},
      {"YamlRateNegative",
       consumer_yaml("rate_limit: {per_second: -5}"),
       Expect::config,
       {"consumers.svc.rate_limit.per_second"}},
      {"YamlProducerBadWhenFull",
       producer_yaml("when_full: explode"),
       Expect::config,
       {"producers.out.when_full", "explode"}},
      {"YamlProducerZeroBuffer",
       producer_yaml("buffer_capacity: 0"),
       Expect::config,
       {"producers.out.buffer_capacity"}},
      {"YamlProducerZeroBufferBytes",
       producer_yaml("buffer_bytes: 0"),
       Expect::config,
       {"producers.out.buffer_bytes"}},
      {"YamlProducerZeroBatch",
       producer_yaml("batch_size: 0"),
       Expect::config,
       {"producers.out.batch_size"}},
      {"YamlTopicZeroPartitions",
       yaml("broker: memory://\ntopics:\n  orders: {partitions: 0}\n"),
       Expect::config,
       {"topics.orders.partitions"}},
      {"YamlTopicPartitionsNotANumber",
       yaml("broker: memory://\ntopics:\n  orders: {partitions: many}\n"),
       Expect::config,
       {"topics.orders.partitions", "many"}},
      {"YamlUnsetVariable",
       yaml("broker: ${UNIMQ_TEST_SURELY_UNSET_VAR}\n"),
       Expect::config,
       {"UNIMQ_TEST_SURELY_UNSET_VAR"}},
      {"YamlUnterminatedVariable", yaml("broker: ${UNIMQ_URL\n"), Expect::config, {"${"}},
      {"YamlAliasOfWrongType",
       yaml("broker: &b memory://\nconsumers: *b\n"),
       Expect::config,
       {"consumers"}},
      {"YamlMissingFile",
       [] { (void)Config::load_file("/nonexistent/unimq.yaml"); },
       Expect::config,
       {"/nonexistent/unimq.yaml"}},
      // --- headers ---
      {"HeaderEmptyName", publish_with_header(""), Expect::config, {"header name is empty"}},
      {"HeaderNonUtf8Name", publish_with_header("caf\xe9"), Expect::config, {"caf\\xe9", "UTF-8"}},
      {"HeaderReservedName",
       publish_with_header("unimq-dlq-error"),
       Expect::config,
       {"unimq-dlq-error", "reserved"}},
      {"HeaderColonInName", publish_with_header("a:b"), Expect::config, {"a:b"}},
      {"HeaderNameTooLong",
       publish_with_header(std::string(300, 'n')),
       Expect::config,
       {"300 bytes"}},
      // --- API misuse ---
      {"PublishAfterClose",
       [] {
         auto client = Client::connect("memory://bad-input");
         auto producer = client.topic("t").producer();
         producer.close();
         producer.publish(Message("late"));
       },
       Expect::closed,
       {"closed"}},
      {"ProducerFromClosedClient",
       [] {
         auto client = Client::connect("memory://bad-input");
         client.close();
         (void)client.topic("t").producer();
       },
       Expect::closed,
       {"closed"}},
      {"ConsumerStartedTwice",
       [] {
         auto client = Client::connect("memory://bad-input");
         auto consumer = client.topic("t").consumer({.group = "g"});
         consumer.start([](const Delivery&) {});
         consumer.start([](const Delivery&) {});
       },
       Expect::config,
       {"already started"}},
      {"ConsumerRestartedAfterStop",
       [] {
         auto client = Client::connect("memory://bad-input");
         auto consumer = client.topic("t").consumer({.group = "g"});
         consumer.start([](const Delivery&) {});
         consumer.stop();
         consumer.start([](const Delivery&) {});
       },
       Expect::closed,
       {"stopped"}},
      {"ConsumerWithEmptyHandler",
       [] {
         auto client = Client::connect("memory://bad-input");
         client.topic("t").consumer({.group = "g"}).start(nullptr);
       },
       Expect::config,
       {"handler"}},
      {"EmptyTopicName",
       [] { (void)Client::connect("memory://bad-input").topic(""); },
       Expect::config,
       {"topic"}},
      {"ConcurrencyZeroInCode",
       [] { (void)Client::connect("memory://bad-input").topic("t").consumer({.concurrency = 0}); },
       Expect::config,
       {"concurrency"}},
      {"UnknownNamedConsumer",
       [] { (void)Client::connect("memory://bad-input").consumer("nobody"); },
       Expect::config,
       {"nobody"}},
      {"AckAfterStop",
       [] {
         auto client = Client::connect("memory://bad-input");
         auto topic = client.topic("ack-after-stop");
         auto consumer = topic.consumer({.group = "g", .ack = AckMode::manual});
         std::optional<Delivery> kept;
         std::mutex mutex;
         consumer.start([&](const Delivery& d) {
           std::lock_guard lock(mutex);
           kept = d;
         });
         topic.producer().publish(Message("m")).get();
         for (int i = 0; i < 5000; ++i) {
           {
             std::lock_guard lock(mutex);
             if (kept) break;
           }
           std::this_thread::sleep_for(1ms);
         }
         consumer.stop();
         std::lock_guard lock(mutex);
         if (kept) kept->ack();
       },
       Expect::closed,
       {"ack", "stopped", "redeliver"}},
  };
  return r;
}

class BadInputTable : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTable, FailsWithTheRightErrorNamingTheCulprit) {
  const BadInput& row = GetParam();
  std::string message;
  try {
    row.act();
    FAIL() << "nothing thrown";
  } catch (const ConfigError& e) {
    EXPECT_EQ(row.expect, Expect::config) << "ConfigError: " << e.what();
    message = e.what();
  } catch (const ClosedError& e) {
    EXPECT_EQ(row.expect, Expect::closed) << "ClosedError: " << e.what();
    message = e.what();
  } catch (const std::exception& e) {
    FAIL() << "unexpected exception type: " << e.what();
  }
  for (const auto& s : row.says) {
    EXPECT_NE(message.find(s), std::string::npos) << "message lacks '" << s << "': " << message;
  }
}

INSTANTIATE_TEST_SUITE_P(Rows, BadInputTable, ::testing::ValuesIn(rows()),
                         [](const auto& info) { return info.param.name; });

TEST(BadInputTable, HasAtLeastSixtyRows) {
  EXPECT_GE(rows().size(), 60u);
}

}  // namespace
}  // namespace unimq
