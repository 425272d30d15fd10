// The Redis adapter's driver objects and the state a connection shares with the senders and
// receivers it opened (which may outlive the Connection object).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "redis_settings.hpp"
#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/driver.hpp"
#include "unimq/driver/send_queue.hpp"

namespace unimq::redis {

/// Shared by a connection and everything opened from it. Thread-safe.
struct ConnectionState {
  Settings settings;
  std::atomic<bool> closed{false};
  /// Guards `senders`.
  std::mutex mu;
  /// Open senders, so close() can close them.
  std::vector<std::weak_ptr<driver::SendQueue>> senders;
};

/// Opens a connection for `url` (checks that the server answers).
std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url);

/// A sender with its own connection and I/O thread.
std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state);
/// A pub/sub subscriber; subscribed when this returns.
std::unique_ptr<driver::Receiver> make_pubsub_receiver(std::shared_ptr<ConnectionState> state,
                                                       const driver::ReceiverSpec& spec);
/// A Streams group consumer; the group exists when this returns.
std::unique_ptr<driver::Receiver> make_streams_receiver(std::shared_ptr<ConnectionState> state,
                                                        const driver::ReceiverSpec& spec);

/// Classifies an error reply's text ("OOM ...", "NOAUTH ...") for the common layer.
driver::ErrorKind classify_error(std::string_view text) noexcept;

}  // namespace unimq::redis
