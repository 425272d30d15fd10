// The Kafka adapter's driver objects and the state a connection shares with the senders and
// receivers it opened (which may outlive the Connection object).
#pragma once

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "kafka_handle.hpp"
#include "kafka_settings.hpp"
#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::kafka {

/// Something a closing connection must close first (a sender's producer).
class Closable {
 public:
  virtual ~Closable() = default;
  /// Closes; idempotent.
  virtual void close() = 0;
};

/// Shared by a connection and everything opened from it; the mock cluster (kafka+mock://) lives
/// as long as the last of them. Thread-safe.
struct ConnectionState {
  /// The URL's settings; for kafka+mock:// `bootstrap` names the mock cluster's brokers.
  Settings settings;
  std::atomic<bool> closed{false};
  /// Guards `senders` and the admin handle's use.
  std::mutex mu;
  /// Open senders, so close() can close them.
  std::vector<std::weak_ptr<Closable>> senders;
  /// Reports of the admin handle's callbacks.
  HandleState admin_state;
  /// Creates topics and reads metadata and watermarks (a producer-type handle).
  HandlePtr admin;
  /// kafka+mock://: the handle that owns the mock cluster, and the cluster.
  HandlePtr mock_host;
  rd_kafka_mock_cluster_t* mock = nullptr;

  ConnectionState() = default;
  ConnectionState(const ConnectionState&) = delete;
  ConnectionState& operator=(const ConnectionState&) = delete;
  /// Destroys the admin handle, then the mock cluster and its host handle.
  ~ConnectionState();
};

/// The capabilities of a Kafka connection with `settings`.
Capabilities capabilities_for(const Settings& settings);

/// Opens a connection for `url`: checks that a broker of the URL answers a metadata request
/// (kafka+mock:// starts its mock cluster first).
std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url);

/// A sender with its own idempotent producer and poll thread.
std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state);
/// A consumer with its own librdkafka consumer; when this returns it has its partitions (a
/// group member joined its group) and their start positions are fixed.
std::unique_ptr<driver::Receiver> make_receiver(std::shared_ptr<ConnectionState> state,
                                                const driver::ReceiverSpec& spec);

}  // namespace unimq::kafka
