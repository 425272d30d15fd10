// The Prometheus exporter: families per instrument in a prometheus-cpp registry, served by its
// civetweb-based Exposer.
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <span>
#include <vector>

#include "unimq/error.hpp"
#include "unimq/prometheus.hpp"

namespace unimq::prometheus {
namespace {

namespace prom = ::prometheus;

// Prometheus names: dots become underscores, counters end in _total, durations in _seconds.
const char* prometheus_name(Instrument which) {
  switch (which) {
    case Instrument::sent_messages:
      return "messaging_client_sent_messages_total";
    case Instrument::consumed_messages:
      return "messaging_client_consumed_messages_total";
    case Instrument::operation_duration:
      return "messaging_client_operation_duration_seconds";
    case Instrument::process_duration:
      return "messaging_process_duration_seconds";
    case Instrument::retries:
      return "unimq_retries_total";
    case Instrument::dead_lettered:
      return "unimq_dead_lettered_total";
    case Instrument::redelivered:
      return "unimq_redelivered_total";
    case Instrument::in_flight:
      return "unimq_in_flight";
    case Instrument::publish_buffered:
      return "unimq_publish_buffered";
  }
  return "unimq_unknown";
}

std::map<std::string, std::string> labels_of(const MetricAttributes& a) {
  std::map<std::string, std::string> labels{{"messaging_system", a.system},
                                            {"messaging_destination_name", a.destination}};
  if (!a.group.empty()) labels["messaging_consumer_group_name"] = a.group;
  if (!a.operation.empty()) labels["messaging_operation_name"] = a.operation;
  if (!a.error_type.empty()) labels["error_type"] = a.error_type;
  return labels;
}

// Buckets for messaging durations in seconds (OpenTelemetry's advice for these instruments).
const prom::Histogram::BucketBoundaries& duration_buckets() {
  static const prom::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                                         0.5,   0.75, 1,     2.5,  5,     7.5, 10};
  return buckets;
}

class CounterRecorder final : public MetricsSink::Recorder {
 public:
  explicit CounterRecorder(prom::Counter& c) : c_(c) {}
  void add(double value) noexcept override { c_.Increment(value); }

 private:
  prom::Counter& c_;
};

class GaugeRecorder final : public MetricsSink::Recorder {
 public:
  explicit GaugeRecorder(prom::Gauge& g) : g_(g) {}
  void add(double value) noexcept override { g_.Increment(value); }

 private:
  prom::Gauge& g_;
};

class HistogramRecorder final : public MetricsSink::Recorder {
 public:
  HistogramRecorder(prom::Histogram& h, const prom::Histogram::BucketBoundaries& bounds)
      : h_(h), bounds_(bounds) {}
  void add(double value) noexcept override { h_.Observe(value); }
  // Bins the batch here and hands it over in one ObserveMultiple: one lock of the histogram's
  // mutex per batch instead of one per value. Bins as Observe does: the first bucket whose
  // upper bound is >= the value, the last (+Inf) when none is.
  void add_each(std::span<const double> values) noexcept override {
    if (values.empty()) return;
    try {
      std::vector<double> increments(bounds_.size() + 1, 0.0);
      double sum = 0;
      for (const double value : values) {
        const auto bucket =
            std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
        increments[static_cast<std::size_t>(bucket)] += 1;
        sum += value;
      }
      h_.ObserveMultiple(increments, sum);
    } catch (...) {
      // Out of memory for the bins: the batch is not recorded; metrics never fail a publish.
    }
  }

 private:
  prom::Histogram& h_;
  const prom::Histogram::BucketBoundaries& bounds_;
};

}  // namespace

struct Exporter::Impl {
  std::shared_ptr<prom::Registry> registry = std::make_shared<prom::Registry>();
  std::unique_ptr<prom::Exposer> exposer;
  std::mutex mutex;  // guards the families' Add (prometheus-cpp's Add is thread-safe; the maps
                     // below are ours)
  std::map<Instrument, prom::Family<prom::Counter>*> counters;
  std::map<Instrument, prom::Family<prom::Gauge>*> gauges;
  std::map<Instrument, prom::Family<prom::Histogram>*> histograms;
};

Exporter::Exporter(const std::string& listen) : impl_(std::make_unique<Impl>()) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    throw ConfigError("prometheus: listen address '" + listen +
                      "' is not host:port (e.g. 127.0.0.1:9464)");
  }
  try {
    impl_->exposer = std::make_unique<prom::Exposer>(listen);
  } catch (const std::exception& e) {
    throw ConnectionError("prometheus: cannot serve /metrics on " + listen + ": " + e.what());
  }
  impl_->exposer->RegisterCollectable(impl_->registry);
}

Exporter::~Exporter() = default;

std::uint16_t Exporter::port() const {
  const auto ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<std::uint16_t>(ports.front());
}

std::shared_ptr<MetricsSink::Recorder> Exporter::recorder(Instrument which,
                                                          const MetricAttributes& attributes) {
  const auto labels = labels_of(attributes);
  const std::string help = std::string("unimq: ") + metric_name(which);
  std::lock_guard lock(impl_->mutex);
  switch (kind_of(which)) {
    case InstrumentKind::counter: {
      auto& family = impl_->counters[which];
      if (family == nullptr) {
        family = &prom::BuildCounter()
                      .Name(prometheus_name(which))
                      .Help(help)
                      .Register(*impl_->registry);
      }
      return std::make_shared<CounterRecorder>(family->Add(labels));
    }
    case InstrumentKind::up_down_counter: {
      auto& family = impl_->gauges[which];
      if (family == nullptr) {
        family =
            &prom::BuildGauge().Name(prometheus_name(which)).Help(help).Register(*impl_->registry);
      }
      return std::make_shared<GaugeRecorder>(family->Add(labels));
    }
    case InstrumentKind::histogram: {
      auto& family = impl_->histograms[which];
      if (family == nullptr) {
        family = &prom::BuildHistogram()
                      .Name(prometheus_name(which))
                      .Help(help)
                      .Register(*impl_->registry);
      }
      return std::make_shared<HistogramRecorder>(family->Add(labels, duration_buckets()),
                                                 duration_buckets());
    }
  }
  return nullptr;
}

std::shared_ptr<Exporter> serve_metrics(const std::string& listen) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<Exporter>> running;
  std::lock_guard lock(mutex);
  auto& exporter = running[listen];
  if (!exporter) exporter = std::make_shared<Exporter>(listen);
  set_metrics_sink(exporter);
  return exporter;
}

}  // namespace unimq::prometheus

// Called by Client::from_config for `metrics.prometheus.listen` (a weak reference there: the
// core library does not depend on prometheus-cpp).
extern "C" void unimq_metrics_serve_prometheus(const char* listen) {
  unimq::prometheus::serve_metrics(listen);
}
