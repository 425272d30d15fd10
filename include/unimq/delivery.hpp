// A received message handed to a handler, with the means to settle it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "unimq/message.hpp"

namespace unimq {

namespace detail {
struct DeliveryState;
}

/// A message delivered to a consumer's handler. A cheap, copyable handle: with AckMode::manual
/// the handler may keep a copy and settle it later from any thread. Settling is idempotent: only
/// the first of ack(), nack() or dead_letter() counts, later calls do nothing. Settling an
/// unsettled delivery after its consumer stopped throws ClosedError (the settlement can no longer
/// reach the broker, which redelivers the message). Thread-safe.
class Delivery {
 public:
  /// The message.
  const Message& message() const noexcept;
  /// The topic it was read from.
  const std::string& topic() const noexcept;
  /// The consumer group that received it (empty for a broadcast subscription).
  const std::string& group() const noexcept;
  /// The broker's id for the message.
  const std::string& id() const noexcept;
  /// Where a reply to this message goes: the broker's native reply address (a NATS request's
  /// inbox) or the `unimq-reply-to` header of a request sent with Client::request; empty when
  /// the sender expects no reply.
  std::string reply_to() const;
  /// The try number, starting at 1: the broker's delivery count where it keeps one, else the
  /// `unimq-attempt` header, plus tries made in this process.
  std::uint32_t attempt() const noexcept;

  /// Acknowledges the message: it will not be delivered again to this group. ClosedError
  /// after the consumer stopped.
  void ack() const;
  /// Hands the message back for redelivery after `delay`. Where the backend cannot nack, the
  /// consumer redelivers it in-process after the delay.
  void nack(std::chrono::milliseconds delay = std::chrono::milliseconds{0}) const;
  /// Publishes the message to the dead-letter topic with `reason`, then acknowledges it.
  void dead_letter(std::string reason) const;
  /// Whether ack(), nack() or dead_letter() was already called.
  bool settled() const noexcept;

  /// Wraps internal state; used by the consumer.
  explicit Delivery(std::shared_ptr<detail::DeliveryState> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<detail::DeliveryState> state_;
};

}  // namespace unimq
