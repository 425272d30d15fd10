// Options of a producer: buffering, batching, timeouts and publish retries.
#pragma once

#include <chrono>
#include <cstddef>

#include "unimq/retry_policy.hpp"

namespace unimq {

/// What publish() does when the producer's buffer is full.
enum class WhenFull {
  block,  ///< Wait for space, at most until the publish timeout.
  fail,   ///< Fail at once with PublishError (retryable).
};

/// Everything that shapes a producer.
struct ProducerOptions {
  /// Messages buffered (queued or awaiting confirmation) before `when_full` applies.
  std::size_t buffer_capacity = 65'536;
  /// Bytes buffered (payload, key and headers of messages queued or awaiting confirmation)
  /// before `when_full` applies; bounds the producer's memory whatever the message size. A
  /// message larger than this is accepted when nothing else is buffered.
  std::size_t buffer_bytes = std::size_t{8} << 20;
  /// Behaviour of publish() on a full buffer.
  WhenFull when_full = WhenFull::block;
  /// Largest number of messages handed to the broker in one batch.
  std::size_t batch_size = 512;
  /// Every publish future completes by this time after publish(): with the receipt, or with
  /// TimeoutError.
  std::chrono::milliseconds publish_timeout{30'000};
  /// Retries of publishes that failed with a retryable error (connection lost, broker busy).
  RetryPolicy retry{.max_attempts = 5,
                    .initial_backoff = std::chrono::milliseconds{50},
                    .multiplier = 2.0,
                    .max_backoff = std::chrono::milliseconds{2'000},
                    .jitter = 0.2,
                    .mode = RetryMode::in_process};

  /// Throws ConfigError naming the field when a value is out of range.
  void validate() const;
};

}  // namespace unimq
