// Retry policy shared by producers (failed publishes) and consumers (failed handlers).
#pragma once

#include <chrono>
#include <cstdint>

namespace unimq {

/// How a failed handler is retried.
enum class RetryMode {
  /// Wait the backoff inside the consumer and call the handler again (works everywhere).
  in_process,
  /// Hand the message back to the broker with the backoff as delay, so the retry survives a
  /// consumer crash. Falls back to in_process where the backend cannot redeliver with delay.
  redeliver,
};

/// Exponential backoff with jitter. Attempt 1 is the first try; `max_attempts` counts all tries,
/// so `max_attempts = 1` means no retry. A plain value type.
struct RetryPolicy {
  /// Total tries including the first; at least 1.
  std::uint32_t max_attempts = 3;
  /// Wait before the second try.
  std::chrono::milliseconds initial_backoff{100};
  /// Factor applied to the wait after each failed try; at least 1.
  double multiplier = 2.0;
  /// Upper bound of the wait, before jitter.
  std::chrono::milliseconds max_backoff{10'000};
  /// Random spread in [0, 1]: the wait is drawn uniformly from [w*(1-jitter), w*(1+jitter)].
  double jitter = 0.2;
  /// Where consumer retries happen; ignored for publishing.
  RetryMode mode = RetryMode::in_process;

  /// The wait before try `attempt + 1` after try `attempt` failed, without jitter:
  /// `min(initial_backoff * multiplier^(attempt-1), max_backoff)`.
  std::chrono::milliseconds base_backoff(std::uint32_t attempt) const noexcept;
  /// The wait with jitter applied, using `random01`, a uniform draw from [0, 1).
  std::chrono::milliseconds backoff(std::uint32_t attempt, double random01) const noexcept;
  /// The wait with jitter from a thread-local random generator.
  std::chrono::milliseconds backoff(std::uint32_t attempt) const;
  /// Throws ConfigError naming the field when a value is out of range.
  void validate() const;
};

}  // namespace unimq
