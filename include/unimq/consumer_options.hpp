// Options of a consumer: group, concurrency, ordering, flow control and failure policies.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "unimq/dead_letter_policy.hpp"
#include "unimq/retry_policy.hpp"

namespace unimq {

/// How handler concurrency treats message order.
enum class Ordering {
  none,     ///< Any worker takes any message.
  per_key,  ///< Messages with the same key are handled one at a time, in arrival order.
};

/// Who acknowledges a message.
enum class AckMode {
  auto_ack,  ///< The consumer acks when the handler returns (and retries when it throws).
  manual,    ///< The handler calls Delivery::ack(), nack() or dead_letter(), possibly later.
};

/// Where a group that does not exist yet starts reading.
enum class StartPosition {
  latest,    ///< Only messages published after the group was created ("new").
  earliest,  ///< Every retained message ("all"); needs the `replay` capability.
};

/// Token-bucket limit on handler starts per second. Disabled when `per_second` is 0.
struct RateLimit {
  /// Sustained rate in messages per second; 0 disables the limit.
  double per_second = 0;
  /// Largest burst above the rate; 0 means one message.
  std::uint32_t burst = 0;
};

/// Everything that shapes a consumer. Defaults suit a work queue with retries and a DLQ.
struct ConsumerOptions {
  /// Consumer group: consumers in one group share messages, each group gets every message.
  /// Empty means the backend's broadcast subscription (every consumer gets every message) where
  /// that exists, else a group named after the topic.
  std::string group{};
  /// Number of handler threads.
  std::uint32_t concurrency = 1;
  /// Order guarantee under concurrency.
  Ordering ordering = Ordering::none;
  /// Upper bound on messages received but not yet acknowledged (prefetch).
  std::uint32_t max_in_flight = 256;
  /// Automatic or manual acknowledgement.
  AckMode ack = AckMode::auto_ack;
  /// Retries of a failing handler.
  RetryPolicy retry{};
  /// Where messages go after the last failed try.
  DeadLetterPolicy dead_letter{};
  /// Handler rate limit.
  RateLimit rate_limit{};
  /// Start position of a group created by this consumer.
  StartPosition start = StartPosition::latest;
  /// Longest wait for the broker in one receive call; bounds how fast stop() is noticed.
  std::chrono::milliseconds poll_timeout{100};

  /// Throws ConfigError naming the field when a value is out of range.
  void validate() const;
};

/// Returns "none" or "per_key".
const char* to_string(Ordering o) noexcept;
/// Returns "auto" or "manual".
const char* to_string(AckMode a) noexcept;
/// Returns "new" or "all".
const char* to_string(StartPosition s) noexcept;

}  // namespace unimq
