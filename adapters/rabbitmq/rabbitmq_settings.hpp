// What an amqp:// URL asks for, checked once when the connection opens.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "unimq/driver/broker_url.hpp"

namespace unimq::rabbitmq {

/// The queue type of the group queues this adapter declares.
enum class QueueType {
  classic,  ///< Classic queue: no delivery count (x-delivery-count is a quorum feature).
  quorum,   ///< Quorum queue: replicated, counts deliveries in x-delivery-count.
};

/// One broker address of the URL.
struct Host {
  std::string host;
  std::uint16_t port = 5672;
};

/// Parsed and validated amqp:// or amqps:// URL. A plain value type.
struct Settings {
  std::vector<Host> hosts;  ///< Tried in order; a lost connection moves on to the next.
  bool tls = false;         ///< amqps://: TLS with peer and host name verification.
  /// amqps://: the CA certificates (PEM) the broker's certificate is verified against.
  /// rabbitmq-c loads no default trust store, so the default is Debian's system bundle.
  std::string cacert = "/etc/ssl/certs/ca-certificates.crt";
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";  ///< From the URL path; empty path = "/".
  /// Heartbeat interval negotiated with the broker; a connection silent for two intervals is
  /// considered dead and replaced. 0 disables heartbeats.
  std::chrono::seconds heartbeat{30};
  std::int64_t frame_max = 131072;  ///< Largest frame, in bytes (the broker's default).
  QueueType queue_type = QueueType::classic;
  bool declare = true;  ///< declare=auto: exchanges, queues and bindings are declared.
  /// How long connecting (TCP, TLS, login) and each topology call may take.
  std::chrono::milliseconds connect_timeout{5000};
  /// How long the broker may take to confirm a published round before its messages fail with
  /// a timeout (outcome unknown; the producer's retry policy decides).
  std::chrono::milliseconds confirm_timeout{10000};
  /// Longest wait between reconnect attempts (the backoff starts at 100 ms and doubles).
  std::chrono::milliseconds reconnect_max{5000};
  std::string display;  ///< The URL with the password masked.
};

/// The query options an amqp:// URL accepts.
const std::vector<std::string>& option_names();

/// Reads `url` into Settings; throws ConfigError naming a bad option value.
Settings parse_settings(const driver::BrokerUrl& url);

}  // namespace unimq::rabbitmq
