// The driver SPI: the narrow interface an adapter implements. Adapters contain protocol only;
// retries, acks policy, dead-lettering, batching and timeouts live in the common layer.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "unimq/capabilities.hpp"
#include "unimq/consumer_options.hpp"
#include "unimq/message.hpp"
#include "unimq/receipt.hpp"

namespace unimq::driver {

/// Classification of an adapter error; the common layer decides retries from it alone.
enum class ErrorKind {
  retryable,     ///< Transient: connection lost, broker busy, leader moved. Retry with backoff.
  permanent,     ///< The broker rejected this message for good (too large, invalid).
  not_found,     ///< Topic, queue or stream does not exist and will not be created.
  unauthorized,  ///< Credentials or permissions refused.
  unsupported,   ///< The broker cannot do what was asked.
  closed,        ///< The connection or sender was closed locally.
  timeout,       ///< The broker did not answer in time; the outcome is unknown.
};

/// Returns the lowercase name of `kind`.
const char* to_string(ErrorKind kind) noexcept;

/// An adapter error reported through a completion callback.
struct DriverError {
  ErrorKind kind = ErrorKind::retryable;  ///< What the common layer should do.
  std::string message;                    ///< Human-readable, without secrets.
};

/// The outcome of sending one message: a receipt or an error.
struct SendResult {
  Receipt receipt{};                   ///< Filled on success; `topic` may stay empty (the
                                       ///< common layer names it).
  std::optional<DriverError> error{};  ///< Set on failure.
  /// On failure, the message handed back to the common layer, which then may send it again
  /// (a retryable error). The common layer keeps no copy of what it sends, so a failed message
  /// that is not handed back is failed to the publisher instead of being retried.
  std::optional<Message> message{};
};

/// Called once per message of a batch, with its index in the batch. May run on any thread,
/// before or after send() returns. Must not throw.
using SendCompletion = std::function<void(std::size_t index, SendResult result)>;

/// Publishes batches. Thread-safe: send() may be called from several threads.
class Sender {
 public:
  virtual ~Sender() = default;
  /// Sends `batch` to `topic`. `on_complete` fires exactly once per message with the broker's
  /// confirmation or an error, including when the sender is closed meanwhile. Never throws.
  virtual void send(const std::string& topic, std::vector<Message> batch,
                    SendCompletion on_complete) = 0;
  /// Stops sending; messages still unconfirmed complete with ErrorKind::closed. Idempotent.
  virtual void close() = 0;
};

/// Opaque handle the receiver gives each inbound message for acknowledging it.
using AckToken = std::uint64_t;

/// A received message with what the common layer needs to settle it.
struct Inbound {
  Message message;                   ///< Payload, key and headers.
  std::string id;                    ///< The broker's id for the message.
  AckToken token = 0;                ///< Pass to ack() or nack().
  std::uint32_t delivery_count = 0;  ///< The broker's count of deliveries (1 = first); 0 = none.
  /// Where a reply goes, when the sender used the broker's native request/reply (a NATS inbox
  /// subject); empty otherwise. Publishing a message to it answers the request.
  std::string reply_to;
};

/// What to subscribe to.
struct ReceiverSpec {
  std::string topic;                            ///< Topic to read.
  std::string group;                            ///< Group; empty = broadcast subscription.
  StartPosition start = StartPosition::latest;  ///< For a group that does not exist yet.
  std::uint32_t max_in_flight = 256;            ///< Prefetch hint; never exceeded by receive.
};

/// Receives from one subscription. Not thread-safe: the common layer calls every method from
/// a single thread. When receive() returns, the subscription exists on the broker, so messages
/// published afterwards reach it.
class Receiver {
 public:
  virtual ~Receiver() = default;
  /// Returns between 0 and `max` messages; waits until at least one arrives or `deadline`.
  /// With `max` = 0 (every in-flight slot busy for a poll interval) it returns no message and
  /// only keeps the session alive: lease renewals, keepalives, broker polls a group needs.
  /// Throws ConnectionError when the subscription is lost for good.
  virtual std::vector<Inbound> receive(std::size_t max,
                                       std::chrono::steady_clock::time_point deadline) = 0;
  /// Acknowledges processed messages. Unknown or repeated tokens are ignored.
  virtual void ack(std::span<const AckToken> tokens) = 0;
  /// Hands messages back for redelivery after `delay` (0 = at once). Only called when the
  /// backend declares `nack` (and `delayed_redelivery` for a non-zero delay).
  virtual void nack(std::span<const AckToken> tokens, std::chrono::milliseconds delay) = 0;
  /// Leaves the subscription; unacknowledged messages stay with the broker. Idempotent.
  virtual void close() = 0;
};

/// Topic settings an adapter may need to create the topic.
struct TopicSpec {
  std::string name;               ///< Topic name.
  std::uint32_t partitions = 1;   ///< Kafka partitions.
  std::uint16_t replication = 1;  ///< Kafka replication factor.
};

/// A private address this client's request replies are sent to, and the receiver reading it.
struct Inbox {
  std::string address;                 ///< Where responders send replies (a topic or subject).
  std::unique_ptr<Receiver> receiver;  ///< Reads the replies; closed by the common layer.
};

/// One connection to a broker, opened from a parsed URL. Thread-safe.
class Connection {
 public:
  virtual ~Connection() = default;
  /// What this backend can do, fixed for the connection's lifetime.
  virtual const Capabilities& capabilities() const noexcept = 0;
  /// Advice for someone who asked for `capability`, which this backend lacks (e.g. the URL
  /// option that provides it); empty when there is none. The common layer appends it to the
  /// UnsupportedError it raises.
  virtual std::string hint(std::string_view capability) const {
    (void)capability;
    return {};
  }
  /// Makes sure `topic` exists where the broker needs that (no-op elsewhere). Throws on failure.
  virtual void ensure_topic(const TopicSpec& topic) { (void)topic; }
  /// Sends `request` to `topic` through the broker's native request/reply and returns the first
  /// reply. Throws TimeoutError when none arrives within `timeout`, UnsupportedError when the
  /// backend has no native request/reply (capability `request_reply`).
  virtual Message request(const std::string& topic, const Message& request,
                          std::chrono::milliseconds timeout) {
    (void)topic;
    (void)request;
    (void)timeout;
    throw_no_request_reply();
  }
  /// Opens this client's reply inbox. The default is a topic `_unimq.inbox.<random>` read by a
  /// broadcast receiver from its newest message; NATS uses a core inbox subject.
  virtual Inbox open_inbox();
  /// Opens the sender replies go through: open_sender() unless replies take another path than
  /// topics (NATS: core publishes to inbox subjects, also in JetStream mode).
  virtual std::unique_ptr<Sender> open_reply_sender() { return open_sender(); }
  /// Removes a topic this client made for itself (its inbox) with what it holds, where the
  /// broker keeps topics (memory, Redis Streams); no-op elsewhere. Never throws.
  virtual void delete_topic(const std::string& name) noexcept { (void)name; }
  /// Opens a sender.
  virtual std::unique_ptr<Sender> open_sender() = 0;
  /// Opens a receiver; throws UnsupportedError when the spec needs a missing capability.
  virtual std::unique_ptr<Receiver> open_receiver(const ReceiverSpec& spec) = 0;
  /// Closes the connection; senders and receivers opened from it fail afterwards. Idempotent.
  virtual void close() = 0;

 private:
  [[noreturn]] void throw_no_request_reply() const;
};

}  // namespace unimq::driver
