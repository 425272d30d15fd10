// Client configuration from YAML: the broker URL plus named topics, producers and consumers.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "unimq/consumer_options.hpp"
#include "unimq/producer_options.hpp"
#include "unimq/topic.hpp"

namespace unimq {

/// A named producer from the config file.
struct ProducerConfig {
  std::string topic;        ///< Topic it publishes to.
  ProducerOptions options;  ///< Its options.
};

/// A named consumer from the config file.
struct ConsumerConfig {
  std::string topic;        ///< Topic it reads.
  ConsumerOptions options;  ///< Its options.
};

/// Where the process's metrics go (`metrics:` in YAML).
struct MetricsConfig {
  /// `metrics.prometheus.listen`: serve Prometheus metrics on this `host:port` (needs the
  /// unimq::prometheus target linked); empty = not configured.
  std::string prometheus_listen;
};

/// The whole client configuration. Schema (every key optional except `broker`):
///
///     broker: ${UNIMQ_URL:-kafka://localhost:9092}
///     topics:    { orders: {partitions: 3, replication: 1} }
///     producers: { orders-out: {topic: orders, publish_timeout: 30s, buffer_capacity: 65536,
///                               buffer_bytes: 8388608, when_full: block, batch_size: 512,
///                               retry: {...}} }
///     consumers:
///       email-service:
///         topic: orders
///         group: email
///         concurrency: 4
///         ordering: per_key          # none | per_key
///         max_in_flight: 256
///         ack: auto                  # auto | manual
///         start: new                 # new | all
///         retry: {max_attempts: 5, initial_backoff: 200ms, multiplier: 2, max_backoff: 10s,
///                 jitter: 0.2, mode: in_process}   # in_process | redeliver
///         dead_letter: {topic: orders.dlq, enabled: true}
///         rate_limit: {per_second: 100, burst: 10}
///
/// `${VAR}` and `${VAR:-default}` in any value expand from the environment (`$${` is a literal
/// `${`); the environment variable UNIMQ_URL, when set, replaces `broker`. Unknown keys, wrong
/// types and out-of-range values are ConfigError naming the key path, the value and what was
/// expected. A plain value type.
struct Config {
  std::string broker;                               ///< Broker URL.
  std::map<std::string, TopicOptions> topics;       ///< Topic settings by topic name.
  std::map<std::string, ProducerConfig> producers;  ///< Named producers.
  std::map<std::string, ConsumerConfig> consumers;  ///< Named consumers.
  MetricsConfig metrics;                            ///< Metrics export.

  /// Reads and parses a YAML file; the error names the file.
  static Config load_file(const std::filesystem::path& path);
  /// Parses YAML text; `source` names it in errors.
  static Config parse(std::string_view yaml, std::string_view source = "<config>");
};

/// Expands `${VAR}` and `${VAR:-default}` in `text` from the environment; `key` names the config
/// key in errors. An unset variable without default is a ConfigError.
std::string expand_env(std::string_view text, std::string_view key);

/// Parses a duration with unit: `500us`, `250ms`, `5s`, `2m`, `1h`; `key` names it in errors.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view key);

}  // namespace unimq
