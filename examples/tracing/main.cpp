// Tracing: a toy tracer plugged in through unimq::TracePropagator, the hook an application uses
// to bridge OpenTelemetry C++. The tracer starts a "publish" span for each message sent inside a
// request's span and a "process" span around each handler call, child of the publisher's span,
// and prints them. Succeeds only if every handler span belongs to its publisher's trace.
//
// The code is the same for every broker; --url picks one.
#include <atomic>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::string random_hex(std::size_t digits) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  while (out.size() < digits) {
    char part[17];
    std::snprintf(part, sizeof part, "%016llx", static_cast<unsigned long long>(rng()));
    out += part;
  }
  return out.substr(0, digits);
}

/// A stand-in for a real tracer: spans are printed when they end.
class ToyTracer final : public unimq::TracePropagator {
 public:
  /// A handler's span; current while the handler runs.
  class ProcessSpan final : public Activation {
   public:
    ProcessSpan(ToyTracer& tracer, unimq::TraceContext context)
        : tracer_(tracer), started_(Clock::now()), scope_(context), context_(std::move(context)) {}
    ~ProcessSpan() override {
      const auto us =
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count();
      tracer_.print("process", context_, us);
      tracer_.processed_traces.add(context_.trace_id);
    }

   private:
    ToyTracer& tracer_;
    Clock::time_point started_;
    unimq::TraceScope scope_;  // so anything the handler publishes continues this trace
    unimq::TraceContext context_;
  };

  /// Trace ids seen, thread-safe.
  struct TraceSet {
    std::mutex mutex;
    std::set<std::string> ids;
    void add(const std::string& id) {
      std::lock_guard lock(mutex);
      ids.insert(id);
    }
  };

  void inject(unimq::Headers& headers) override {
    // A "publish" span: child of the caller's current span, or the root of a new trace.
    const auto parent = unimq::current_trace();
    unimq::TraceContext span;
    span.trace_id = parent ? parent->trace_id : random_hex(32);
    span.span_id = random_hex(16);
    span.flags = 1;
    headers.set("traceparent", span.traceparent());
    print("publish", span, 0);
    published_traces.add(span.trace_id);
  }

  std::unique_ptr<Activation> activate(const unimq::Headers& headers) override {
    const auto parent = headers.get("traceparent");
    auto context = parent ? unimq::TraceContext::parse(*parent) : std::nullopt;
    if (!context) return nullptr;       // an untraced message
    context->span_id = random_hex(16);  // the process span, child of the publish span
    return std::make_unique<ProcessSpan>(*this, std::move(*context));
  }

  void print(const char* name, const unimq::TraceContext& c, long long us) {
    std::lock_guard lock(print_mutex_);
    std::cout << "  span " << name << " trace=" << c.trace_id << " span=" << c.span_id;
    if (us > 0) std::cout << " " << us << " us";
    std::cout << "\n";
  }

  TraceSet published_traces;
  TraceSet processed_traces;

 private:
  std::mutex print_mutex_;
};

int run(const example::Args& args) {
  const auto deadline = Clock::now() + args.timeout;
  auto tracer = std::make_shared<ToyTracer>();
  unimq::set_trace_propagator(tracer);  // once, at startup

  auto client = unimq::Client::connect(args.url);
  auto orders = client.topic(example::unique_name("orders"));
  std::atomic<int> handled{0};
  auto consumer = orders.consumer({.group = example::group_or_broadcast(client, "billing")});
  consumer.start([&](const unimq::Delivery&) { ++handled; });

  auto producer = orders.producer();
  constexpr int kOrders = 3;
  for (int i = 0; i < kOrders; ++i) {
    // Each order is one incoming request with its own trace (here: a fresh root span).
    unimq::TraceScope request(
        *unimq::TraceContext::parse("00-" + random_hex(32) + "-" + random_hex(16) + "-01"));
    producer.publish(unimq::Message("order-" + std::to_string(i))).get();
  }
  const bool done = example::wait_until([&] { return handled.load() == kOrders; }, deadline);
  consumer.stop();
  unimq::set_trace_propagator(nullptr);

  std::lock_guard a(tracer->published_traces.mutex), b(tracer->processed_traces.mutex);
  std::cout << "tracing on " << client.url() << ": " << tracer->published_traces.ids.size()
            << " traces published, " << tracer->processed_traces.ids.size()
            << " continued by the handler\n";
  const bool ok = done && tracer->published_traces.ids.size() == kOrders &&
                  tracer->processed_traces.ids == tracer->published_traces.ids;
  if (!ok) std::cerr << "tracing: expected outcome did not happen\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = example::parse_args(
      argc, argv, "tracing: a toy tracer bridged through unimq::TracePropagator");
  return example::run([&] { return run(args); });
}
