// What the adapter commits, read back from the harness broker (UNIMQ_TEST_KAFKA_URL): under
// concurrency 8 with handlers finishing out of order, the committed offset never passes a
// message that is not acknowledged yet. Labels `conformance;kafka`.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <set>
#include <thread>

#include "collector.hpp"
#include "kafka_offsets.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"
#include "unique_name.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

// The commit metadata the adapter writes for offset `held` when the messages `got` recorded
// (payload = offset, one partition) are the acknowledged ones: runs of distances from `held`.
std::string acked_runs(const Collector& got, int held, int total) {
  const auto counts = got.counts();
  std::string out;
  for (int i = held + 1; i < total;) {
    if (!counts.contains(std::to_string(i))) {
      ++i;
      continue;
    }
    int j = i;
    while (j + 1 < total && counts.contains(std::to_string(j + 1))) ++j;
    out += out.empty() ? "unimq1:" : ",";
    out += std::to_string(i - held);
    if (j > i) out += "-" + std::to_string(j - held);
    i = j + 1;
  }
  return out;
}

TEST(KafkaCommit, CommittedOffsetNeverPassesAnUnacknowledgedMessage) {
  const std::string url = broker_url("UNIMQ_TEST_KAFKA_URL");
  if (url.empty()) return;
  constexpr int kTotal = 400;
  constexpr int kHeld = 37;  // its handler waits until released
  const std::string name = unique_name("commits");
  const std::string group = unique_name("g");
  auto client = Client::connect(url);
  auto topic = client.topic(name);
  std::atomic<bool> release{false};
  std::atomic<int> handled{0};
  Collector got;
  auto consumer = topic.consumer(
      {.group = group, .concurrency = 8, .max_in_flight = 64, .start = StartPosition::earliest});
  consumer.start([&](const Delivery& d) {
    const int n = std::stoi(d.message().payload());
    if (n == kHeld) {
      while (!release.load()) std::this_thread::sleep_for(1ms);
    } else {
      // Out of order: later messages often finish before earlier ones.
      std::this_thread::sleep_for(std::chrono::microseconds((n * 7919) % 3000));
    }
    got.add(d);
    handled.fetch_add(1);
  });
  auto producer = topic.producer();
  std::vector<std::future<Receipt>> receipts;
  for (int i = 0; i < kTotal; ++i) receipts.push_back(producer.publish(Message(std::to_string(i))));
  for (auto& r : receipts) EXPECT_EQ(r.get().partition, 0);

  // Everything but the held message (and the few queued behind it on its worker) is handled.
  // Its predecessors are all acknowledged, so the commit reaches exactly its offset, with the
  // acknowledged offsets past it as metadata, and never passes it however long it is held.
  OffsetReader reader(url, group);
  Committed c;
  std::string expected;
  ASSERT_TRUE(eventually(
      [&] {
        if (handled.load() < kTotal - 64) return false;
        expected = acked_runs(got, kHeld, kTotal);
        c = reader.committed(name, 0);
        return c.offset == kHeld && c.metadata == expected;
      },
      60s))
      << "handled " << handled.load() << ", committed " << c.offset << " '" << c.metadata
      << "', expected " << kHeld << " '" << expected << "'";
  int samples = 0;
  for (const auto until = std::chrono::steady_clock::now() + 1s;
       std::chrono::steady_clock::now() < until; ++samples) {
    c = reader.committed(name, 0);
    ASSERT_EQ(c.offset, kHeld) << "the commit moved past the unacknowledged message";
    std::this_thread::sleep_for(50ms);
  }

  release.store(true);
  ASSERT_TRUE(eventually(
      [&] {
        c = reader.committed(name, 0);
        return c.offset == kTotal;
      },
      30s))
      << "committed " << c.offset;
  EXPECT_EQ(c.metadata, "");
  EXPECT_TRUE(consumer.stop(5s));
  const auto counts = got.counts();
  EXPECT_EQ(counts.size(), static_cast<std::size_t>(kTotal));
  for (const auto& [payload, n] : counts) EXPECT_EQ(n, 1) << payload;
  std::cout << "[ kafka ] " << samples << " samples of the held commit, all at offset " << kHeld
            << std::endl;
}

