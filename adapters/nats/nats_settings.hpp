// What a nats:// URL asks for, checked once when the connection opens.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "unimq/driver/broker_url.hpp"

namespace unimq::nats {

/// Parsed and validated nats:// URL. A plain value type.
struct Settings {
  std::vector<std::string> servers;  ///< "nats://host:port" for each host of the URL.
  std::string user;                  ///< User name; with no password it is a token.
  std::string password;              ///< Password.
  bool jetstream = false;            ///< JetStream instead of core NATS.
  // JetStream streams, created on first use unless declare=none.
  bool declare = true;
  bool memory_storage = false;           ///< storage=memory instead of file.
  int retention = 0;                     ///< jsRetentionPolicy: limits, interest, workqueue.
  std::chrono::milliseconds max_age{0};  ///< 0 = keep until other limits.
  std::int64_t replicas = 1;
  /// JetStream: how long a delivered message may stay unacknowledged before redelivery.
  std::chrono::milliseconds ack_wait{30000};
  /// JetStream API calls and PubAck waits.
  std::chrono::milliseconds api_timeout{5000};
  // Connection (nats.<option> passthrough).
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds reconnect_wait{250};
  int max_reconnect = -1;  ///< -1 = keep trying for ever
  std::chrono::milliseconds ping_interval{10000};
  std::string display;  ///< The URL with the password masked.
};

/// The query options a nats:// URL accepts.
const std::vector<std::string>& option_names();
/// The nats.<option> names a URL may pass through.
const std::vector<std::string>& passthrough_names();

/// Reads `url` into Settings; throws ConfigError naming a bad or unknown option.
Settings parse_settings(const driver::BrokerUrl& url);

}  // namespace unimq::nats
