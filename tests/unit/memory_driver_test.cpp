// The memory driver through the driver SPI, with exact counts.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/error.hpp"

using namespace std::chrono_literals;
using unimq::Message;
using unimq::StartPosition;
using unimq::driver::AckToken;
using unimq::driver::BrokerUrl;
using unimq::driver::Inbound;
using unimq::driver::Receiver;
using unimq::driver::ReceiverSpec;
using unimq::driver::Sender;
using unimq::driver::SendResult;
using Clock = std::chrono::steady_clock;

namespace {

std::unique_ptr<unimq::driver::Connection> connect(const std::string& url) {
  return unimq::driver::open_connection(BrokerUrl::parse(url));
}

// Sends payloads "<prefix>0", "<prefix>1", ...; memory completes before send() returns.
std::vector<SendResult> send(Sender& sender, const std::string& topic, int count,
                             const std::string& prefix = "m") {
  std::vector<Message> batch;
  for (int i = 0; i < count; ++i) batch.emplace_back(prefix + std::to_string(i));
  std::vector<SendResult> results(static_cast<std::size_t>(count));
  std::size_t completed = 0;
  sender.send(topic, std::move(batch), [&](std::size_t index, SendResult r) {
    results[index] = std::move(r);
    ++completed;
  });
  EXPECT_EQ(completed, static_cast<std::size_t>(count));
  return results;
}

// Receives until `count` messages arrived or `timeout` passed.
std::vector<Inbound> take(Receiver& r, std::size_t count, std::chrono::milliseconds timeout = 2s) {
  std::vector<Inbound> out;
  const auto deadline = Clock::now() + timeout;
  while (out.size() < count && Clock::now() < deadline) {
    for (auto& in : r.receive(count - out.size(), deadline)) out.push_back(std::move(in));
  }
  return out;
}

std::vector<std::string> payloads(const std::vector<Inbound>& in) {
  std::vector<std::string> out;
  for (const auto& m : in) out.push_back(m.message.payload());
  return out;
}

std::vector<std::string> names(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::vector<AckToken> tokens(const std::vector<Inbound>& in) {
  std::vector<AckToken> out;
  for (const auto& m : in) out.push_back(m.token);
  return out;
}

ReceiverSpec spec(std::string topic, std::string group,
                  StartPosition start = StartPosition::earliest) {
  ReceiverSpec s;
  s.topic = std::move(topic);
  s.group = std::move(group);
  s.start = start;
  return s;
}

}  // namespace

TEST(MemoryDriver, DeclaresItsCapabilities) {
  auto conn = connect("memory://test-xyz");
  const auto& c = conn->capabilities();
  EXPECT_EQ(c.system, "memory");
  EXPECT_EQ(c.guarantee, unimq::DeliveryGuarantee::at_least_once);
  EXPECT_EQ(c.ordering, unimq::OrderingScope::topic);
  EXPECT_EQ(c.max_payload, 0u);
  EXPECT_EQ(c.names(), (std::vector<std::string>{"consumer_groups", "nack", "delayed_redelivery",
                                                 "delivery_count", "replay", "native_headers"}));
}

TEST(MemoryDriver, ReceiptsCarrySequenceNumbersAndMessagesKeepKeyAndHeaders) {
  auto conn = connect("memory://test-receipts");
  auto sender = conn->open_sender();
  auto results = send(*sender, "t", 3);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_FALSE(results[i].error);
    EXPECT_EQ(results[i].receipt.topic, "");  // the common layer names the topic
    EXPECT_EQ(results[i].receipt.message_id, std::to_string(i + 1));
    EXPECT_EQ(results[i].receipt.offset, static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(send(*sender, "t", 1)[0].receipt.offset, 4);
  EXPECT_EQ(send(*sender, "other", 1)[0].receipt.offset, 1);  // one log per topic

  auto r = conn->open_receiver(spec("t", "g"));
  std::vector<Message> batch;
  batch.push_back(Message(std::string("a\0b", 3)).key("k").header("h", "v"));
  sender->send("t", std::move(batch), [](std::size_t, SendResult) {});
  auto got = take(*r, 5);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[4].message, Message(std::string("a\0b", 3)).key("k").header("h", "v"));
  EXPECT_EQ(got[4].id, "5");
  EXPECT_EQ(got[4].delivery_count, 1u);
}

TEST(MemoryDriver, ConnectionsWithTheSameNameShareTopics) {
  auto a = connect("memory://test-shared");
  auto b = connect("memory://test-shared");
  auto other = connect("memory://test-shared-other");
  auto ra = a->open_receiver(spec("t", "g", StartPosition::latest));
  auto rother = other->open_receiver(spec("t", "g", StartPosition::latest));
  send(*b->open_sender(), "t", 4);
  EXPECT_EQ(payloads(take(*ra, 4)), names("m", 0, 4));
  EXPECT_TRUE(rother->receive(10, Clock::now() + 50ms).empty());
}

TEST(MemoryDriver, GroupMembersShareMessages) {
  auto conn = connect("memory://test-xyz");
  auto a = conn->open_receiver(spec("share", "g"));
  auto b = conn->open_receiver(spec("share", "g"));
  send(*conn->open_sender(), "share", 100);
  auto got_a = a->receive(60, Clock::now());
  auto got_b = b->receive(100, Clock::now());
  EXPECT_EQ(payloads(got_a), names("m", 0, 60));  // each member sees log order
  EXPECT_EQ(payloads(got_b), names("m", 60, 100));
  EXPECT_TRUE(a->receive(100, Clock::now()).empty());
}

TEST(MemoryDriver, EveryGroupGetsEveryMessage) {
  auto conn = connect("memory://test-xyz");
  auto a = conn->open_receiver(spec("fan", "a"));
  auto b = conn->open_receiver(spec("fan", "b"));
  auto c1 = conn->open_receiver(spec("fan", "", StartPosition::latest));
  auto c2 = conn->open_receiver(spec("fan", "", StartPosition::latest));
  send(*conn->open_sender(), "fan", 50);
  for (Receiver* r : {a.get(), b.get(), c1.get(), c2.get()}) {
    auto got = take(*r, 50);
    EXPECT_EQ(payloads(got), names("m", 0, 50));
    r->ack(tokens(got));
    EXPECT_TRUE(r->receive(10, Clock::now()).empty());
  }
}

TEST(MemoryDriver, StartPositionsApplyToNewGroupsOnly) {
  auto conn = connect("memory://test-start");
  auto sender = conn->open_sender();
  send(*sender, "t", 5, "old");
  auto latest = conn->open_receiver(spec("t", "new", StartPosition::latest));
  auto earliest = conn->open_receiver(spec("t", "all", StartPosition::earliest));
  // Broadcast subscriptions always start at the end, whatever the spec says.
  auto broadcast = conn->open_receiver(spec("t", "", StartPosition::earliest));
  send(*sender, "t", 3, "new");
  EXPECT_EQ(payloads(take(*latest, 3)), names("new", 0, 3));
  EXPECT_EQ(payloads(take(*broadcast, 3)), names("new", 0, 3));
  auto all = take(*earliest, 8);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[0].message.payload(), "old0");
  EXPECT_EQ(all[7].message.payload(), "new2");
  earliest->ack(tokens(all));
  // Joining an existing group keeps its cursor, whatever start position the spec asks for.
  auto joined = conn->open_receiver(spec("t", "all", StartPosition::earliest));
  EXPECT_TRUE(joined->receive(10, Clock::now() + 20ms).empty());
  send(*sender, "t", 1, "later");
  EXPECT_EQ(take(*joined, 1).size() + take(*earliest, 1, 20ms).size(), 1u);
}

