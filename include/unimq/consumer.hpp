// Consuming messages from one topic as a member of a group.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "unimq/consumer_options.hpp"
#include "unimq/delivery.hpp"

namespace unimq {

namespace detail {
class ConsumerCore;
}

/// The message handler. Return = success (acked in AckMode::auto_ack); throw = failure (retried,
/// then dead-lettered); throw PermanentError = dead-letter without retries.
using Handler = std::function<void(const Delivery&)>;

/// Counters of one consumer since it was created.
struct ConsumerStats {
  std::uint64_t received = 0;       ///< Messages received from the broker (including redeliveries).
  std::uint64_t handled = 0;        ///< Handler calls that returned normally.
  std::uint64_t failed = 0;         ///< Handler calls that threw.
  std::uint64_t retried = 0;        ///< Retries scheduled (in-process or by redelivery).
  std::uint64_t acked = 0;          ///< Messages acknowledged.
  std::uint64_t nacked = 0;         ///< Messages handed back to the broker.
  std::uint64_t dead_lettered = 0;  ///< Messages confirmed in the dead-letter topic.
};

/// Receives messages of one topic and runs a handler on them with the options' concurrency,
/// ordering, flow control, retry and dead-letter policies. A movable handle; thread-safe.
/// Handler exceptions never escape into unimq or broker threads.
class Consumer {
 public:
  /// Subscribes and starts handling in background threads; returns once the subscription exists
  /// on the broker. Throws UnsupportedError when the options need a capability the backend
  /// lacks, ClosedError after stop(), ConfigError when already started.
  void start(Handler handler);
  /// Like start(), then blocks until stop() is called from another thread or the process gets
  /// SIGINT or SIGTERM; then stops with a 30 s deadline.
  void run(Handler handler);
  /// Stops receiving, lets in-flight handlers finish until `deadline` passes, flushes acks and
  /// leaves the group. Unacknowledged messages stay with the broker for redelivery. Returns
  /// whether every in-flight handler finished in time. Idempotent.
  bool stop(std::chrono::milliseconds deadline = std::chrono::seconds{30});
  /// Whether the consumer is started and not stopped.
  bool running() const noexcept;
  /// A snapshot of the counters.
  ConsumerStats stats() const noexcept;
  /// The topic.
  const std::string& topic() const noexcept;
  /// The effective options (defaults filled in).
  const ConsumerOptions& options() const noexcept;

  /// Wraps internal state; made by Topic::consumer().
  explicit Consumer(std::shared_ptr<detail::ConsumerCore> core);
  /// Moves the handle; the moved-from handle must not be used.
  Consumer(Consumer&&) noexcept = default;
  /// Moves the handle; the moved-from handle must not be used.
  Consumer& operator=(Consumer&&) noexcept = default;
  /// Stops the consumer (30 s deadline) when this is the last handle, and waits for handlers.
  ~Consumer();

 private:
  std::shared_ptr<detail::ConsumerCore> core_;
};

}  // namespace unimq
