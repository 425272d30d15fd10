// Request-reply and scatter-gather (Client::request, scatter, serve): replies reach the caller
// that asked, late replies are dropped and counted, unserved topics time out at the deadline.
#include <future>
#include <set>
#include <thread>

#include "fixture.hpp"

namespace unimq::test {
namespace {

using Clock = std::chrono::steady_clock;

/// A responder that answers "re:<payload>" and keeps the request's `tag` header.
Message echo(const Delivery& d) {
  Message reply("re:" + d.message().payload());
  if (auto tag = d.message().headers().get("tag")) reply.header("tag", std::string(*tag));
  return reply;
}

TEST_P(Conformance, RequestGetsTheReplyOfItsResponder) {
  const auto topic = unique("prices");
  auto responder = client().serve(topic, group("price-service"), echo);
  auto reply = client().request(topic, Message("sku-7").header("tag", "t1"), 10s).get();
  EXPECT_EQ(reply.payload(), "re:sku-7");
  EXPECT_EQ(reply.headers().get("tag"), "t1");
  // The correlation id is the SDK's business, not the caller's.
  EXPECT_FALSE(reply.headers().contains(std::string(correlation_id_header)));
  EXPECT_EQ(client().late_replies(), 0u);
}

TEST_P(Conformance, HundredConcurrentRequestsEachGetTheirOwnReply) {
  const auto topic = unique("echo");
  auto responder =
      client().serve(topic, group("echo-service"), echo, {.concurrency = 8, .max_in_flight = 64});
  std::vector<std::future<Message>> replies;
  for (int i = 0; i < 100; ++i) {
    replies.push_back(client().request(topic, Message(std::to_string(i)), 20s));
  }
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(replies[i].get().payload(), "re:" + std::to_string(i));
  }
  EXPECT_EQ(client().late_replies(), 0u);
}

TEST_P(Conformance, RequestToATopicNobodyServesTimesOutAtTheDeadline) {
  const auto start = Clock::now();
  auto reply = client().request(unique("nobody"), Message("anyone?"), 300ms);
  EXPECT_THROW(reply.get(), TimeoutError);
  const auto took = Clock::now() - start;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2300ms);
}

TEST_P(Conformance, LateReplyIsDroppedAndCountedNeverGivenToTheNextCaller) {
  const auto topic = unique("slow");
  auto responder = client().serve(topic, group("slow-service"), [](const Delivery& d) {
    if (d.message().payload() == "slow") std::this_thread::sleep_for(800ms);
    return echo(d);
  });
  auto slow = client().request(topic, Message("slow"), 200ms);
  EXPECT_THROW(slow.get(), TimeoutError);
  // The next request is answered only after the slow one was (one in-order responder), so the
  // late reply arrives while this call waits: it must get its own reply.
  auto next = client().request(topic, Message("fast"), 10s).get();
  EXPECT_EQ(next.payload(), "re:fast");
  EXPECT_TRUE(eventually([&] { return client().late_replies() == 1; }, 10s))
      << client().late_replies();
}

TEST_P(Conformance, ScatterGathersOneReplyFromEachGroup) {
  const auto topic = unique("quotes");
  std::vector<Consumer> responders;
  for (const char* name : {"quote-a", "quote-b", "quote-c"}) {
    responders.push_back(client().serve(topic, group(name), [name](const Delivery& d) {
      return Message(std::string(name) + ":" + d.message().payload());
    }));
  }
  // With max_replies the call returns as soon as all three answered.
  const auto start = Clock::now();
  auto replies = client().scatter(topic, Message("100 shares"), 20s, 3).get();
  EXPECT_LT(Clock::now() - start, 15s);
  std::set<std::string> payloads;
  for (const auto& r : replies) payloads.insert(r.payload());
  EXPECT_EQ(payloads, (std::set<std::string>{"quote-a:100 shares", "quote-b:100 shares",
                                             "quote-c:100 shares"}));
  // Without a limit it gathers until the deadline.
  auto all = client().scatter(topic, Message("5 shares"), 2s).get();
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(client().late_replies(), 0u);
}

TEST_P(Conformance, ScatterWithNoResponderReturnsNoReplyAtTheDeadline) {
  auto replies = client().scatter(unique("empty"), Message("anyone?"), 300ms, 3).get();
  EXPECT_TRUE(replies.empty());
}

TEST_P(Conformance, ResponderThatFailsOnceIsRetriedAndStillAnswers) {
  const auto topic = unique("flaky");
  std::atomic<int> calls{0};
  auto responder = client().serve(topic, group("flaky-service"),
                                  [&](const Delivery& d) {
                                    if (calls.fetch_add(1) == 0) throw std::runtime_error("boom");
                                    return echo(d);
                                  },
                                  {.retry = quick_retry(3)});
  auto reply = client().request(topic, Message("x"), 20s).get();
  EXPECT_EQ(reply.payload(), "re:x");
  EXPECT_EQ(calls.load(), 2);
}

TEST_P(Conformance, ClosingTheClientFailsWaitingRequests) {
  auto other = connect_again();
  auto waiting = other.request(unique("closing"), Message("x"), 30s);
  other.close();
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_THROW(waiting.get(), ClosedError);
  EXPECT_THROW(other.request(unique("closing"), Message("y"), 1s), ClosedError);
}

}  // namespace
}  // namespace unimq::test
