// Metrics: the common layer counts what producers and consumers do and reports it to a
// MetricsSink, named after the OpenTelemetry messaging conventions. unimq::prometheus provides a
// sink that serves /metrics; an application may install its own (e.g. an OpenTelemetry bridge).
#pragma once

#include <memory>
#include <span>
#include <string>

namespace unimq {

/// What is measured. Counters only grow, up-down counters move both ways, histograms record
/// one value per event (durations in seconds).
enum class Instrument {
  sent_messages,       ///< messaging.client.sent.messages: publishes completed (counter).
  consumed_messages,   ///< messaging.client.consumed.messages: handler calls done (counter).
  operation_duration,  ///< messaging.client.operation.duration: publish to confirm, s (histogram).
  process_duration,    ///< messaging.process.duration: one handler call, s (histogram).
  retries,             ///< unimq.retries: publish resends and handler retries (counter).
  dead_lettered,       ///< unimq.dead_lettered: messages the dead-letter topic confirmed (counter).
  redelivered,         ///< unimq.redelivered: messages the broker delivered again (counter).
  in_flight,           ///< unimq.in_flight: received and not yet settled (up-down counter).
  publish_buffered,    ///< unimq.publish.buffered: published and not yet completed (up-down).
};

/// How an instrument's values combine.
enum class InstrumentKind { counter, up_down_counter, histogram };

/// The OpenTelemetry-style name of `which`, e.g. "messaging.client.sent.messages".
const char* metric_name(Instrument which) noexcept;
/// Whether `which` is a counter, an up-down counter or a histogram.
InstrumentKind kind_of(Instrument which) noexcept;

/// The attributes of one instrument. Empty values are absent attributes.
struct MetricAttributes {
  std::string system;       ///< messaging.system: "memory", "redis", "nats", ...
  std::string destination;  ///< messaging.destination.name: the topic.
  std::string group;        ///< messaging.consumer.group.name (consumers with a group).
  std::string operation;    ///< messaging.operation.name: "publish" or "process".
  std::string error_type;   ///< error.type: the error's class ("TimeoutError", ...); empty = ok.
};

/// Receives the measurements. The pipelines ask for one Recorder per instrument and attribute
/// set when a producer or consumer is created (and on the first error of each type), then call
/// only Recorder::add per event, or Recorder::add_each per batch of events. Thread-safe.
class MetricsSink {
 public:
  /// One instrument with fixed attributes.
  class Recorder {
   public:
    virtual ~Recorder() = default;
    /// Adds `value` (counters, up-down counters) or records it (histograms). Must not throw.
    virtual void add(double value) noexcept = 0;
    /// Adds or records every one of `values`, as add() on each would. The pipelines report the
    /// durations of a batch of publishes or handler calls in one call; the default calls add()
    /// per value, a sink overrides it to take its lock once per batch. Must not throw.
    virtual void add_each(std::span<const double> values) noexcept {
      for (const double value : values) add(value);
    }
  };
  virtual ~MetricsSink() = default;
  /// The recorder for `which` with `attributes`; may return the same one for equal requests.
  virtual std::shared_ptr<Recorder> recorder(Instrument which,
                                             const MetricAttributes& attributes) = 0;
};

/// Installs `sink` for the whole process (nullptr: no metrics, the default). Producers and
/// consumers created afterwards report to it; install it at startup, before creating clients.
/// With no sink, counting costs one predictable branch per event.
void set_metrics_sink(std::shared_ptr<MetricsSink> sink);
/// The installed sink, or nullptr.
std::shared_ptr<MetricsSink> metrics_sink();

}  // namespace unimq
