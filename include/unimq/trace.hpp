// W3C Trace Context (level 1) carried with every message: publish injects the caller's current
// context as `traceparent` / `tracestate` headers, consume makes the message's context current
// while the handler runs. A TracePropagator bridges a tracing library such as OpenTelemetry C++.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "unimq/headers.hpp"

namespace unimq {

/// Header carrying the W3C trace parent: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`.
inline constexpr std::string_view traceparent_header = "traceparent";
/// Header carrying the W3C vendor-specific trace state, passed on unchanged.
inline constexpr std::string_view tracestate_header = "tracestate";

/// One span's W3C trace context. A plain value type.
struct TraceContext {
  std::string trace_id;    ///< 32 lowercase hex digits, not all zero.
  std::string span_id;     ///< 16 lowercase hex digits (the parent span), not all zero.
  std::uint8_t flags = 0;  ///< Trace flags; bit 0 = sampled.
  std::string tracestate;  ///< The `tracestate` header as received, or empty.

  /// Parses a `traceparent` value (and keeps `tracestate`); nullopt when it is malformed per
  /// W3C Trace Context level 1 (wrong lengths, uppercase or non-hex digits, an all-zero id,
  /// version ff, or a version-00 value with trailing data). Never throws.
  static std::optional<TraceContext> parse(std::string_view traceparent,
                                           std::string_view tracestate = {}) noexcept;
  /// The `traceparent` value, version 00.
  std::string traceparent() const;
  /// Whether bit 0 of the flags (sampled) is set.
  bool sampled() const noexcept { return (flags & 1) != 0; }
  /// Equal when every field is equal.
  friend bool operator==(const TraceContext&, const TraceContext&) = default;
};

/// The context current on this thread: set by a TraceScope, or while a handler runs by the
/// message it was given. nullopt when there is none.
std::optional<TraceContext> current_trace();

/// Makes `context` current on this thread until destroyed, then restores what was current
/// before. Publishing inside the scope stamps the message with it. Not movable; nest freely.
///
///     unimq::TraceScope scope(*unimq::TraceContext::parse(incoming_traceparent));
///     producer.publish(unimq::Message("order 42"));  // carries incoming_traceparent
class TraceScope {
 public:
  /// Makes `context` current on this thread.
  explicit TraceScope(TraceContext context);
  /// Restores the context that was current before.
  ~TraceScope();
  TraceScope(const TraceScope&) = delete;
  TraceScope& operator=(const TraceScope&) = delete;

 private:
  std::optional<TraceContext> previous_;
};

/// Moves trace context between the application's tracer and message headers. The default
/// propagates the thread's current_trace() as W3C headers; install another to bridge a tracing
/// library (inject the tracer's active span, activate a span for each handler call).
class TracePropagator {
 public:
  /// What activate() returns; destroying it ends what activate() began (restores the previous
  /// context, ends the handler's span).
  class Activation {
   public:
    virtual ~Activation() = default;
  };
  virtual ~TracePropagator() = default;
  /// Called on the publishing thread for each message whose headers carry no `traceparent`:
  /// adds the caller's current context to `headers`. Must not throw.
  virtual void inject(Headers& headers) = 0;
  /// Called on the handler's thread before each handler call with the message's headers; the
  /// result lives until the handler returned. May return nullptr. Must not throw.
  virtual std::unique_ptr<Activation> activate(const Headers& headers) = 0;
};

/// Installs `propagator` for the whole process (nullptr restores the W3C default). Meant to be
/// called once at startup: a replaced propagator is kept alive until the process exits, since
/// another thread may still be using it.
void set_trace_propagator(std::shared_ptr<TracePropagator> propagator);

}  // namespace unimq