// A consumer stopped while a message is unacknowledged hands the group over with the commit at
// that message and the acknowledged ones behind it skipped: the next member gets exactly the
// unacknowledged message.
TEST(KafkaCommit, NextMemberGetsOnlyWhatWasNotAcknowledged) {
  const std::string url = broker_url("UNIMQ_TEST_KAFKA_URL");
  if (url.empty()) return;
  const std::string name = unique_name("handover");
  const std::string group = unique_name("g");
  auto client = Client::connect(url);
  auto topic = client.topic(name);
  Collector first;
  auto c1 = topic.consumer(
      {.group = group, .concurrency = 4, .ack = AckMode::manual, .start = StartPosition::earliest});
  c1.start([&](const Delivery& d) {
    if (d.message().payload() != "3" && d.message().payload() != "8") d.ack();
    first.add(d);
  });
  auto producer = topic.producer();
  std::vector<std::future<Receipt>> receipts;
  for (int i = 0; i < 12; ++i) receipts.push_back(producer.publish(Message(std::to_string(i))));
  for (auto& r : receipts) r.get();
  ASSERT_TRUE(first.wait_for(12));
  ASSERT_TRUE(eventually([&] { return c1.stats().acked == 10; }));
  ASSERT_TRUE(c1.stop(5s));
  OffsetReader reader(url, group);
  const auto c = reader.committed(name, 0);
  EXPECT_EQ(c.offset, 3);
  EXPECT_EQ(c.metadata, "unimq1:1-4,6-8");  // 4..7 and 9..11 acknowledged

  Collector second;
  auto c2 = topic.consumer({.group = group});
  c2.start([&](const Delivery& d) { second.add(d); });
  ASSERT_TRUE(second.wait_for(2));
  producer.publish(Message("after")).get();
  ASSERT_TRUE(second.wait_for(3));
  c2.stop(5s);
  EXPECT_EQ(second.counts(), (std::map<std::string, int>{{"3", 1}, {"8", 1}, {"after", 1}}));
}

}  // namespace
}  // namespace unimq::test

