// The YAML client configuration (DESIGN.md §5): schema checking, `${VAR}` expansion, durations.
// Every error names the key path, the value and what was expected; no input may crash.
#include "unimq/config.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <system_error>
#include <utility>
#include <vector>

#include "unimq/error.hpp"

namespace unimq {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return lower(x) == lower(y); });
}

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string join(std::initializer_list<std::string_view> words, std::string_view sep) {
  std::string out;
  for (const std::string_view w : words)
    out += (out.empty() ? "" : std::string(sep)) + std::string(w);
  return out;
}

// Levenshtein distance, for "did you mean" hints on misspelt keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a sequence";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

using Entries = std::vector<std::pair<std::string, YAML::Node>>;

// Walks the parsed document. Keys are taken verbatim; every scalar value goes through
// expand_env() as it is read, so text coming from the environment is never parsed as YAML.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Config read(const YAML::Node& root) {
    Config config;
    YAML::Node broker;
    for (const auto& [key, value] :
         entries(root, "", {"broker", "topics", "producers", "consumers", "metrics"},
                 "a mapping with key 'broker'")) {
      if (key == "broker") {
        broker = value;
      } else if (key == "topics") {
        for (auto& [name, node] : named(value, key))
          config.topics[name] = topic(node, join_path(key, name));
      } else if (key == "producers") {
        for (auto& [name, node] : named(value, key)) {
          config.producers[name] = producer(node, join_path(key, name));
        }
      } else if (key == "metrics") {
        config.metrics = metrics(value, key);
      } else {
        for (auto& [name, node] : named(value, key)) {
          config.consumers[name] = consumer(node, join_path(key, name));
        }
      }
    }
    // The override makes the file's value irrelevant, so its variables need not be set.
    const char* override_url = std::getenv("UNIMQ_URL");
    if (override_url != nullptr && *override_url != '\0') {
      if (!broker.IsScalar() && !broker.IsNull()) {
        fail(broker, "broker", "expected a broker URL, got " + describe(broker));
      }
      config.broker = override_url;
    } else if (broker.IsDefined() && !broker.IsNull()) {
      config.broker = text(broker, "broker", "a broker URL");
    }
    if (config.broker.empty()) {
      fail(broker.IsDefined() ? broker : root, "broker",
           "missing, expected a broker URL such as kafka://localhost:9092 (or set UNIMQ_URL)");
    }
    return config;
  }

 private:
  // metrics: { prometheus: { listen: "host:port" } }
  MetricsConfig metrics(const YAML::Node& node, const std::string& path) const {
    MetricsConfig out;
    for (const auto& [key, value] : entries(node, path, {"prometheus"}, "a mapping")) {
      const std::string sub = join_path(path, key);
      for (const auto& [k, v] : entries(value, sub, {"listen"}, "a mapping with key 'listen'")) {
        out.prometheus_listen = text(v, join_path(sub, k), "an address such as 127.0.0.1:9464");
        if (out.prometheus_listen.find(':') == std::string::npos) {
          fail(v, join_path(sub, k),
               "expected host:port such as 127.0.0.1:9464, got '" + out.prometheus_listen + "'");
        }
      }
    }
    return out;
  }

  // "source:line:column: " of `node`, or "source: " when it has no position.
  std::string where(const YAML::Node& node) const {
    const YAML::Mark mark = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    if (mark.is_null()) return source_ + ": ";
    return source_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
           ": ";
  }

  [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                         const std::string& problem) const {
    throw ConfigError(where(node) + (path.empty() ? "" : path + ": ") + problem);
  }

  // The entries of a mapping with a fixed set of keys; null counts as an empty mapping.
  Entries entries(const YAML::Node& node, const std::string& path,
                  std::initializer_list<std::string_view> allowed,
                  std::string_view expected) const {
    if (node.IsNull()) return {};
    if (!node.IsMap())
      fail(node, path, "expected " + std::string(expected) + ", got " + describe(node));
    Entries out;
    for (const auto& entry : node) {
      const std::string key = key_of(entry.first, path);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        unknown_key(entry.first, path, key, allowed);
      add_unique(out, key, entry.first, entry.second, path);
    }
    return out;
  }

  [[noreturn]] void unknown_key(const YAML::Node& key_node, const std::string& path,
                                const std::string& key,
                                std::initializer_list<std::string_view> allowed) const {
    std::string hint;
    for (const std::string_view candidate : allowed) {
      if (edit_distance(key, candidate) <= 2 && key.size() > 2) {
        hint = " (did you mean '" + std::string(candidate) + "'?)";
        break;
      }
    }
    fail(key_node, join_path(path, key),
         "unknown key '" + key + "'" + hint + ", expected one of: " + join(allowed, ", "));
  }

  // The entries of a mapping from user-chosen names (topics, producers, consumers) to settings.
  Entries named(const YAML::Node& node, const std::string& path) const {
    if (node.IsNull()) return {};
    if (!node.IsMap())
      fail(node, path, "expected a mapping of names to settings, got " + describe(node));
    Entries out;
    for (const auto& entry : node) {
      const std::string key = key_of(entry.first, path);
      if (key.empty()) fail(entry.first, path, "empty name, expected a non-empty name");
      add_unique(out, key, entry.first, entry.second, path);
    }
    return out;
  }

  std::string key_of(const YAML::Node& key, const std::string& path) const {
    if (!key.IsScalar()) fail(key, path, "expected a string key, got " + describe(key));
    return key.Scalar();
  }

  // yaml-cpp keeps duplicate keys; the second one would silently lose, so reject it.
  void add_unique(Entries& out, const std::string& key, const YAML::Node& key_node,
                  const YAML::Node& value, const std::string& path) const {
    for (const auto& existing : out) {
      if (existing.first == key) fail(key_node, join_path(path, key), "key given twice");
    }
    out.emplace_back(key, value);
  }

  // The expanded text of a scalar value.
  std::string text(const YAML::Node& node, const std::string& path,
                   const std::string& expected) const {
    if (!node.IsScalar()) fail(node, path, "expected " + expected + ", got " + describe(node));
    try {
      return expand_env(node.Scalar(), path);
    } catch (const ConfigError& e) {
      throw ConfigError(where(node) + e.what());
    }
  }

  std::string string_value(const YAML::Node& node, const std::string& path) const {
    std::string value = text(node, path, "a string");
    if (value.empty()) fail(node, path, "'' is empty, expected a non-empty string");
    return value;
  }

  std::uint64_t uint_value(const YAML::Node& node, const std::string& path, std::uint64_t min,
                           std::uint64_t max) const {
    const std::string expected =
        "an integer in " + std::to_string(min) + ".." + std::to_string(max);
    const std::string value = text(node, path, expected);
    std::uint64_t result = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, result);
    if (value.empty() || ec != std::errc() || ptr != end || result < min || result > max) {
      fail(node, path, "'" + value + "' is not " + expected);
    }
    return result;
  }

  double number_value(const YAML::Node& node, const std::string& path) const {
    const std::string value = text(node, path, "a number");
    double result = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, result);
    if (value.empty() || ec != std::errc() || ptr != end || !std::isfinite(result)) {
      fail(node, path, "'" + value + "' is not a number, expected a decimal number such as 1.5");
    }
    return result;
  }

  bool bool_value(const YAML::Node& node, const std::string& path) const {
    const std::string value = text(node, path, "a boolean");
    for (const char* yes : {"true", "yes", "on", "1"}) {
      if (iequals(value, yes)) return true;
    }
    for (const char* no : {"false", "no", "off", "0"}) {
      if (iequals(value, no)) return false;
    }
    fail(node, path, "'" + value + "' is not a boolean, expected true|false|yes|no|on|off|1|0");
  }

  std::chrono::milliseconds duration_value(const YAML::Node& node, const std::string& path) const {
    const std::string value = text(node, path, "a duration such as 250ms");
    try {
      return parse_duration(value, path);
    } catch (const ConfigError& e) {
      throw ConfigError(where(node) + e.what());
    }
  }

  template <class E>
  E enum_value(const YAML::Node& node, const std::string& path,
               std::initializer_list<std::pair<std::string_view, E>> choices) const {
    std::string names;
    for (const auto& [name, unused] : choices)
      names += (names.empty() ? "" : "|") + std::string(name);
    const std::string value = text(node, path, "one of " + names);
    for (const auto& [name, result] : choices) {
      if (iequals(value, name)) return result;
    }
    fail(node, path, "'" + value + "' is not valid, expected one of " + names);
  }

  TopicOptions topic(const YAML::Node& node, const std::string& path) const {
    TopicOptions t;
    for (const auto& [key, value] :
         entries(node, path, {"partitions", "replication"}, "a mapping of topic settings")) {
      const std::string p = join_path(path, key);
      if (key == "partitions") {
        t.partitions = static_cast<std::uint32_t>(
            uint_value(value, p, 1, std::numeric_limits<std::int32_t>::max()));
      } else {
        // Kafka's replication factor is a 16-bit signed number.
        t.replication = static_cast<std::uint16_t>(
            uint_value(value, p, 1, std::numeric_limits<std::int16_t>::max()));
      }
    }
    return t;
  }

  RetryPolicy retry(const YAML::Node& node, const std::string& path, RetryPolicy r) const {
    for (const auto& [key, value] :
         entries(node, path,
                 {"max_attempts", "initial_backoff", "multiplier", "max_backoff", "jitter", "mode"},
                 "a mapping of retry settings")) {
      const std::string p = join_path(path, key);
      if (key == "max_attempts") {
        r.max_attempts = static_cast<std::uint32_t>(uint_value(value, p, 0, UINT32_MAX));
      } else if (key == "initial_backoff") {
        r.initial_backoff = duration_value(value, p);
      } else if (key == "multiplier") {
        r.multiplier = number_value(value, p);
      } else if (key == "max_backoff") {
        r.max_backoff = duration_value(value, p);
      } else if (key == "jitter") {
        r.jitter = number_value(value, p);
      } else {
        r.mode = enum_value<RetryMode>(
            value, p, {{"in_process", RetryMode::in_process}, {"redeliver", RetryMode::redeliver}});
      }
    }
    return r;
  }

  // Runs an options validate() and puts the key path in front of its message.
  template <class Options>
  void validate(const Options& options, const YAML::Node& node, const std::string& path) const {
    try {
      options.validate();
    } catch (const ConfigError& e) {
      throw ConfigError(where(node) + path + "." + e.what());
    }
  }

  ProducerConfig producer(const YAML::Node& node, const std::string& path) const {
    ProducerConfig c;
    ProducerOptions& o = c.options;
    for (const auto& [key, value] : entries(node, path,
                                            {"topic", "publish_timeout", "buffer_capacity",
                                             "buffer_bytes", "when_full", "batch_size", "retry"},
                                            "a mapping of producer settings with key 'topic'")) {
      const std::string p = join_path(path, key);
      if (key == "topic") {
        c.topic = string_value(value, p);
      } else if (key == "publish_timeout") {
        o.publish_timeout = duration_value(value, p);
      } else if (key == "buffer_capacity") {
        o.buffer_capacity = static_cast<std::size_t>(uint_value(value, p, 0, SIZE_MAX));
      } else if (key == "buffer_bytes") {
        o.buffer_bytes = static_cast<std::size_t>(uint_value(value, p, 0, SIZE_MAX));
      } else if (key == "when_full") {
        o.when_full =
            enum_value<WhenFull>(value, p, {{"block", WhenFull::block}, {"fail", WhenFull::fail}});
      } else if (key == "batch_size") {
        o.batch_size = static_cast<std::size_t>(uint_value(value, p, 0, SIZE_MAX));
      } else {
        o.retry = retry(value, p, o.retry);
      }
    }
    if (c.topic.empty()) fail(node, path + ".topic", "missing, expected the topic it publishes to");
    validate(o, node, path);
    return c;
  }

  ConsumerConfig consumer(const YAML::Node& node, const std::string& path) const {
    ConsumerConfig c;
    ConsumerOptions& o = c.options;
    for (const auto& [key, value] :
         entries(node, path,
                 {"topic", "group", "concurrency", "ordering", "max_in_flight", "ack", "start",
                  "retry", "dead_letter", "rate_limit", "poll_timeout"},
                 "a mapping of consumer settings with key 'topic'")) {
      const std::string p = join_path(path, key);
      if (key == "topic") {
        c.topic = string_value(value, p);
      } else if (key == "group") {
        o.group = text(value, p, "a string");
      } else if (key == "concurrency") {
        o.concurrency = static_cast<std::uint32_t>(uint_value(value, p, 0, UINT32_MAX));
      } else if (key == "ordering") {
        o.ordering = enum_value<Ordering>(
            value, p, {{"none", Ordering::none}, {"per_key", Ordering::per_key}});
      } else if (key == "max_in_flight") {
        o.max_in_flight = static_cast<std::uint32_t>(uint_value(value, p, 0, UINT32_MAX));
      } else if (key == "ack") {
        o.ack = enum_value<AckMode>(value, p,
                                    {{"auto", AckMode::auto_ack}, {"manual", AckMode::manual}});
      } else if (key == "start") {
        o.start = enum_value<StartPosition>(
            value, p, {{"new", StartPosition::latest}, {"all", StartPosition::earliest}});
      } else if (key == "retry") {
        o.retry = retry(value, p, o.retry);
      } else if (key == "dead_letter") {
        for (const auto& [k, v] :
             entries(value, p, {"enabled", "topic"}, "a mapping of dead-letter settings")) {
          if (k == "enabled") {
            o.dead_letter.enabled = bool_value(v, join_path(p, k));
          } else {
            o.dead_letter.topic = text(v, join_path(p, k), "a string");
          }
        }
      } else if (key == "rate_limit") {
        for (const auto& [k, v] :
             entries(value, p, {"per_second", "burst"}, "a mapping of rate-limit settings")) {
          if (k == "per_second") {
            o.rate_limit.per_second = number_value(v, join_path(p, k));
          } else {
            o.rate_limit.burst =
                static_cast<std::uint32_t>(uint_value(v, join_path(p, k), 0, UINT32_MAX));
          }
        }
      } else {
        o.poll_timeout = duration_value(value, p);
      }
    }
    if (c.topic.empty()) fail(node, path + ".topic", "missing, expected the topic it reads");
    validate(o, node, path);
    return c;
  }

  std::string source_;
};

