// The memory adapter's driver objects and the state a connection shares with the senders and
// receivers it opened (which may outlive the Connection object).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "memory_broker.hpp"
#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::memory {

/// Shared by a connection and everything opened from it. Thread-safe.
struct ConnectionState {
  std::shared_ptr<Broker> broker;
  std::atomic<bool> closed{false};

  /// Guards `receivers` and orders open_receiver() against close().
  std::mutex mu;
  /// Open receivers, so close() can hand their unsettled messages back to their groups.
  struct Registered {
    std::weak_ptr<Subscription> sub;
    std::shared_ptr<Topic> topic;
  };
  std::vector<Registered> receivers;
};

/// Opens a connection to the broker named by `url` (`memory://` or `memory://NAME`).
std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url);

std::unique_ptr<driver::Sender> make_sender(std::shared_ptr<ConnectionState> state);
/// Requires state->mu held and the connection open.
std::unique_ptr<driver::Receiver> make_receiver(std::shared_ptr<ConnectionState> state,
                                                const driver::ReceiverSpec& spec);

}  // namespace unimq::memory
