// W3C trace context travels with every message: the handler sees the publisher's trace, the
// dead-letter copy and a request's reply keep it, and a malformed traceparent is ignored.
#include "fixture.hpp"

namespace unimq::test {
namespace {

constexpr const char* kParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST_P(Conformance, HandlerSeesThePublishersTraceAndTheDeadLetterCopyKeepsIt) {
  auto topic = client().topic(unique("traced"));
  auto dlq = client().topic(topic.name() + ".dlq");
  std::mutex mutex;
  std::vector<std::string> handler_traces;
  Collector dead;
  auto dlq_reader = dlq.consumer({.group = group("audit")});
  dlq_reader.start([&](const Delivery& d) { dead.add(d); });
  auto consumer = topic.consumer({.group = group("traced"), .retry = quick_retry(1)});
  consumer.start([&](const Delivery& d) {
    const auto trace = current_trace();
    {
      std::lock_guard lock(mutex);
      handler_traces.push_back(trace ? trace->trace_id : "none");
    }
    if (d.message().payload() == "fail") throw PermanentError("dead-letter me");
  });
  {
    TraceScope scope(*TraceContext::parse(kParent, "vendor=opaque"));
    auto producer = topic.producer();
    producer.publish(Message("ok")).get();
    producer.publish(Message("fail")).get();
  }
  ASSERT_TRUE(dead.wait_for(1));
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(handler_traces, (std::vector<std::string>{"0af7651916cd43dd8448eb211c80319c",
                                                        "0af7651916cd43dd8448eb211c80319c"}));
  }
  const auto copy = dead.messages().front();
  EXPECT_EQ(copy.headers().get("traceparent"), kParent);
  EXPECT_EQ(copy.headers().get("tracestate"), "vendor=opaque");
}

TEST_P(Conformance, MalformedTraceparentIsIgnoredAndTheMessageDelivered) {
  auto topic = client().topic(unique("badtrace"));
  Collector got;
  std::atomic<bool> had_trace{true};
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([&](const Delivery& d) {
    had_trace = current_trace().has_value();
    got.add(d);
  });
  topic.producer().publish(Message("x").header("traceparent", "00-not-a-trace-01")).get();
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_FALSE(had_trace.load());
  EXPECT_EQ(got.messages().front().headers().get("traceparent"), "00-not-a-trace-01");
}

TEST_P(Conformance, RequestAndReplyCarryTheCallersTrace) {
  const auto topic = unique("traced-rr");
  std::mutex mutex;
  std::string seen_by_responder;
  auto responder = client().serve(topic, group("svc"), [&](const Delivery&) {
    const auto trace = current_trace();
    std::lock_guard lock(mutex);
    seen_by_responder = trace ? trace->trace_id : "none";
    return Message("pong");
  });
  TraceScope scope(*TraceContext::parse(kParent));
  const auto reply = client().request(topic, Message("ping"), 20s).get();
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen_by_responder, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(reply.headers().get("traceparent"), kParent);
}

}  // namespace
}  // namespace unimq::test
