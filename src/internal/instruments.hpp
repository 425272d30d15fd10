// The recorders one producer or consumer reports to, resolved once from the installed
// MetricsSink. Every method is a no-op (one branch) when no sink was installed at creation.
#pragma once

#include <chrono>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "unimq/metrics.hpp"

namespace unimq::detail {

/// The class name of the exception in `error` ("TimeoutError", ...), for `error.type`.
std::string error_type_of(const std::exception_ptr& error);

/// Recorders with fixed attributes plus, per error type, the failure counters.
class Instruments {
 public:
  using Duration = std::chrono::steady_clock::duration;

  /// Resolves the recorders of a producer (`group` empty, operation "publish") or consumer
  /// (operation "process") from the installed sink; inert when none is installed.
  Instruments(const std::string& system, const std::string& topic, const std::string& group,
              const char* operation);

  /// Publishes or handler calls succeeded, one per entry of `seconds` (how long each took):
  /// one count and one histogram batch for all of them.
  void succeeded(std::span<const double> seconds) noexcept {
    if (seconds.empty()) return;
    add(ok_, static_cast<double>(seconds.size()));
    if (duration_ok_) duration_ok_->add_each(seconds);
  }
  /// One publish or handler call finished after `took`; `error` is null on success.
  void completed(const std::exception_ptr& error, Duration took);
  /// A publish or handler call failed with an error of type `error_type` after `took`.
  void failed(const std::string& error_type, Duration took);
  /// A retry was scheduled.
  void retried() noexcept { add(retries_, 1); }
  /// The dead-letter topic confirmed a copy.
  void dead_lettered() noexcept { add(dead_lettered_, 1); }
  /// The broker delivered a message again.
  void redelivered() noexcept { add(redelivered_, 1); }
  /// Messages held (in flight, or buffered by a producer) changed by `delta`.
  void held(double delta) noexcept { add(held_, delta); }
  /// Whether a sink receives these measurements.
  bool active() const noexcept { return sink_ != nullptr; }

 private:
  using RecorderPtr = std::shared_ptr<MetricsSink::Recorder>;
  static void add(const RecorderPtr& r, double v) noexcept {
    if (r) r->add(v);
  }
  RecorderPtr failures(const std::string& error_type);

  std::shared_ptr<MetricsSink> sink_;
  MetricAttributes attributes_;
  Instrument count_ = Instrument::sent_messages;
  Instrument duration_ = Instrument::operation_duration;
  RecorderPtr ok_, duration_ok_, retries_, dead_lettered_, redelivered_, held_;
  std::mutex mutex_;
  std::map<std::string, std::pair<RecorderPtr, RecorderPtr>> by_error_;  // count, duration
};

}  // namespace unimq::detail