TEST(MemoryDriver, ReceiveWaitsForAPublishAndHonoursTheDeadline) {
  auto conn = connect("memory://test-wait");
  auto r = conn->open_receiver(spec("t", "g", StartPosition::latest));
  auto start = Clock::now();
  EXPECT_TRUE(r->receive(10, start + 50ms).empty());
  EXPECT_GE(Clock::now() - start, 50ms);

  std::thread producer([&] {
    std::this_thread::sleep_for(30ms);
    send(*conn->open_sender(), "t", 2);
  });
  auto got = r->receive(10, Clock::now() + 5s);
  producer.join();
  EXPECT_GE(got.size(), 1u);  // woken by the publish, long before the deadline
  const std::size_t total = got.size() + (got.size() == 1 ? take(*r, 1).size() : 0);
  EXPECT_EQ(total, 2u);
}

TEST(MemoryDriver, NackWithDelayRedeliversAfterTheDelay) {
  auto conn = connect("memory://test-nack");
  auto r = conn->open_receiver(spec("t", "g"));
  send(*conn->open_sender(), "t", 2);
  auto first = r->receive(1, Clock::now());
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].delivery_count, 1u);
  const auto nacked_at = Clock::now();
  r->nack(tokens(first), 200ms);
  // The other message is not held up by the pending redelivery.
  auto second = r->receive(10, Clock::now() + 20ms);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].message.payload(), "m1");
  r->ack(tokens(second));
  EXPECT_TRUE(r->receive(10, Clock::now() + 50ms).empty());
  auto again = r->receive(10, Clock::now() + 5s);
  EXPECT_GE(Clock::now() - nacked_at, 200ms);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].message.payload(), "m0");
  EXPECT_EQ(again[0].id, first[0].id);
  EXPECT_EQ(again[0].delivery_count, 2u);
  // A zero delay hands it back at once, counting again.
  r->nack(tokens(again), 0ms);
  auto third = r->receive(10, Clock::now());
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].delivery_count, 3u);
  r->ack(tokens(third));
  EXPECT_TRUE(r->receive(10, Clock::now() + 20ms).empty());
}

