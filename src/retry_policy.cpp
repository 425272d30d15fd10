// Exponential backoff with jitter.
#include "unimq/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "internal/number_text.hpp"
#include "unimq/error.hpp"

namespace unimq {

std::chrono::milliseconds RetryPolicy::base_backoff(std::uint32_t attempt) const noexcept {
  if (attempt == 0) attempt = 1;
  const double initial = static_cast<double>(initial_backoff.count());
  const double cap = static_cast<double>(max_backoff.count());
  // Clamp the exponent so pow() never overflows to inf for large attempt numbers.
  const double factor =
      std::pow(std::max(multiplier, 1.0), std::min<std::uint32_t>(attempt - 1, 64));
  const double wait = std::min(initial * factor, cap);
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::max(wait, 0.0))};
}

std::chrono::milliseconds RetryPolicy::backoff(std::uint32_t attempt,
                                               double random01) const noexcept {
  const double base = static_cast<double>(base_backoff(attempt).count());
  const double j = std::clamp(jitter, 0.0, 1.0);
  const double r = std::clamp(random01, 0.0, 1.0);
  const double wait = base * (1.0 - j + 2.0 * j * r);
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(wait))};
}

std::chrono::milliseconds RetryPolicy::backoff(std::uint32_t attempt) const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  return backoff(attempt, uniform(rng));
}

void RetryPolicy::validate() const {
  auto fail = [](const std::string& field, const std::string& value, const char* expected) {
    throw ConfigError("retry." + field + " = " + value + ": expected " + expected);
  };
  if (max_attempts < 1) fail("max_attempts", std::to_string(max_attempts), "at least 1");
  if (initial_backoff.count() < 0) {
    fail("initial_backoff", std::to_string(initial_backoff.count()) + "ms", "a duration >= 0");
  }
  if (max_backoff < initial_backoff) {
    fail("max_backoff", std::to_string(max_backoff.count()) + "ms",
         "a duration >= initial_backoff");
  }
  if (!(multiplier >= 1.0) || !std::isfinite(multiplier)) {
    fail("multiplier", detail::number_text(multiplier), "a number >= 1");
  }
  if (!(jitter >= 0.0 && jitter <= 1.0))
    fail("jitter", detail::number_text(jitter), "a number in [0, 1]");
}

}  // namespace unimq
