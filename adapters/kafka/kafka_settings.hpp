// What a kafka:// or kafka+mock:// URL asks for, checked once when the connection opens.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "unimq/driver/broker_url.hpp"

namespace unimq::kafka {

/// Parsed and validated kafka:// URL. A plain value type.
struct Settings {
  /// `host:port,host:port`: librdkafka's bootstrap.servers (empty for the mock cluster, which
  /// names its own when it starts).
  std::string bootstrap;
  /// kafka+mock://: an in-process librdkafka mock cluster instead of real brokers (for tests).
  bool mock = false;
  /// kafka+mock://: how many mock brokers the cluster has (option `brokers`).
  int mock_brokers = 1;
  /// declare=auto: topics are created (Admin API) on first use; declare=none: never.
  bool declare = true;
  /// How long connecting, topic creation, metadata and offset queries and the final commit of a
  /// closing consumer may take.
  std::chrono::milliseconds operation_timeout{10000};
  /// How often a consumer commits the offsets acknowledged since its last commit.
  std::chrono::milliseconds commit_interval{100};
  /// How long a consumer losing partitions in a rebalance waits for the in-flight handlers of
  /// those partitions before it commits and lets them go (what is unfinished then is delivered
  /// again to the partitions' next owner).
  std::chrono::milliseconds revoke_timeout{10000};
  /// `kafka.<property>=value` options, prefix removed, in URL order: librdkafka configuration
  /// applied on top of the adapter's defaults.
  std::vector<std::pair<std::string, std::string>> native;
  std::string display;  ///< The URL with secrets masked.
};

/// The query options a kafka:// URL accepts (besides the `kafka.` prefix).
const std::vector<std::string>& option_names();

/// Reads `url` into Settings; throws ConfigError naming a bad option value or, for a
/// `kafka.<property>` librdkafka refuses, carrying librdkafka's message.
Settings parse_settings(const driver::BrokerUrl& url);

}  // namespace unimq::kafka