TEST(MemoryDriver, ClosingAReceiverHandsItsPendingMessagesToTheGroup) {
  auto conn = connect("memory://test-handback");
  auto a = conn->open_receiver(spec("t", "g"));
  auto b = conn->open_receiver(spec("t", "g"));
  send(*conn->open_sender(), "t", 10);
  auto got = a->receive(10, Clock::now());
  ASSERT_EQ(got.size(), 10u);
  const std::vector<AckToken> acked = {got[0].token, got[4].token, got[9].token};
  a->ack(acked);
  a->close();
  a->close();  // idempotent
  EXPECT_THROW(a->receive(1, Clock::now()), unimq::ClosedError);
  auto handed = b->receive(100, Clock::now());
  EXPECT_EQ(payloads(handed), (std::vector<std::string>{"m1", "m2", "m3", "m5", "m6", "m7", "m8"}));
  for (const auto& m : handed) EXPECT_EQ(m.delivery_count, 2u);
}

TEST(MemoryDriver, ClosingWakesMembersWaitingForWork) {
  auto conn = connect("memory://test-handback-wake");
  auto a = conn->open_receiver(spec("t", "g"));
  auto b = conn->open_receiver(spec("t", "g"));
  send(*conn->open_sender(), "t", 3);
  ASSERT_EQ(a->receive(10, Clock::now()).size(), 3u);
  std::vector<Inbound> got_b;
  std::thread waiter([&] { got_b = b->receive(10, Clock::now() + 5s); });
  std::this_thread::sleep_for(30ms);
  const auto closed_at = Clock::now();
  a.reset();  // destroying a receiver closes it
  waiter.join();
  EXPECT_LT(Clock::now() - closed_at, 2s);
  EXPECT_EQ(payloads(got_b), names("m", 0, 3));
}

TEST(MemoryDriver, AcksOfUnknownOrSettledTokensAreIgnored) {
  auto conn = connect("memory://test-acks");
  auto a = conn->open_receiver(spec("t", "g"));
  auto b = conn->open_receiver(spec("t", "g"));
  send(*conn->open_sender(), "t", 2);
  auto got = a->receive(2, Clock::now());
  ASSERT_EQ(got.size(), 2u);
  const std::vector<AckToken> bogus = {0, 999, got[1].token};
  b->ack(bogus);  // b holds nothing: no effect on a's messages
  a->ack(tokens(got));
  a->ack(tokens(got));
  a->nack(tokens(got), 0ms);  // settled already: nothing to hand back
  a->close();
  EXPECT_TRUE(b->receive(10, Clock::now() + 20ms).empty());
}