// Counts the documents of a YAML stream without building them. yaml-cpp 0.7 (Debian 12) never
// ends LoadAll on some invalid streams such as ",": its parser reports one more empty document
// at the same position forever, and LoadAll allocates until the process dies (jbeder/yaml-cpp
// #1040, fixed upstream by #1319). A document starting where the previous one started is that
// loop, so it is reported as a syntax error instead.
class DocumentCounter final : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    stuck_ = count_ > 0 && mark.pos == last_.pos;
    last_ = mark;
    ++count_;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::size_t count() const noexcept { return count_; }
  bool stuck() const noexcept { return stuck_; }
  const YAML::Mark& last() const noexcept { return last_; }

 private:
  std::size_t count_ = 0;
  bool stuck_ = false;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

std::size_t count_documents(const std::string& yaml, const std::string& name) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  DocumentCounter counter;
  while (parser.HandleNextDocument(counter)) {
    if (counter.stuck()) {
      throw ConfigError(name + ":" + std::to_string(counter.last().line + 1) + ":" +
                        std::to_string(counter.last().column + 1) +
                        ": YAML syntax error: text the parser cannot read, such as a stray ','");
    }
  }
  return counter.count();
}

}  // namespace

std::string expand_env(std::string_view text, std::string_view key) {
  const std::string where = key.empty() ? std::string() : std::string(key) + ": ";
  const std::string expected = ", expected ${VAR} or ${VAR:-default} ($${ is a literal ${)";
  // Error messages are built here, outside the loop, and only when one is thrown.
  const auto bad_reference = [&](std::string_view subject, std::size_t offset,
                                 std::string_view problem) {
    return ConfigError(where + std::string(subject) + " at offset " + std::to_string(offset) +
                       std::string(problem));
  };
  const auto unset = [&](const std::string& name) {
    return ConfigError(where + "environment variable '" + name +
                       "' is not set, expected it set or a default: ${" + name + ":-default}");
  };
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      out += text[i++];
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos)
      throw bad_reference("'${'", i, " is not closed by '}'" + expected);
    const std::string_view ref = text.substr(i + 2, close - i - 2);
    const std::size_t dflt = ref.find(":-");
    const std::string name(ref.substr(0, dflt));
    // The default is never echoed: it may be a credential.
    if (name.empty()) throw bad_reference("'${'", i, " has an empty variable name" + expected);
    if (is_digit(name[0]) || !std::all_of(name.begin(), name.end(), is_name_char)) {
      throw bad_reference("'" + name + "'", i,
                          " is not a valid variable name, expected letters, digits and '_'");
    }
    const char* value = std::getenv(name.c_str());
    if (dflt != std::string_view::npos) {
      // As in the shell, `:-` also applies when the variable is set but empty.
      out += (value != nullptr && *value != '\0') ? std::string_view(value) : ref.substr(dflt + 2);
    } else if (value == nullptr) {
      throw unset(name);
    } else {
      out += value;
    }
    i = close + 1;
  }
  return out;
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view key) {
  const auto error = [&](const std::string& problem) {
    return ConfigError((key.empty() ? "" : std::string(key) + ": ") + "duration '" +
                       std::string(text) + "' " + problem +
                       ", expected a non-negative number with unit us|ms|s|m|h such as 500us, "
                       "250ms, 1.5s, 2m, 1h");
  };
  if (text.starts_with('-')) throw error("is negative");
  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  if (i == 0) throw error("does not start with a number");
  const std::string_view whole = text.substr(0, i);
  std::string_view fraction;
  if (i < text.size() && text[i] == '.') {
    std::size_t j = i + 1;
    while (j < text.size() && is_digit(text[j])) ++j;
    fraction = text.substr(i + 1, j - i - 1);
    if (fraction.empty()) throw error("has no digits after '.'");
    i = j;
  }
  const std::string_view unit = text.substr(i);
  if (unit.empty()) throw error("has no unit");
  std::uint64_t unit_us = 0;
  if (unit == "us") {
    unit_us = 1;
  } else if (unit == "ms") {
    unit_us = 1'000;
  } else if (unit == "s") {
    unit_us = 1'000'000;
  } else if (unit == "m") {
    unit_us = 60'000'000;
  } else if (unit == "h") {
    unit_us = 3'600'000'000;
  } else {
    throw error("has unknown unit '" + std::string(unit) + "'");
  }

  // Integer arithmetic in microseconds: exact, and the fraction is rounded up so that any
  // positive duration stays positive.
  constexpr std::uint64_t kMax = std::numeric_limits<std::int64_t>::max() / 2;
  std::uint64_t count = 0;
  const auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), count);
  if (ec != std::errc() || ptr != whole.data() + whole.size() || count > kMax / unit_us) {
    throw error("is too large");
  }
  std::uint64_t micros = count * unit_us;
  if (!fraction.empty()) {
    // Nine digits keep unit_us * numerator below 2^64; later non-zero digits round up.
    const std::string_view head = fraction.substr(0, 9);
    std::uint64_t numerator = 0;
    std::uint64_t scale = 1;
    for (const char c : head) {
      numerator = numerator * 10 + static_cast<std::uint64_t>(c - '0');
      scale *= 10;
    }
    if (fraction.find_first_not_of('0', head.size()) != std::string_view::npos) ++numerator;
    micros += (unit_us * numerator + scale - 1) / scale;
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>((micros + 999) / 1000));
}

Config Config::parse(std::string_view yaml, std::string_view source) {
  const std::string name(source);
  const std::string text(yaml);
  std::size_t documents = 0;
  YAML::Node document;
  try {
    // Counted first instead of YAML::LoadAll, which never returns on some invalid input.
    documents = count_documents(text, name);
    if (documents == 1) document = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(name + ": cannot parse YAML: " + e.what());
  }
  if (documents > 1) {
    throw ConfigError(name + ": " + std::to_string(documents) +
                      " YAML documents, expected exactly one");
  }
  try {
    return Reader(source).read(document);
  } catch (const YAML::Exception& e) {
    // Not expected (values are read as text), but a library surprise must not escape as such.
    throw ConfigError(name + ": cannot read YAML: " + e.what());
  }
}

Config Config::load_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError("config file '" + name + "' is a directory, expected a YAML file");
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string reason =
        err != 0 ? std::generic_category().message(err) : std::string("cannot be opened");
    throw ConfigError("config file '" + name + "' cannot be read (" + reason +
                      "), expected a readable YAML file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigError("config file '" + name + "' cannot be read, expected a readable YAML file");
  }
  return parse(text.str(), name);
}

}  // namespace unimq
