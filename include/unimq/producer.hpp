// Publishing messages to one topic.
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <string>

#include "unimq/message.hpp"
#include "unimq/receipt.hpp"

namespace unimq {

namespace detail {
class ProducerCore;
}

/// The outcome of one publish, for the callback overload.
struct PublishResult {
  Receipt receipt;           ///< Filled when the broker confirmed the message.
  std::exception_ptr error;  ///< Set on failure: PublishError, TimeoutError or ClosedError.
  /// Whether the broker confirmed the message.
  bool ok() const noexcept { return !error; }
};

/// Called once per published message with its outcome, on a unimq thread; keep it short.
/// Exceptions it throws are caught and logged.
using PublishCallback = std::function<void(const PublishResult&)>;

/// Publishes to one topic. Messages are buffered, sent in batches, retried on retryable errors
/// and confirmed by the broker. Every publish completes, at the latest after the producer's
/// publish timeout. A movable handle; thread-safe: several threads may publish at once. May
/// outlive the Client it came from.
class Producer {
 public:
  /// Publishes `message`; the future yields the broker's receipt or throws PublishError,
  /// TimeoutError or ClosedError. Throws ClosedError at once after close(), and PublishError
  /// when the buffer is full with WhenFull::fail.
  std::future<Receipt> publish(Message message);
  /// Publishes `message` and calls `done` with the outcome: the high-throughput form. `done`
  /// runs on a thread of unimq's (mostly this producer's sender thread): keep it short, and do
  /// not wait in it for this producer (flush(), or a publish into a full buffer that blocks),
  /// since that waits for the thread the callback holds.
  void publish(Message message, PublishCallback done);
  /// Waits until every message published so far has completed; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  /// Flushes up to `timeout`, then fails what is still pending with ClosedError. Idempotent.
  void close(std::chrono::milliseconds timeout = std::chrono::seconds{10});
  /// The topic this producer publishes to.
  const std::string& topic() const noexcept;
  /// Messages accepted but not yet completed.
  std::size_t pending() const noexcept;

  /// Wraps internal state; made by Topic::producer().
  explicit Producer(std::shared_ptr<detail::ProducerCore> core);
  /// Moves the handle; the moved-from handle must not be used.
  Producer(Producer&&) noexcept = default;
  /// Moves the handle; the moved-from handle must not be used.
  Producer& operator=(Producer&&) noexcept = default;
  /// Closes the producer when this is the last handle (waits up to 10 s for confirmations).
  ~Producer();

 private:
  std::shared_ptr<detail::ProducerCore> core_;
};

}  // namespace unimq