TEST(MemoryDriver, MaxInFlightBoundsUnsettledMessages) {
  auto conn = connect("memory://test-inflight");
  auto s = spec("t", "g");
  s.max_in_flight = 3;
  auto r = conn->open_receiver(s);
  send(*conn->open_sender(), "t", 10);
  auto first = r->receive(10, Clock::now());
  ASSERT_EQ(first.size(), 3u);
  EXPECT_TRUE(r->receive(10, Clock::now() + 10ms).empty());
  const std::vector<AckToken> one = {first[0].token};
  r->ack(one);
  auto next = r->receive(10, Clock::now());
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].message.payload(), "m3");
}

TEST(MemoryDriver, RetentionKeepsWhatALaggingGroupNeeds) {
  auto conn = connect("memory://test-retention?max_messages=5");
  auto sender = conn->open_sender();
  auto lagging = conn->open_receiver(spec("t", "lagging", StartPosition::latest));
  send(*sender, "t", 20);
  // A new group starting at the oldest retained message sees all 20: the lagging group still
  // needs them.
  auto probe = conn->open_receiver(spec("t", "probe1"));
  auto all = take(*probe, 20);
  EXPECT_EQ(payloads(all), names("m", 0, 20));
  probe->ack(tokens(all));

  // The lagging group reads 12 and acks 10 of them; it still needs 10 and 11 (unacked) onward.
  auto read = lagging->receive(12, Clock::now());
  ASSERT_EQ(read.size(), 12u);
  const auto read_tokens = tokens(read);
  lagging->ack(std::vector<AckToken>(read_tokens.begin(), read_tokens.begin() + 10));
  send(*sender, "t", 1, "x");
  auto probe2 = conn->open_receiver(spec("t", "probe2"));
  auto kept = take(*probe2, 11);
  ASSERT_EQ(kept.size(), 11u);
  EXPECT_EQ(kept.front().message.payload(), "m10");
  EXPECT_EQ(kept.back().message.payload(), "x0");
  probe2->ack(tokens(kept));

  // Once everything is settled the log shrinks to the last max_messages.
  lagging->ack(read_tokens);
  auto rest = take(*lagging, 9);
  EXPECT_EQ(rest.size(), 9u);
  lagging->ack(tokens(rest));
  send(*sender, "t", 1, "y");
  auto probe3 = conn->open_receiver(spec("t", "probe3"));
  auto last = take(*probe3, 5);
  EXPECT_EQ(payloads(last), (std::vector<std::string>{"m17", "m18", "m19", "x0", "y0"}));
  EXPECT_TRUE(probe3->receive(10, Clock::now() + 20ms).empty());
}

TEST(MemoryDriver, RetentionByBytesKeepsTheNewestThatFitAndWhatAGroupNeeds) {
  auto conn = connect("memory://test-retention-bytes?max_bytes=30");
  auto sender = conn->open_sender();
  auto lagging = conn->open_receiver(spec("t", "lagging", StartPosition::latest));
  send(*sender, "t", 20);  // "m0".."m9" (2 bytes each), "m10".."m19" (3 bytes): 50 bytes
  // The lagging group still needs every one of them, whatever the byte limit.
  auto probe = conn->open_receiver(spec("t", "probe1"));
  auto all = take(*probe, 20);
  EXPECT_EQ(payloads(all), names("m", 0, 20));
  probe->ack(tokens(all));

  // Settled, the oldest go until the rest fits: "m10".."m19" are 30 bytes.
  auto read = take(*lagging, 20);
  ASSERT_EQ(read.size(), 20u);
  lagging->ack(tokens(read));
  auto probe2 = conn->open_receiver(spec("t", "probe2"));
  auto kept = take(*probe2, 20, 100ms);
  EXPECT_EQ(payloads(kept), names("m", 10, 20));
}

TEST(MemoryDriver, RetentionKeepsAtMostSixtyFourMiBByDefault) {
  auto conn = connect("memory://test-retention-default");
  auto sender = conn->open_sender();
  const std::string mib(std::size_t{1} << 20, 'x');
  for (int i = 0; i < 65; ++i) {
    std::vector<Message> batch;
    batch.emplace_back(mib);
    batch.back().key(std::to_string(i));
    sender->send("t", std::move(batch), [](std::size_t, SendResult) {});
  }
  // 65 messages of 1 MiB with a key of 1-2 bytes: the oldest go until the rest fit in 64 MiB,
  // which 64 of them with their keys just exceed.
  auto probe = conn->open_receiver(spec("t", "probe"));
  auto kept = take(*probe, 65, 100ms);
  ASSERT_EQ(kept.size(), 63u);
  EXPECT_EQ(kept.front().message.key(), "2");
  EXPECT_EQ(kept.back().message.key(), "64");
}

