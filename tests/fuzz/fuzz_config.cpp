// Fuzzes the YAML configuration: Config::parse on the input as a document, and expand_env and
// parse_duration on the input as a value. Config files and the environment are outside input;
// only ConfigError may leave these functions, and what they accept must make sense.
#include <stdlib.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "unimq/config.hpp"
#include "unimq/error.hpp"

namespace {

// A seed containing this comment runs with UNIMQ_URL set, so both ways of choosing the broker
// (the file's `broker` and the override) are explored without a prefix byte on every seed.
constexpr std::string_view kOverrideMarker = "#unimq-url-override";
constexpr const char* kOverrideUrl = "memory://override";

[[noreturn]] void mismatch(const char* what) {
  std::fprintf(stderr, "fuzz_config: %s\n", what);
  std::abort();
}

// A parsed policy passed validate(); every backoff it yields must then be a sane wait.
void check_retry(const unimq::RetryPolicy& retry) {
  retry.validate();
  for (const std::uint32_t attempt : {0U, 1U, 2U, 64U, std::numeric_limits<std::uint32_t>::max()}) {
    for (const double random01 : {0.0, 0.5, 1.0}) {
      const auto wait = retry.backoff(attempt, random01);
      if (wait.count() < 0 || wait > 2 * retry.max_backoff + std::chrono::milliseconds(1)) {
        mismatch("backoff outside [0, 2 * max_backoff]");
      }
    }
  }
}

void check_config(const std::string& yaml, bool override_set) {
  unimq::Config config;
  try {
    config = unimq::Config::parse(yaml, "fuzz.yaml");
  } catch (const unimq::ConfigError&) {
    return;
  }
  if (config.broker.empty()) mismatch("parsed a config without a broker");
  if (override_set && config.broker != kOverrideUrl) mismatch("UNIMQ_URL did not override");
  for (const auto& [name, producer] : config.producers) {
    if (name.empty() || producer.topic.empty()) mismatch("producer without name or topic");
    producer.options.validate();
    check_retry(producer.options.retry);
  }
  for (const auto& [name, consumer] : config.consumers) {
    if (name.empty() || consumer.topic.empty()) mismatch("consumer without name or topic");
    consumer.options.validate();
    check_retry(consumer.options.retry);
  }
}

void check_expand_env(std::string_view text) {
  try {
    const std::string out = unimq::expand_env(text, "fuzz.key");
    // Without a '$' there is nothing to expand.
    if (text.find('$') == std::string_view::npos && out != text) {
      mismatch("expand_env changed text without '$'");
    }
  } catch (const unimq::ConfigError&) {
  }
}

// Checks an accepted duration against a long double computation of the documented rounding (the
// fraction rounds up to whole microseconds, then the total up to whole milliseconds).
void check_parse_duration(std::string_view text) {
  std::chrono::milliseconds got{};
  try {
    got = unimq::parse_duration(text, "fuzz.key");
  } catch (const unimq::ConfigError&) {
    return;
  }
  const std::size_t unit_at = text.find_first_not_of("0123456789.");
  const std::string number(text.substr(0, unit_at));
  const std::string_view unit = text.substr(unit_at);
  const long double unit_us = unit == "us"   ? 1.0L
                              : unit == "ms" ? 1e3L
                              : unit == "s"  ? 1e6L
                              : unit == "m"  ? 6e7L
                                             : 3.6e9L;
  const long double expected =
      std::ceil(std::ceil(std::strtold(number.c_str(), nullptr) * unit_us) / 1e3L);
  const auto count = static_cast<long double>(got.count());
  if (got.count() < 0 || std::fabs(count - expected) > 1.0L + expected * 1e-15L) {
    mismatch("parse_duration disagrees with the reference");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Variables the seeds refer to, including an empty one (for `:-`) and one whose value looks
  // like YAML and like a reference, which must be inserted as plain text.
  ::setenv("UNIMQ_FUZZ_URL", "kafka://localhost:9092", 1);
  ::setenv("UNIMQ_FUZZ_TOPIC", "orders", 1);
  ::setenv("UNIMQ_FUZZ_NUMBER", "42", 1);
  ::setenv("UNIMQ_FUZZ_DURATION", "250ms", 1);
  ::setenv("UNIMQ_FUZZ_EMPTY", "", 1);
  ::setenv("UNIMQ_FUZZ_TRICKY", "{a: [b, *c]}\n- ${UNIMQ_FUZZ_URL} $${x}", 1);
  ::unsetenv("UNIMQ_URL");
  ::unsetenv("UNIMQ_FUZZ_UNSET");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const bool override_set = text.find(kOverrideMarker) != std::string::npos;
  if (override_set) {
    ::setenv("UNIMQ_URL", kOverrideUrl, 1);
  } else {
    ::unsetenv("UNIMQ_URL");
  }
  check_config(text, override_set);
  check_expand_env(text);
  check_parse_duration(text);
  return 0;
}
