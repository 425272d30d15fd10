// W3C Trace Context parsing, the thread's current context, and the propagator hook.
#include <gtest/gtest.h>

#include <thread>

#include "unimq/unimq.hpp"

namespace unimq {
namespace {

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, ParsesTheW3cExample) {
  auto c = TraceContext::parse(kValid, "congo=t61rcWkgMzE");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(c->span_id, "00f067aa0ba902b7");
  EXPECT_EQ(c->flags, 1);
  EXPECT_TRUE(c->sampled());
  EXPECT_EQ(c->tracestate, "congo=t61rcWkgMzE");
  EXPECT_EQ(c->traceparent(), kValid);
}

TEST(TraceContext, MalformedValuesAreRejected) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 with more
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
           "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later version, no '-'
       }) {
    EXPECT_FALSE(TraceContext::parse(bad)) << bad;
  }
}

TEST(TraceContext, ALaterVersionMayAppendFields) {
  auto c = TraceContext::parse("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->traceparent(), kValid);  // re-emitted as version 00
}

TEST(TraceScope, NestsAndRestoresPerThread) {
  EXPECT_FALSE(current_trace());
  {
    TraceScope outer(*TraceContext::parse(kValid));
    EXPECT_EQ(current_trace()->span_id, "00f067aa0ba902b7");
    {
      TraceScope inner(
          *TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-00"));
      EXPECT_EQ(current_trace()->span_id, "1111111111111111");
      std::thread([] { EXPECT_FALSE(current_trace()); }).join();
    }
    EXPECT_EQ(current_trace()->span_id, "00f067aa0ba902b7");
  }
  EXPECT_FALSE(current_trace());
}

/// Records what the pipelines ask of it.
class RecordingPropagator final : public TracePropagator {
 public:
  class Active final : public Activation {
   public:
    explicit Active(RecordingPropagator& p) : p_(p) { ++p_.active; }
    ~Active() override { --p_.active; }

   private:
    RecordingPropagator& p_;
  };
  void inject(Headers& headers) override { headers.set("traceparent", kValid); }
  std::unique_ptr<Activation> activate(const Headers& headers) override {
    activated_with = std::string(headers.get("traceparent").value_or(""));
    return std::make_unique<Active>(*this);
  }
  std::atomic<int> active{0};
  std::string activated_with;
};

TEST(TracePropagator, AnInstalledPropagatorInjectsAndActivates) {
  auto propagator = std::make_shared<RecordingPropagator>();
  set_trace_propagator(propagator);
  auto client = Client::connect("memory://trace-propagator");
  auto topic = client.topic("traced");
  std::promise<int> active_in_handler;
  auto consumer = topic.consumer();
  consumer.start([&](const Delivery&) { active_in_handler.set_value(propagator->active.load()); });
  topic.producer().publish(Message("x")).get();
  auto f = active_in_handler.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(f.get(), 1);
  consumer.stop();
  EXPECT_EQ(propagator->activated_with, kValid);
  EXPECT_EQ(propagator->active.load(), 0);
  set_trace_propagator(nullptr);
}

}  // namespace
}  // namespace unimq
