// W3C Trace Context: parsing, the thread's current context, and the process-wide propagator.
#include <atomic>
#include <mutex>
#include <vector>

#include "internal/trace_propagation.hpp"

namespace unimq {
namespace {

thread_local std::optional<TraceContext> tls_current;

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zero(std::string_view s) noexcept {
  return s.find_first_not_of('0') == std::string_view::npos;
}

int hex_value(char c) noexcept {
  return c <= '9' ? c - '0' : c - 'a' + 10;
}

// The propagator in use; nullptr = the W3C default. Installed ones are never freed (see
// set_trace_propagator), so a reader never sees a dangling pointer.
std::atomic<TracePropagator*> installed{nullptr};

/// The default: the thread's current context, as W3C headers.
class W3cActivation final : public TracePropagator::Activation {
 public:
  explicit W3cActivation(TraceContext context) : scope_(std::move(context)) {}

 private:
  TraceScope scope_;
};

}  // namespace

std::optional<TraceContext> TraceContext::parse(std::string_view traceparent,
                                                std::string_view tracestate) noexcept {
  // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 characters.
  constexpr std::size_t kLength = 55;
  if (traceparent.size() < kLength) return std::nullopt;
  const auto version = traceparent.substr(0, 2);
  if (!is_lower_hex(version) || version == "ff") return std::nullopt;
  // Version 00 has exactly these fields; a later version may append "-..." fields.
  if (traceparent.size() > kLength && (version == "00" || traceparent[kLength] != '-')) {
    return std::nullopt;
  }
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') {
    return std::nullopt;
  }
  const auto trace_id = traceparent.substr(3, 32);
  const auto span_id = traceparent.substr(36, 16);
  const auto flags = traceparent.substr(53, 2);
  if (!is_lower_hex(trace_id) || !is_lower_hex(span_id) || !is_lower_hex(flags)) {
    return std::nullopt;
  }
  if (all_zero(trace_id) || all_zero(span_id)) return std::nullopt;
  try {
    TraceContext context;
    context.trace_id = std::string(trace_id);
    context.span_id = std::string(span_id);
    context.flags = static_cast<std::uint8_t>(hex_value(flags[0]) * 16 + hex_value(flags[1]));
    context.tracestate = std::string(tracestate);
    return context;
  } catch (...) {  // allocation failure: no context rather than an exception
    return std::nullopt;
  }
}

std::string TraceContext::traceparent() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "00-" + trace_id + "-" + span_id + "-";
  out += kHex[flags >> 4];
  out += kHex[flags & 0xf];
  return out;
}

std::optional<TraceContext> current_trace() {
  return tls_current;
}

TraceScope::TraceScope(TraceContext context) : previous_(std::move(tls_current)) {
  tls_current = std::move(context);
}

TraceScope::~TraceScope() {
  tls_current = std::move(previous_);
}

void set_trace_propagator(std::shared_ptr<TracePropagator> propagator) {
  static std::mutex mutex;
  static std::vector<std::shared_ptr<TracePropagator>> keep_alive;
  std::lock_guard lock(mutex);
  TracePropagator* raw = propagator.get();
  if (propagator) keep_alive.push_back(std::move(propagator));
  installed.store(raw, std::memory_order_release);
}

namespace detail {

void inject_trace(Headers& headers) noexcept {
  try {
    auto* p = installed.load(std::memory_order_acquire);
    if (p == nullptr && !tls_current) return;  // nothing to inject: the usual case, kept cheap
    if (headers.contains(traceparent_header)) return;  // the application set its own
    if (p != nullptr) {
      p->inject(headers);
      return;
    }
    if (!tls_current) return;
    headers.set(std::string(traceparent_header), tls_current->traceparent());
    if (!tls_current->tracestate.empty()) {
      headers.set(std::string(tracestate_header), tls_current->tracestate);
    }
  } catch (...) {  // tracing never fails a publish
  }
}

std::unique_ptr<TracePropagator::Activation> activate_trace(const Headers& headers) noexcept {
  try {
    if (auto* p = installed.load(std::memory_order_acquire)) return p->activate(headers);
    const auto parent = headers.get(traceparent_header);
    if (!parent) return nullptr;
    auto context = TraceContext::parse(*parent, headers.get(tracestate_header).value_or(""));
    if (!context) return nullptr;  // malformed: ignored, never an error
    return std::make_unique<W3cActivation>(std::move(*context));
  } catch (...) {
    return nullptr;
  }
}

}  // namespace detail
}  // namespace unimq
