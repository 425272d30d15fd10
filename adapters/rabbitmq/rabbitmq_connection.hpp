// The RabbitMQ adapter's driver objects and the state a connection shares with the senders and
// receivers it opened (which may outlive the Connection object).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "rabbitmq_settings.hpp"
#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/driver.hpp"
#include "unimq/driver/send_queue.hpp"

namespace unimq::rabbitmq {

/// Shared by a connection and everything opened from it. Thread-safe.
struct ConnectionState {
  Settings settings;
  std::atomic<bool> closed{false};
  /// Guards `senders`.
  std::mutex mu;
  /// Open senders, so close() can close them.
  std::vector<std::weak_ptr<driver::SendQueue>> senders;
};

/// The capabilities of a connection with `settings` (they depend on the queue type).
Capabilities capabilities_for(const Settings& settings);

/// Opens a connection for `url` (checks that the broker accepts the credentials and vhost).
std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url);

/// A sender with its own AMQP connection and I/O thread, publishing with confirms.
std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state);
/// A consumer with its own AMQP connection; its queue is bound and consumed when this returns.
std::unique_ptr<driver::Receiver> make_receiver(std::shared_ptr<ConnectionState> state,
                                                const driver::ReceiverSpec& spec);

/// The queue of group `group` on `topic`: `<topic>.<group>`.
std::string group_queue(const std::string& topic, const std::string& group);

}  // namespace unimq::rabbitmq