namespace unimq::test {
namespace {

// Consumer A is busy with slow handlers when B joins the group. Returns the deliveries of the
// 40 messages over both (each distinct payload counted) after everything was seen.
std::map<std::string, int> rebalance_while_busy(const std::string& url, const std::string& query) {
  const std::string name = unique_name("rebalance");
  const std::string group = unique_name("g");
  auto client = Client::connect(
      query.empty() ? url : url + (url.find('?') == std::string::npos ? "?" : "&") + query);
  auto topic = client.topic(name, {.partitions = 2});
  Collector got;
  std::atomic<int> started{0};
  const auto slow = [&](const Delivery& d) {
    started.fetch_add(1);
    std::this_thread::sleep_for(100ms);
    got.add(d);
  };
  auto a = topic.consumer({.group = group, .concurrency = 4, .max_in_flight = 8});
  a.start(slow);
  auto producer = topic.producer();
  std::vector<std::future<Receipt>> receipts;
  for (int i = 0; i < 40; ++i) {
    receipts.push_back(producer.publish(Message(std::to_string(i)).key("k" + std::to_string(i))));
  }
  for (auto& r : receipts) r.get();
  EXPECT_TRUE(eventually([&] { return started.load() >= 4; }, 30s));
  auto b = topic.consumer({.group = group, .concurrency = 4, .max_in_flight = 8});
  b.start(slow);
  EXPECT_TRUE(got.wait_until([&] { return got.counts().size() == 40u; }, 60s)) << got.size();
  a.stop(5s);
  b.stop(5s);
  return got.counts();
}

// On revoke, A stops taking messages of its partitions, lets the ones in flight finish (within
// revoke_timeout), commits them and only then lets the partitions go: B starts after them.
TEST(KafkaRebalance, RevokedPartitionsAreReleasedOnlyOnceTheirHandlersFinished) {
  const std::string url = broker_url("UNIMQ_TEST_KAFKA_URL");
  if (url.empty()) return;
  const auto counts = rebalance_while_busy(url, "");
  int duplicates = 0;
  for (const auto& [payload, n] : counts) duplicates += n - 1;
  EXPECT_EQ(counts.size(), 40u);
  EXPECT_EQ(duplicates, 0) << "a message in flight at the revocation was delivered again";
}

// start=latest on a topic created a moment ago: what is published once start() returned is
// received, on every partition. Right after the creation the partition's broker can still
// answer "not leader" to the offset query; the start position was then left to "the end
// whenever fetching starts" and skipped what came first (1 run in 10 of the rebalance test
// lost a partition's messages).
TEST(KafkaStart, ANewGroupOnAJustCreatedTopicGetsEverythingPublishedAfterStart) {
  const std::string url = broker_url("UNIMQ_TEST_KAFKA_URL");
  if (url.empty()) return;
  auto client = Client::connect(url);
  for (int round = 0; round < 20; ++round) {
    auto topic = client.topic(unique_name("fresh"), {.partitions = 4});
    Collector got;
    auto consumer = topic.consumer({.group = unique_name("g")});
    consumer.start([&](const Delivery& d) { got.add(d); });
    auto producer = topic.producer();
    std::vector<std::future<Receipt>> receipts;
    std::set<std::int32_t> partitions;
    for (int i = 0; i < 40; ++i) {
      receipts.push_back(producer.publish(Message(std::to_string(i)).key("k" + std::to_string(i))));
    }
    for (auto& r : receipts) partitions.insert(r.get().partition.value_or(-1));
    EXPECT_TRUE(got.wait_for(40, 20s)) << "round " << round << ": " << got.size() << " of 40 over "
                                       << partitions.size() << " partitions";
    consumer.stop(5s);
    if (HasFailure()) break;
  }
}

// A consumer stopped while a revocation waits for the messages it holds (manual ack, never
// given) stops within its deadline and the broker's grace, instead of hanging in the handle's
// destruction (the paused partition list kept references into it: `unimq dlq show` hung in CI).
TEST(KafkaRebalance, StoppingWhileARevocationWaitsForHeldMessagesReturns) {
  const std::string url = broker_url("UNIMQ_TEST_KAFKA_URL");
  if (url.empty()) return;
  auto client = Client::connect(url + (url.find('?') == std::string::npos ? "?" : "&") +
                                "revoke_timeout=60s");
  auto topic = client.topic(unique_name("held"), {.partitions = 2});
  const std::string group = unique_name("g");
  std::mutex mutex;
  std::vector<Delivery> held;
  auto a = topic.consumer({.group = group, .ack = AckMode::manual});
  a.start([&](const Delivery& d) {
    std::lock_guard lock(mutex);
    held.push_back(d);
  });
  auto producer = topic.producer();
  for (int i = 0; i < 4; ++i) producer.publish(Message("m").key("k" + std::to_string(i))).get();
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mutex);
        return held.size() == 4;
      },
      30s));
  // B's join revokes A's partitions; A keeps them paused while it holds the messages.
  std::thread joiner([&] {
    auto b = topic.consumer({.group = group});
    b.start([](const Delivery&) {});
    b.stop(5s);
  });
  std::this_thread::sleep_for(3s);
  auto stopped = std::async(std::launch::async, [&] { a.stop(2s); });
  if (stopped.wait_for(30s) != std::future_status::ready) {
    ADD_FAILURE() << "Consumer::stop hung with a revocation pending";
    std::fflush(nullptr);
    std::_Exit(1);  // the hung stop cannot be joined
  }
  joiner.join();
}

}  // namespace
}  // namespace unimq::test
