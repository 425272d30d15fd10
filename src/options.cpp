// Validation and names of consumer and producer options.
#include <cmath>
#include <string>

#include "internal/number_text.hpp"
#include "unimq/consumer_options.hpp"
#include "unimq/error.hpp"
#include "unimq/producer_options.hpp"

namespace unimq {

namespace {
[[noreturn]] void invalid(const std::string& field, const std::string& value,
                          const char* expected) {
  throw ConfigError(field + " = " + value + ": expected " + expected);
}
}  // namespace

void ConsumerOptions::validate() const {
  if (concurrency < 1 || concurrency > 1024) {
    invalid("concurrency", std::to_string(concurrency), "an integer in 1..1024");
  }
  if (max_in_flight < 1) invalid("max_in_flight", std::to_string(max_in_flight), "at least 1");
  if (!(rate_limit.per_second >= 0) || !std::isfinite(rate_limit.per_second)) {
    invalid("rate_limit.per_second", detail::number_text(rate_limit.per_second), "a number >= 0");
  }
  if (poll_timeout.count() < 1) {
    invalid("poll_timeout", std::to_string(poll_timeout.count()) + "ms", "at least 1ms");
  }
  retry.validate();
}

void ProducerOptions::validate() const {
  if (buffer_capacity < 1) {
    invalid("buffer_capacity", std::to_string(buffer_capacity), "at least 1");
  }
  if (buffer_bytes < 1) invalid("buffer_bytes", std::to_string(buffer_bytes), "at least 1");
  if (batch_size < 1) invalid("batch_size", std::to_string(batch_size), "at least 1");
  if (publish_timeout.count() < 1) {
    invalid("publish_timeout", std::to_string(publish_timeout.count()) + "ms", "at least 1ms");
  }
  retry.validate();
}

const char* to_string(Ordering o) noexcept {
  return o == Ordering::per_key ? "per_key" : "none";
}
const char* to_string(AckMode a) noexcept {
  return a == AckMode::manual ? "manual" : "auto";
}
const char* to_string(StartPosition s) noexcept {
  return s == StartPosition::earliest ? "all" : "new";
}

}  // namespace unimq