TEST(MemoryDriver, RejectsUnknownOptionsAndBadValues) {
  EXPECT_THROW(connect("memory://?bogus=1"), unimq::ConfigError);
  EXPECT_THROW(connect("memory://?max_messages=lots"), unimq::ConfigError);
  EXPECT_THROW(connect("memory://?max_messages=-1"), unimq::ConfigError);
  EXPECT_THROW(connect("memory://x:1234"), unimq::ConfigError);
  EXPECT_THROW(connect("memory://x,y"), unimq::ConfigError);
  EXPECT_NO_THROW(connect("memory://"));
  EXPECT_NO_THROW(connect("memory://test-ok?max_messages=0"));
}

TEST(MemoryDriver, ClosedSenderAndConnectionFailCleanly) {
  auto conn = connect("memory://test-close");
  auto sender = conn->open_sender();
  auto other_conn = connect("memory://test-close");
  auto survivor = other_conn->open_receiver(spec("t", "g"));
  auto r = conn->open_receiver(spec("t", "g"));
  send(*sender, "t", 4);
  ASSERT_EQ(r->receive(4, Clock::now()).size(), 4u);

  std::atomic<bool> threw_closed{false};
  std::thread blocked([&] {
    auto other = conn->open_receiver(spec("t", "idle", StartPosition::latest));
    try {
      other->receive(1, Clock::now() + 5s);
    } catch (const unimq::ClosedError&) {
      threw_closed = true;
    }
  });
  std::this_thread::sleep_for(30ms);
  conn->close();
  conn->close();  // idempotent
  blocked.join();
  EXPECT_TRUE(threw_closed);

  EXPECT_THROW(conn->open_sender(), unimq::ClosedError);
  EXPECT_THROW(conn->open_receiver(spec("t", "g")), unimq::ClosedError);
  EXPECT_THROW(r->receive(1, Clock::now()), unimq::ClosedError);
  auto results = send(*sender, "t", 2);
  for (const auto& res : results) {
    ASSERT_TRUE(res.error);
    EXPECT_EQ(res.error->kind, unimq::driver::ErrorKind::closed);
  }
  // The closed connection's unacked messages went back to the group.
  auto handed = survivor->receive(10, Clock::now());
  EXPECT_EQ(payloads(handed), names("m", 0, 4));

  auto sender2 = other_conn->open_sender();
  sender2->close();
  auto closed = send(*sender2, "t", 1);
  ASSERT_TRUE(closed[0].error);
  EXPECT_EQ(closed[0].error->kind, unimq::driver::ErrorKind::closed);
}

TEST(MemoryDriver, ConcurrentMembersReceiveEveryMessageExactlyOnce) {
  constexpr int kMessages = 200000;
  constexpr int kMembers = 4;
  auto conn = connect("memory://test-concurrent");
  std::vector<std::unique_ptr<Receiver>> members;
  for (int i = 0; i < kMembers; ++i) members.push_back(conn->open_receiver(spec("t", "g")));
  std::vector<std::vector<std::uint64_t>> seen(kMembers);
  std::atomic<int> total{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kMembers; ++i) {
    threads.emplace_back([&, i] {
      while (total.load() < kMessages) {
        auto got = members[i]->receive(64, Clock::now() + 20ms);
        std::uint64_t last = 0;
        for (const auto& m : got) {
          EXPECT_EQ(m.delivery_count, 1u);
          EXPECT_GT(m.token, last);  // log order within one member
          last = m.token;
          seen[i].push_back(m.token);
        }
        members[i]->ack(tokens(got));
        total += static_cast<int>(got.size());
      }
    });
  }
  auto sender = conn->open_sender();
  for (int sent = 0; sent < kMessages; sent += 100) send(*sender, "t", 100);
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> all;
  std::size_t count = 0;
  for (const auto& s : seen) {
    count += s.size();
    all.insert(s.begin(), s.end());
  }
  EXPECT_EQ(count, static_cast<std::size_t>(kMessages));
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kMessages));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint64_t>(kMessages));
}
