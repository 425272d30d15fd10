// Metric names, the process-wide sink, and the recorders the pipelines report to.

#include "internal/instruments.hpp"
#include "unimq/error.hpp"

namespace unimq {
namespace {

std::mutex sink_mutex;
std::shared_ptr<MetricsSink> installed_sink;

}  // namespace

const char* metric_name(Instrument which) noexcept {
  switch (which) {
    case Instrument::sent_messages:
      return "messaging.client.sent.messages";
    case Instrument::consumed_messages:
      return "messaging.client.consumed.messages";
    case Instrument::operation_duration:
      return "messaging.client.operation.duration";
    case Instrument::process_duration:
      return "messaging.process.duration";
    case Instrument::retries:
      return "unimq.retries";
    case Instrument::dead_lettered:
      return "unimq.dead_lettered";
    case Instrument::redelivered:
      return "unimq.redelivered";
    case Instrument::in_flight:
      return "unimq.in_flight";
    case Instrument::publish_buffered:
      return "unimq.publish.buffered";
  }
  return "unknown";
}

InstrumentKind kind_of(Instrument which) noexcept {
  switch (which) {
    case Instrument::operation_duration:
    case Instrument::process_duration:
      return InstrumentKind::histogram;
    case Instrument::in_flight:
    case Instrument::publish_buffered:
      return InstrumentKind::up_down_counter;
    default:
      return InstrumentKind::counter;
  }
}

void set_metrics_sink(std::shared_ptr<MetricsSink> sink) {
  std::lock_guard lock(sink_mutex);
  installed_sink = std::move(sink);
}

std::shared_ptr<MetricsSink> metrics_sink() {
  std::lock_guard lock(sink_mutex);
  return installed_sink;
}

namespace detail {

std::string error_type_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ConfigError&) {
    return "ConfigError";
  } catch (const ConnectionError&) {
    return "ConnectionError";
  } catch (const TimeoutError&) {
    return "TimeoutError";
  } catch (const UnsupportedError&) {
    return "UnsupportedError";
  } catch (const PublishError&) {
    return "PublishError";
  } catch (const ClosedError&) {
    return "ClosedError";
  } catch (const PermanentError&) {
    return "PermanentError";
  } catch (const MalformedError&) {
    return "MalformedError";
  } catch (const std::exception&) {
    return "exception";
  } catch (...) {
    return "unknown";
  }
}

Instruments::Instruments(const std::string& system, const std::string& topic,
                         const std::string& group, const char* operation)
    : sink_(metrics_sink()) {
  if (!sink_) return;
  attributes_.system = system;
  attributes_.destination = topic;
  attributes_.group = group;
  attributes_.operation = operation;
  const bool publishing = group.empty() && std::string_view(operation) == "publish";
  count_ = publishing ? Instrument::sent_messages : Instrument::consumed_messages;
  duration_ = publishing ? Instrument::operation_duration : Instrument::process_duration;
  ok_ = sink_->recorder(count_, attributes_);
  duration_ok_ = sink_->recorder(duration_, attributes_);
  retries_ = sink_->recorder(Instrument::retries, attributes_);
  held_ = sink_->recorder(publishing ? Instrument::publish_buffered : Instrument::in_flight,
                          attributes_);
  if (!publishing) {
    dead_lettered_ = sink_->recorder(Instrument::dead_lettered, attributes_);
    redelivered_ = sink_->recorder(Instrument::redelivered, attributes_);
  }
}

Instruments::RecorderPtr Instruments::failures(const std::string& error_type) {
  std::lock_guard lock(mutex_);
  auto it = by_error_.find(error_type);
  if (it == by_error_.end()) {
    MetricAttributes a = attributes_;
    a.error_type = error_type;
    it = by_error_
             .emplace(error_type,
                      std::make_pair(sink_->recorder(count_, a), sink_->recorder(duration_, a)))
             .first;
  }
  return it->second.first;
}

void Instruments::completed(const std::exception_ptr& error, Duration took) {
  if (!sink_) return;
  if (!error) {
    add(ok_, 1);
    add(duration_ok_, std::chrono::duration<double>(took).count());
    return;
  }
  failed(error_type_of(error), took);
}

void Instruments::failed(const std::string& error_type, Duration took) {
  if (!sink_) return;
  add(failures(error_type), 1);
  RecorderPtr duration;
  {
    std::lock_guard lock(mutex_);
    duration = by_error_[error_type].second;
  }
  add(duration, std::chrono::duration<double>(took).count());
}

}  // namespace detail
}  // namespace unimq
