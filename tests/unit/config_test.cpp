// YAML configuration: schema, environment expansion, UNIMQ_URL override, durations, errors.
#include "unimq/config.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "unimq/error.hpp"

namespace {

using namespace std::chrono_literals;
using unimq::Config;
using unimq::ConfigError;

// Sets or unsets an environment variable for one test and restores the old state.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// Every test runs without an inherited UNIMQ_URL, which would replace `broker`.
class ConfigTest : public ::testing::Test {
 private:
  ScopedEnv no_override_{"UNIMQ_URL", nullptr};
};

// The message of the ConfigError that parsing `yaml` throws; fails the test if none is thrown.
std::string config_error(const std::string& yaml) {
  try {
    Config::parse(yaml, "test.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ConfigError for:\n" << yaml;
  return {};
}

std::string consumer_with(const std::string& lines) {
  return "broker: memory://\nconsumers:\n  c:\n    topic: t\n" + lines;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Caps the address space of this process at its current size plus `bytes`: relative to the
// current size because sanitizer runtimes reserve terabytes of shadow memory up front.
void limit_growth(std::size_t bytes) {
  std::ifstream status("/proc/self/status");
  std::string line;
  std::size_t kib = 0;
  while (std::getline(status, line)) {
    if (line.starts_with("VmSize:")) kib = std::stoull(line.substr(7));
  }
  const rlim_t limit = kib * 1024 + bytes;
  const rlimit cap{limit, limit};
  ::setrlimit(RLIMIT_AS, &cap);
}

// ---------------------------------------------------------------------------------------------
// parse_duration

TEST(Duration, AllUnits) {
  EXPECT_EQ(unimq::parse_duration("250ms", "k"), 250ms);
  EXPECT_EQ(unimq::parse_duration("5s", "k"), 5000ms);
  EXPECT_EQ(unimq::parse_duration("2m", "k"), 120'000ms);
  EXPECT_EQ(unimq::parse_duration("1h", "k"), 3'600'000ms);
  EXPECT_EQ(unimq::parse_duration("0s", "k"), 0ms);
  EXPECT_EQ(unimq::parse_duration("3000us", "k"), 3ms);
}

TEST(Duration, DecimalsAndRoundingUp) {
  EXPECT_EQ(unimq::parse_duration("1.5s", "k"), 1500ms);
  EXPECT_EQ(unimq::parse_duration("0.25m", "k"), 15'000ms);
  EXPECT_EQ(unimq::parse_duration("500us", "k"), 1ms);
  EXPECT_EQ(unimq::parse_duration("1us", "k"), 1ms);
  EXPECT_EQ(unimq::parse_duration("1500us", "k"), 2ms);
  EXPECT_EQ(unimq::parse_duration("0.0000000001s", "k"), 1ms);
  EXPECT_EQ(unimq::parse_duration("0.000us", "k"), 0ms);
  EXPECT_EQ(unimq::parse_duration("0us", "k"), 0ms);
}

TEST(Duration, Errors) {
  struct Case {
    const char* text;
    const char* problem;
  };
  for (const Case& c :
       {Case{"5", "has no unit"}, Case{"-5s", "is negative"},
        Case{"", "does not start with a number"}, Case{"s", "does not start with a number"},
        Case{".5s", "does not start with a number"}, Case{"+5s", "does not start with a number"},
        Case{"5.s", "has no digits after '.'"}, Case{"5sec", "has unknown unit 'sec'"},
        Case{"5 s", "has unknown unit ' s'"}, Case{"5S", "has unknown unit 'S'"},
        Case{"99999999999999999999h", "is too large"}}) {
    try {
      unimq::parse_duration(c.text, "producers.p.publish_timeout");
      ADD_FAILURE() << "no ConfigError for '" << c.text << "'";
    } catch (const ConfigError& e) {
      const std::string error = e.what();
      EXPECT_TRUE(contains(error, "producers.p.publish_timeout: duration '" + std::string(c.text) +
                                      "' " + c.problem))
          << error;
      EXPECT_TRUE(contains(error, "us|ms|s|m|h")) << error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// expand_env

TEST(ExpandEnv, SetUnsetAndDefault) {
  ScopedEnv a("UNIMQ_TEST_A", "alpha");
  ScopedEnv empty("UNIMQ_TEST_EMPTY", "");
  ScopedEnv unset("UNIMQ_TEST_UNSET", nullptr);
  EXPECT_EQ(unimq::expand_env("x-${UNIMQ_TEST_A}-y", "k"), "x-alpha-y");
  EXPECT_EQ(unimq::expand_env("${UNIMQ_TEST_A:-d}", "k"), "alpha");
  EXPECT_EQ(unimq::expand_env("${UNIMQ_TEST_UNSET:-kafka://h:9092}", "k"), "kafka://h:9092");
  EXPECT_EQ(unimq::expand_env("${UNIMQ_TEST_UNSET:-}", "k"), "");
  // Like the shell: `:-` also replaces a set but empty variable; plain ${VAR} keeps it empty.
  EXPECT_EQ(unimq::expand_env("${UNIMQ_TEST_EMPTY:-d}", "k"), "d");
  EXPECT_EQ(unimq::expand_env("[${UNIMQ_TEST_EMPTY}]", "k"), "[]");
  EXPECT_EQ(unimq::expand_env("${UNIMQ_TEST_A}${UNIMQ_TEST_A}", "k"), "alphaalpha");
  EXPECT_EQ(unimq::expand_env("no variables $ here $", "k"), "no variables $ here $");
}

TEST(ExpandEnv, DollarDollarIsLiteral) {
  ScopedEnv a("UNIMQ_TEST_A", "alpha");
  EXPECT_EQ(unimq::expand_env("$${UNIMQ_TEST_A}", "k"), "${UNIMQ_TEST_A}");
  EXPECT_EQ(unimq::expand_env("a$${b} ${UNIMQ_TEST_A}", "k"), "a${b} alpha");
  // Expanded text is not expanded again.
  ScopedEnv nested("UNIMQ_TEST_NESTED", "${UNIMQ_TEST_A}");
  EXPECT_EQ(unimq::expand_env("${UNIMQ_TEST_NESTED}", "k"), "${UNIMQ_TEST_A}");
}

TEST(ExpandEnv, UnsetWithoutDefaultNamesVariableAndKey) {
  ScopedEnv unset("UNIMQ_TEST_UNSET", nullptr);
  try {
    unimq::expand_env("amqp://${UNIMQ_TEST_UNSET}@h", "consumers.c.group");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    const std::string error = e.what();
    EXPECT_TRUE(contains(error, "consumers.c.group: ")) << error;
    EXPECT_TRUE(contains(error, "'UNIMQ_TEST_UNSET' is not set")) << error;
  }
}

TEST(ExpandEnv, Malformed) {
  for (const char* text : {"${", "abc ${NAME", "${}", "${:-x}", "${A B}", "${1A}", "${A-b}"}) {
    try {
      unimq::expand_env(text, "the.key");
      ADD_FAILURE() << "no ConfigError for " << text;
    } catch (const ConfigError& e) {
      EXPECT_TRUE(contains(e.what(), "the.key: ")) << e.what();
    }
  }
  try {
    unimq::expand_env("pw ${P:-s3cr3t", "k");
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "not closed")) << e.what();
    EXPECT_FALSE(contains(e.what(), "s3cr3t")) << e.what();
  }
}

// ---------------------------------------------------------------------------------------------
// Config::parse: the schema

constexpr const char* kFullExample = R"(
broker: ${UNIMQ_URL:-kafka://localhost:9092}
topics:    { orders: {partitions: 3, replication: 1} }
producers: { orders-out: {topic: orders, publish_timeout: 30s, buffer_capacity: 65536,
                          buffer_bytes: 1048576,
                          when_full: block, batch_size: 512, retry: {max_attempts: 7}} }
consumers:
  email-service:
    topic: orders
    group: email
    concurrency: 4
    ordering: per_key          # none | per_key
    max_in_flight: 256
    ack: auto                  # auto | manual
    start: new                 # new | all
    retry: {max_attempts: 5, initial_backoff: 200ms, multiplier: 2, max_backoff: 10s,
            jitter: 0.2, mode: in_process}   # in_process | redeliver
    dead_letter: {topic: orders.dlq, enabled: true}
    rate_limit: {per_second: 100, burst: 10}
)";

TEST_F(ConfigTest, FullExampleFromHeader) {
  const Config config = Config::parse(kFullExample);
  EXPECT_EQ(config.broker, "kafka://localhost:9092");

  ASSERT_EQ(config.topics.size(), 1u);
  EXPECT_EQ(config.topics.at("orders").partitions, 3u);
  EXPECT_EQ(config.topics.at("orders").replication, 1u);

  ASSERT_EQ(config.producers.size(), 1u);
  const unimq::ProducerConfig& p = config.producers.at("orders-out");
  EXPECT_EQ(p.topic, "orders");
  EXPECT_EQ(p.options.publish_timeout, 30s);
  EXPECT_EQ(p.options.buffer_capacity, 65536u);
  EXPECT_EQ(p.options.buffer_bytes, 1048576u);
  EXPECT_EQ(p.options.when_full, unimq::WhenFull::block);
  EXPECT_EQ(p.options.batch_size, 512u);
  EXPECT_EQ(p.options.retry.max_attempts, 7u);
  // Unset retry keys keep the producer's own defaults, not the consumer's.
  EXPECT_EQ(p.options.retry.initial_backoff, unimq::ProducerOptions{}.retry.initial_backoff);

  ASSERT_EQ(config.consumers.size(), 1u);
  const unimq::ConsumerConfig& c = config.consumers.at("email-service");
  EXPECT_EQ(c.topic, "orders");
  EXPECT_EQ(c.options.group, "email");
  EXPECT_EQ(c.options.concurrency, 4u);
  EXPECT_EQ(c.options.ordering, unimq::Ordering::per_key);
  EXPECT_EQ(c.options.max_in_flight, 256u);
  EXPECT_EQ(c.options.ack, unimq::AckMode::auto_ack);
  EXPECT_EQ(c.options.start, unimq::StartPosition::latest);
  EXPECT_EQ(c.options.retry.max_attempts, 5u);
  EXPECT_EQ(c.options.retry.initial_backoff, 200ms);
  EXPECT_DOUBLE_EQ(c.options.retry.multiplier, 2.0);
  EXPECT_EQ(c.options.retry.max_backoff, 10s);
  EXPECT_DOUBLE_EQ(c.options.retry.jitter, 0.2);
  EXPECT_EQ(c.options.retry.mode, unimq::RetryMode::in_process);
  EXPECT_EQ(c.options.dead_letter.topic, "orders.dlq");
  EXPECT_TRUE(c.options.dead_letter.enabled);
  EXPECT_DOUBLE_EQ(c.options.rate_limit.per_second, 100.0);
  EXPECT_EQ(c.options.rate_limit.burst, 10u);
}

TEST_F(ConfigTest, MinimalAndDefaults) {
  const Config config = Config::parse("broker: memory://\nconsumers:\n  c: {topic: t}\n");
  EXPECT_EQ(config.broker, "memory://");
  EXPECT_TRUE(config.topics.empty());
  EXPECT_TRUE(config.producers.empty());
  const unimq::ConsumerOptions& o = config.consumers.at("c").options;
  const unimq::ConsumerOptions defaults;
  EXPECT_EQ(o.concurrency, defaults.concurrency);
  EXPECT_EQ(o.max_in_flight, defaults.max_in_flight);
  EXPECT_EQ(o.retry.max_attempts, defaults.retry.max_attempts);
  EXPECT_EQ(o.poll_timeout, defaults.poll_timeout);
  EXPECT_TRUE(o.dead_letter.enabled);
}

TEST_F(ConfigTest, EmptySectionsAndTopicWithoutSettings) {
  const Config config = Config::parse("broker: memory://\ntopics:\n  a:\n  b: {}\nconsumers:\n");
  EXPECT_EQ(config.topics.size(), 2u);
  EXPECT_EQ(config.topics.at("a").partitions, 1u);
  EXPECT_TRUE(config.consumers.empty());
}

TEST_F(ConfigTest, EnumValues) {
  const Config config = Config::parse(consumer_with(
      "    ordering: none\n    ack: manual\n    start: all\n    retry: {mode: redeliver}\n"
      "    poll_timeout: 50ms\n    dead_letter: {enabled: off}\n"
      "producers:\n  p: {topic: t, when_full: fail}\n"));
  const unimq::ConsumerOptions& o = config.consumers.at("c").options;
  EXPECT_EQ(o.ordering, unimq::Ordering::none);
  EXPECT_EQ(o.ack, unimq::AckMode::manual);
  EXPECT_EQ(o.start, unimq::StartPosition::earliest);
  EXPECT_EQ(o.retry.mode, unimq::RetryMode::redeliver);
  EXPECT_EQ(o.poll_timeout, 50ms);
  EXPECT_FALSE(o.dead_letter.enabled);
  EXPECT_EQ(config.producers.at("p").options.when_full, unimq::WhenFull::fail);
}

TEST_F(ConfigTest, BadEnumListsAllowedValues) {
  struct Case {
    const char* line;
    const char* path;
    const char* allowed;
  };
  for (const Case& c :
       {Case{"    ordering: random\n", "consumers.c.ordering", "none|per_key"},
        Case{"    ack: later\n", "consumers.c.ack", "auto|manual"},
        Case{"    start: oldest\n", "consumers.c.start", "new|all"},
        Case{"    retry: {mode: broker}\n", "consumers.c.retry.mode", "in_process|redeliver"}}) {
    const std::string error = config_error(consumer_with(c.line));
    EXPECT_TRUE(contains(error, std::string(c.path) + ": '")) << error;
    EXPECT_TRUE(contains(error, c.allowed)) << error;
  }
  const std::string error =
      config_error("broker: memory://\nproducers:\n  p: {topic: t, when_full: drop}\n");
  EXPECT_TRUE(contains(error, "producers.p.when_full: 'drop' is not valid")) << error;
  EXPECT_TRUE(contains(error, "block|fail")) << error;
}

TEST_F(ConfigTest, UnknownKeyNamesFullPathAndAllowedKeys) {
  const std::string error = config_error(
      "broker: memory://\nconsumers:\n  email-service:\n    topic: t\n    retyr: {}\n");
  EXPECT_TRUE(contains(error, "consumers.email-service.retyr: unknown key 'retyr'")) << error;
  EXPECT_TRUE(contains(error, "did you mean 'retry'")) << error;
  EXPECT_TRUE(contains(error, "topic, group, concurrency")) << error;
  EXPECT_TRUE(contains(error, "test.yaml:5:5: ")) << error;

  EXPECT_TRUE(contains(config_error("broker: memory://\nbrokers: x\n"), "brokers: unknown key"));
  EXPECT_TRUE(contains(config_error(consumer_with("    retry: {jiter: 0.1}\n")),
                       "consumers.c.retry.jiter: unknown key"));
  EXPECT_TRUE(contains(config_error(consumer_with("    dead_letter: {queue: q}\n")),
                       "consumers.c.dead_letter.queue: unknown key"));
  EXPECT_TRUE(contains(config_error(consumer_with("    rate_limit: {rate: 1}\n")),
                       "consumers.c.rate_limit.rate: unknown key"));
  EXPECT_TRUE(contains(config_error("broker: memory://\ntopics: {o: {partition: 1}}\n"),
                       "topics.o.partition: unknown key"));
  EXPECT_TRUE(contains(config_error("broker: memory://\nproducers: {p: {topic: t, acks: 1}}\n"),
                       "producers.p.acks: unknown key"));
}

TEST_F(ConfigTest, DuplicateKeyIsAnError) {
  EXPECT_TRUE(contains(config_error(consumer_with("    group: a\n    group: b\n")),
                       "consumers.c.group: key given twice"));
  EXPECT_TRUE(contains(config_error("broker: a://h\nbroker: b://h\n"), "broker: key given twice"));
}

TEST_F(ConfigTest, WrongTypesNameKeyValueAndExpectation) {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const Case cases[] = {
      {consumer_with("    concurrency: four\n"),
       "consumers.c.concurrency: 'four' is not an integer in 0..4294967295"},
      {consumer_with("    concurrency: -1\n"), "consumers.c.concurrency: '-1' is not an integer"},
      {consumer_with("    concurrency: 2.5\n"), "consumers.c.concurrency: '2.5' is not an integer"},
      {consumer_with("    concurrency: 4294967296\n"), "'4294967296' is not an integer"},
      {consumer_with("    concurrency:\n"),
       "consumers.c.concurrency: expected an integer in 0..4294967295, got nothing"},
      {consumer_with("    group: {a: 1}\n"), "consumers.c.group: expected a string, got a mapping"},
      {"broker: memory://\nconsumers: {c: {topic: [a, b]}}\n",
       "consumers.c.topic: expected a string, got a sequence"},
      {consumer_with("    retry: {multiplier: fast}\n"),
       "consumers.c.retry.multiplier: 'fast' is not a number"},
      {consumer_with("    retry: {jitter: nan}\n"), "consumers.c.retry.jitter: 'nan' is not"},
      {consumer_with("    retry: 3\n"), "consumers.c.retry: expected a mapping of retry settings"},
      {consumer_with("    dead_letter: {enabled: maybe}\n"),
       "consumers.c.dead_letter.enabled: 'maybe' is not a boolean"},
      {consumer_with("    rate_limit: {burst: lots}\n"), "consumers.c.rate_limit.burst: 'lots'"},
      {"broker: memory://\ntopics: {o: {partitions: 0}}\n",
       "topics.o.partitions: '0' is not an integer in 1..2147483647"},
      {"broker: memory://\ntopics: {o: {replication: 40000}}\n",
       "topics.o.replication: '40000' is not an integer in 1..32767"},
      {"broker: memory://\nconsumers: [a, b]\n",
       "consumers: expected a mapping of names to settings, got a sequence"},
      {"broker: memory://\nconsumers: {c: email}\n", "consumers.c: expected a mapping"},
      {"broker: {host: x}\n", "broker: expected a broker URL, got a mapping"},
      {"- a\n- b\n", "expected a mapping with key 'broker', got a sequence"},
      {"just text\n", "expected a mapping with key 'broker', got 'just text'"},
      {"broker: memory://\n[a]: 1\n", "expected a string key, got a sequence"},
  };
  for (const Case& c : cases) {
    const std::string error = config_error(c.yaml);
    EXPECT_TRUE(contains(error, c.expected)) << "expected: " << c.expected << "\nactual: " << error;
    EXPECT_TRUE(error.starts_with("test.yaml:")) << error;
  }
}

TEST_F(ConfigTest, BadDurationsNameKey) {
  EXPECT_TRUE(
      contains(config_error("broker: memory://\nproducers: {p: {topic: t, publish_timeout: 30}}\n"),
               "producers.p.publish_timeout: duration '30' has no unit"));
  EXPECT_TRUE(contains(config_error(consumer_with("    retry: {max_backoff: -5s}\n")),
                       "consumers.c.retry.max_backoff: duration '-5s' is negative"));
  EXPECT_TRUE(contains(config_error(consumer_with("    poll_timeout: 1d\n")),
                       "consumers.c.poll_timeout: duration '1d' has unknown unit 'd'"));
}

TEST_F(ConfigTest, MissingOrEmptyTopic) {
  EXPECT_TRUE(contains(config_error("broker: memory://\nconsumers:\n  c: {group: g}\n"),
                       "consumers.c.topic: missing"));
  EXPECT_TRUE(contains(config_error("broker: memory://\nconsumers:\n  c:\n"),
                       "consumers.c.topic: missing"));
  EXPECT_TRUE(contains(config_error("broker: memory://\nproducers:\n  p: {batch_size: 1}\n"),
                       "producers.p.topic: missing"));
  EXPECT_TRUE(contains(config_error("broker: memory://\nproducers:\n  p: {topic: ''}\n"),
                       "producers.p.topic: '' is empty"));
}

TEST_F(ConfigTest, ValidateErrorsArePrefixedWithKeyPath) {
  const std::string concurrency = config_error(consumer_with("    concurrency: 0\n"));
  EXPECT_TRUE(contains(concurrency, "consumers.c.concurrency = 0: expected")) << concurrency;
  const std::string jitter = config_error(consumer_with("    retry: {jitter: 1.5}\n"));
  EXPECT_TRUE(contains(jitter, "consumers.c.retry.jitter = 1.5: expected")) << jitter;
  const std::string batch =
      config_error("broker: memory://\nproducers: {p: {topic: t, batch_size: 0}}\n");
  EXPECT_TRUE(contains(batch, "producers.p.batch_size = 0: expected")) << batch;
}

TEST_F(ConfigTest, SyntaxErrorNamesSourceAndLine) {
  const std::string error =
      config_error("broker: memory://\nconsumers:\n  c: {topic: t\n  d: {topic: u}\n");
  EXPECT_TRUE(contains(error, "YAML syntax error")) << error;
  EXPECT_TRUE(error.starts_with("test.yaml:4:")) << error;
  const std::string tab = config_error("broker: memory://\nconsumers:\n\tc: {topic: t}\n");
  EXPECT_TRUE(tab.starts_with("test.yaml:3:")) << tab;
}

TEST_F(ConfigTest, MultipleDocumentsAreAnError) {
  EXPECT_TRUE(contains(config_error("broker: a://h\n---\nbroker: b://h\n"),
                       "2 YAML documents, expected exactly one"));
}

// yaml-cpp 0.7 never finished loading a stray ',' (jbeder/yaml-cpp#1040): it reported a new
// empty document forever and allocated until the process died. Found by tests/fuzz/fuzz_config.
// Each parse runs in a child process that may grow by only 512 MB and live 10 s, so a regression
// fails this test instead of exhausting the machine.
TEST_F(ConfigTest, StrayCommaIsASyntaxErrorNotAnEndlessLoop) {
  for (const char* yaml : {",", ", broker: memory://", "broker: memory://\n---\n,"}) {
    EXPECT_EXIT(
        {
          limit_growth(512 << 20);
          ::alarm(10);
          try {
            Config::parse(yaml, "test.yaml");
          } catch (const ConfigError& e) {
            std::_Exit(contains(e.what(), "test.yaml:") ? 0 : 2);
          }
          std::_Exit(1);
        },
        ::testing::ExitedWithCode(0), "")
        << yaml;
  }
}

// ---------------------------------------------------------------------------------------------
// Environment expansion and the UNIMQ_URL override

TEST_F(ConfigTest, ValuesAreExpandedAfterParsing) {
  ScopedEnv group("UNIMQ_TEST_GROUP", "billing");
  // Text from the environment is never parsed as YAML.
  ScopedEnv injection("UNIMQ_TEST_INJECT", "x\n    concurrency: 99");
  ScopedEnv count("UNIMQ_TEST_COUNT", "8");
  const Config config = Config::parse(
      consumer_with("    group: ${UNIMQ_TEST_GROUP}-$${literal}\n"
                    "    dead_letter: {topic: '${UNIMQ_TEST_INJECT}'}\n"
                    "    concurrency: ${UNIMQ_TEST_COUNT}\n"
                    "    retry: {initial_backoff: '${UNIMQ_TEST_UNSET_DURATION:-150ms}'}\n"));
  const unimq::ConsumerOptions& o = config.consumers.at("c").options;
  EXPECT_EQ(o.group, "billing-${literal}");
  EXPECT_EQ(o.dead_letter.topic, "x\n    concurrency: 99");
  EXPECT_EQ(o.concurrency, 8u);
  EXPECT_EQ(o.retry.initial_backoff, 150ms);
}

TEST_F(ConfigTest, KeysAreNotExpanded) {
  ScopedEnv name("UNIMQ_TEST_NAME", "consumers");
  EXPECT_TRUE(contains(config_error("broker: memory://\n${UNIMQ_TEST_NAME}: {}\n"),
                       "${UNIMQ_TEST_NAME}: unknown key"));
  const Config config =
      Config::parse("broker: memory://\nconsumers:\n  ${UNIMQ_TEST_NAME}: {topic: t}\n");
  EXPECT_EQ(config.consumers.count("${UNIMQ_TEST_NAME}"), 1u);
}

TEST_F(ConfigTest, UnsetVariableNamesVariableAndKeyPath) {
  ScopedEnv unset("UNIMQ_TEST_UNSET", nullptr);
  const std::string error = config_error(consumer_with("    group: ${UNIMQ_TEST_UNSET}\n"));
  EXPECT_TRUE(contains(error, "consumers.c.group: ")) << error;
  EXPECT_TRUE(contains(error, "'UNIMQ_TEST_UNSET' is not set")) << error;
  EXPECT_TRUE(error.starts_with("test.yaml:5:")) << error;
  EXPECT_TRUE(contains(config_error(consumer_with("    group: ${oops\n")), "consumers.c.group: "));
}

TEST_F(ConfigTest, UnimqUrlOverridesBroker) {
  ScopedEnv url("UNIMQ_URL", "redis://override:6379");
  EXPECT_EQ(Config::parse("broker: kafka://file:9092\n").broker, "redis://override:6379");
  EXPECT_EQ(Config::parse(kFullExample).broker, "redis://override:6379");
  // With the override the file needs no broker, nor the variables its broker uses.
  EXPECT_EQ(Config::parse("consumers: {c: {topic: t}}\n").broker, "redis://override:6379");
  EXPECT_EQ(Config::parse("broker: ${UNIMQ_TEST_UNSET}\n").broker, "redis://override:6379");
}

TEST_F(ConfigTest, EmptyUnimqUrlDoesNotOverride) {
  ScopedEnv url("UNIMQ_URL", "");
  EXPECT_EQ(Config::parse("broker: kafka://file:9092\n").broker, "kafka://file:9092");
  EXPECT_EQ(Config::parse(kFullExample).broker, "kafka://localhost:9092");
}

TEST_F(ConfigTest, BrokerIsRequired) {
  for (const char* yaml : {"", "consumers: {c: {topic: t}}\n", "broker:\n", "broker: ''\n",
                           "broker: ${UNIMQ_TEST_UNSET:-}\n"}) {
    const std::string error = config_error(yaml);
    EXPECT_TRUE(contains(error, "broker: missing")) << error;
    EXPECT_TRUE(contains(error, "UNIMQ_URL")) << error;
  }
}

TEST_F(ConfigTest, OddInputNeverCrashes) {
  for (const char* yaml :
       {"[", "{", "]", "*a", "&a [*a, *a]", "broker: &b memory://\nconsumers: {c: {topic: *b}}",
        "broker: !!binary aGVsbG8=", "? [a]\n: 1", "broker: memory://\n? {a: 1}\n: 2", "\t",
        "%YAML 1.2\n---\nbroker: x://h", "broker: \"\\xZZ\"", "broker: x://h\n...\n...",
        "\xff\xfe\x00", "broker: memory://\nconsumers: {~: {topic: t}}",
        "broker: memory://\ntopics: {'': {}}", "!!map {broker: x://h}", "&x {a: *x}"}) {
    try {
      Config::parse(yaml, "odd.yaml");
    } catch (const ConfigError& e) {
      EXPECT_TRUE(std::string(e.what()).starts_with("odd.yaml")) << e.what();
    }
  }
  std::string deep(10000, '[');
  EXPECT_THROW(Config::parse(deep), ConfigError);
}

// ---------------------------------------------------------------------------------------------
// Config::load_file

class ConfigFileTest : public ConfigTest {
 protected:
  std::filesystem::path write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = std::filesystem::path(::testing::TempDir()) / name;
    std::ofstream(path) << text;
    files_.push_back(path);
    return path;
  }
  ~ConfigFileTest() override {
    for (const auto& path : files_) std::filesystem::remove(path);
  }

 private:
  std::vector<std::filesystem::path> files_;
};

TEST_F(ConfigFileTest, LoadsFile) {
  const auto path =
      write("unimq_config_ok.yaml", "broker: nats://h:4222\nconsumers: {c: {topic: t}}\n");
  const Config config = Config::load_file(path);
  EXPECT_EQ(config.broker, "nats://h:4222");
  EXPECT_EQ(config.consumers.at("c").topic, "t");
}

TEST_F(ConfigFileTest, ErrorsNameTheFile) {
  const auto path =
      write("unimq_config_bad.yaml", "broker: x://h\nconsumers: {c: {topic: t, x: 1}}\n");
  try {
    Config::load_file(path);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with(path.string() + ":2:")) << e.what();
    EXPECT_TRUE(contains(e.what(), "consumers.c.x: unknown key")) << e.what();
  }
}

TEST_F(ConfigFileTest, MissingFileNamesPath) {
  const std::filesystem::path path = "/nonexistent/dir/unimq.yaml";
  try {
    Config::load_file(path);
    FAIL() << "no ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "config file '/nonexistent/dir/unimq.yaml'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "No such file or directory")) << e.what();
  }
  EXPECT_THROW(Config::load_file(::testing::TempDir()), ConfigError);
}

}  // namespace
