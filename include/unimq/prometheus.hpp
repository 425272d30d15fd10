// unimq::prometheus (optional target, -DUNIMQ_WITH_PROMETHEUS=ON, Debian prometheus-cpp-dev): a
// MetricsSink that serves the common layer's metrics on an HTTP /metrics endpoint.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "unimq/metrics.hpp"

namespace unimq::prometheus {

/// Keeps the metrics in Prometheus form and serves them at `http://<listen>/metrics`. Names:
/// `messaging_client_sent_messages_total`, `messaging_client_consumed_messages_total`,
/// `messaging_client_operation_duration_seconds`, `messaging_process_duration_seconds`,
/// `unimq_retries_total`, `unimq_dead_lettered_total`, `unimq_redelivered_total`,
/// `unimq_in_flight`, `unimq_publish_buffered`; labels `messaging_system`,
/// `messaging_destination_name`, `messaging_consumer_group_name`, `messaging_operation_name`,
/// `error_type` (the last three only where set). Thread-safe.
class Exporter final : public MetricsSink {
 public:
  /// Starts serving on `listen` (`host:port`; port 0 picks a free one). Throws ConfigError for
  /// a malformed address and ConnectionError when it cannot listen there.
  explicit Exporter(const std::string& listen);
  /// Stops serving.
  ~Exporter() override;
  Exporter(const Exporter&) = delete;
  Exporter& operator=(const Exporter&) = delete;

  /// The TCP port it listens on.
  std::uint16_t port() const;
  /// The recorder for `which` with `attributes` (MetricsSink).
  std::shared_ptr<Recorder> recorder(Instrument which, const MetricAttributes& attributes) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Starts an Exporter on `listen` and installs it as the process's metrics sink; a second call
/// with the same address returns the running one. What `metrics.prometheus.listen` in the YAML
/// config does.
std::shared_ptr<Exporter> serve_metrics(const std::string& listen);

}  // namespace unimq::prometheus
