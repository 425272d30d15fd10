// Broker faults against a private redis-server: kill -9 and restart on the same port and data,
// a black-holed network and cut connections (through TcpProxy). Label `fault;redis`.
#include <atomic>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "redis_fixture.hpp"
#include "tcp_proxy.hpp"

namespace unimq::test {
namespace {

class RedisFault : public RedisTest {};

/// How one publish ended.
struct Outcome {
  bool settled = false;
  bool ok = false;
  std::string error;  // "<code>: <what>" on failure
};

/// Waits for `f` and records the result; a non-unimq exception is a test failure.
Outcome settle(std::future<Receipt>& f) {
  Outcome out;
  out.settled = true;
  try {
    f.get();
    out.ok = true;
  } catch (const Error& e) {
    out.error = std::string(to_string(e.code())) + ": " + e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "publish future failed with an exception that is not a unimq::Error: "
                  << e.what();
    out.error = std::string("not a unimq::Error: ") + e.what();
  }
  return out;
}

/// A future that is already failed with the current exception (publish() itself threw).
std::future<Receipt> failed_future() {
  std::promise<Receipt> p;
  p.set_exception(std::current_exception());
  return p.get_future();
}

std::string numbered(int i) {
  return "m-" + std::to_string(i);
}

// Streams are at-least-once: every publish the broker confirmed (appendfsync always, so it is on
// disk) reaches the group, across a kill -9 and a restart of the server, and the consumer that
// was running resumes by itself. Redelivery may duplicate; duplicates are counted and reported.
TEST_F(RedisFault, StreamsLoseNoConfirmedMessageAcrossKill9AndRestart) {
  constexpr int kTotal = 1000;
  constexpr int kKillAfter = 300;  // confirmed before the kill
  auto client = Client::connect(streams_url());
  auto topic = client.topic("orders");
  Collector got;
  auto consumer = topic.consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  // A retry budget of well over 10 s against an outage of about 0.6 s.
  auto producer = topic.producer({.publish_timeout = 30s,
                                  .retry = {.max_attempts = 30,
                                            .initial_backoff = 50ms,
                                            .multiplier = 2.0,
                                            .max_backoff = 500ms,
                                            .jitter = 0.2}});

  std::vector<std::future<Receipt>> futures(kTotal);
  std::atomic<int> published{0};
  std::thread publisher([&] {
    for (int i = 0; i < kTotal; ++i) {
      try {
        futures[static_cast<std::size_t>(i)] = producer.publish(Message(numbered(i)));
      } catch (...) {
        futures[static_cast<std::size_t>(i)] = failed_future();
      }
      published.store(i + 1, std::memory_order_release);
      std::this_thread::sleep_for(2ms);  // spread the 1000 publishes over the outage
    }
  });

  std::vector<Outcome> outcomes(kTotal);
  const auto settle_up_to = [&](int end) {
    for (int i = 0; i < end; ++i) {
      auto& o = outcomes[static_cast<std::size_t>(i)];
      if (!o.settled) o = settle(futures[static_cast<std::size_t>(i)]);
    }
  };
  // Mid-stream: once the first 300 are confirmed, kill -9 while later ones are in flight.
  eventually([&] { return published.load(std::memory_order_acquire) >= kKillAfter; }, 60s);
  settle_up_to(std::min(kKillAfter, published.load(std::memory_order_acquire)));
  redis().kill9();
  const int killed_at = published.load(std::memory_order_acquire);
  std::this_thread::sleep_for(500ms);
  redis().restart();
  const int restarted_at = published.load(std::memory_order_acquire);
  publisher.join();
  settle_up_to(kTotal);

  std::set<std::string> confirmed;
  std::map<std::string, int> errors;
  int failed_after_restart = 0;
  for (int i = 0; i < kTotal; ++i) {
    const auto& o = outcomes[static_cast<std::size_t>(i)];
    if (o.ok) {
      confirmed.insert(numbered(i));
    } else {
      ++errors[o.error];
      if (i >= restarted_at) ++failed_after_restart;
    }
  }
  const auto missing_of = [&](const std::map<std::string, int>& counts) {
    std::vector<std::string> missing;
    for (const auto& p : confirmed) {
      if (!counts.contains(p)) missing.push_back(p);
    }
    return missing;
  };
  got.wait_until([&] { return missing_of(got.counts()).empty(); }, 60s);
  EXPECT_TRUE(consumer.running());  // the same consumer, never recreated
  const auto stats = consumer.stats();
  consumer.stop(5s);

  const auto counts = got.counts();
  const auto missing = missing_of(counts);
  std::size_t duplicates = 0;
  std::size_t foreign = 0;
  std::size_t consumed_after_restart = 0;
  for (const auto& [payload, n] : counts) {
    duplicates += static_cast<std::size_t>(n - 1);
    if (payload.rfind("m-", 0) != 0) ++foreign;
  }
  for (int i = restarted_at; i < kTotal; ++i) consumed_after_restart += counts.count(numbered(i));

  std::ostringstream report;
  report << "published " << kTotal << ", confirmed " << confirmed.size() << ", failed "
         << kTotal - static_cast<int>(confirmed.size()) << " (killed after publish #" << killed_at
         << ", back after #" << restarted_at << "), deliveries " << got.size() << ", distinct "
         << counts.size() << ", duplicates " << duplicates << ", lost " << missing.size();
  for (const auto& [error, n] : errors) report << "\n  failed x" << n << ": " << error;
  std::cout << "[ redis kill -9 ] " << report.str() << std::endl;
  RecordProperty("confirmed", static_cast<int>(confirmed.size()));
  RecordProperty("duplicates", static_cast<int>(duplicates));
  RecordProperty("lost", static_cast<int>(missing.size()));

  EXPECT_TRUE(missing.empty()) << missing.size() << " confirmed messages never consumed, first "
                               << missing.front() << "\n"
                               << report.str();
  EXPECT_EQ(foreign, 0u) << "payloads nobody published were consumed";
  for (int i = 0; i < kKillAfter; ++i) {
    EXPECT_TRUE(outcomes[static_cast<std::size_t>(i)].ok)
        << "publish #" << i
        << " before the kill failed: " << outcomes[static_cast<std::size_t>(i)].error;
  }
  // The test is only meaningful if publishing went on across the outage and after it.
  ASSERT_LT(restarted_at, kTotal) << "every publish happened before the server was back";
  EXPECT_EQ(failed_after_restart, 0) << "publishes made after the server was back failed\n"
                                     << report.str();
  EXPECT_GE(confirmed.size(), static_cast<std::size_t>(kTotal * 9 / 10))
      << "a 15 s retry budget should carry most publishes over a 0.6 s outage\n"
      << report.str();
  EXPECT_GT(consumed_after_restart, 0u);
  EXPECT_GE(stats.received, confirmed.size());
}

// Pub/sub is at-most-once: what was published while the server was down is gone, but the
// subscriber resubscribes by itself and gets what is published after the restart.
TEST_F(RedisFault, PubSubSubscriberReceivesAgainAfterKill9AndRestart) {
  auto client = Client::connect(pubsub_url());
  auto topic = client.topic("events");
  Collector got;
  auto consumer = topic.consumer();  // broadcast: pub/sub has no groups
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer({.publish_timeout = 5s});

  const Receipt first = producer.publish(Message("before")).get();
  EXPECT_EQ(first.receivers.value_or(-1), 1);
  ASSERT_TRUE(got.wait_for(1, 10s));
  EXPECT_EQ(got.messages().front().payload(), "before");

  redis().kill9();
  std::this_thread::sleep_for(500ms);
  redis().restart();

  // Publish every 100 ms until the subscriber is back and one arrives.
  std::vector<std::future<Receipt>> futures;
  const auto after_arrived = [&] {
    for (const auto& [payload, n] : got.counts()) {
      if (payload.rfind("after-", 0) == 0) return true;
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool arrived = false;
  for (int i = 0; !arrived && std::chrono::steady_clock::now() < deadline; ++i) {
    try {
      futures.push_back(producer.publish(Message("after-" + std::to_string(i))));
    } catch (...) {
      futures.push_back(failed_future());
    }
    arrived = got.wait_until(after_arrived, 100ms);
  }
  EXPECT_TRUE(arrived) << "no message published after the restart reached the subscriber in 20 s ("
                       << futures.size() << " published)";
  EXPECT_TRUE(consumer.running());

  // Every future completes within its publish timeout: none hangs.
  int ok = 0;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(5s + 5s), std::future_status::ready) << "a publish future hangs";
    ok += settle(f).ok ? 1 : 0;
  }
  std::cout << "[ redis pubsub restart ] " << futures.size() << " published after the restart, "
            << ok << " confirmed, " << got.size() << " received" << std::endl;

  // Steady state: exactly one subscription (the old one came back, no duplicate), and each
  // message arrives once.
  const Receipt last = producer.publish(Message("final")).get();
  EXPECT_EQ(last.receivers.value_or(-1), 1);
  EXPECT_TRUE(got.wait_until([&] { return got.counts().contains("final"); }, 10s));
  for (const auto& [payload, n] : got.counts()) EXPECT_EQ(n, 1) << payload;
  consumer.stop(5s);
}

// A black-holed network: the publish future fails (TimeoutError or another unimq::Error) within
// the publish timeout plus slack and never hangs. After the connections are cut and the network
// is back, publishes succeed over a new connection.
TEST_F(RedisFault, StalledNetworkFailsPublishInTimeAndCutConnectionRecovers) {
  TcpProxy proxy(redis().port());
  auto client = Client::connect(streams_url(proxy.port()));
  auto topic = client.topic("jobs");
  constexpr auto kPublishTimeout = 3s;
  constexpr auto kSlack = 5s;
  auto producer = topic.producer({.publish_timeout = kPublishTimeout,
                                  .retry = {.max_attempts = 10,
                                            .initial_backoff = 100ms,
                                            .multiplier = 2.0,
                                            .max_backoff = 500ms,
                                            .jitter = 0.2}});
  ASSERT_NO_THROW(producer.publish(Message("warm-up")).get());
  ASSERT_GE(proxy.connections(), 1u);

  proxy.stall(true);
  constexpr int kStalled = 5;
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::future<Receipt>> stalled;
  for (int i = 0; i < kStalled; ++i) {
    stalled.push_back(producer.publish(Message("stalled-" + std::to_string(i))));
  }
  int failed = 0;
  int timeouts = 0;
  for (auto& f : stalled) {
    ASSERT_EQ(f.wait_until(start + kPublishTimeout + kSlack), std::future_status::ready)
        << "a publish through a black-holed network is still pending "
        << std::chrono::duration_cast<std::chrono::seconds>(kPublishTimeout + kSlack).count()
        << " s later (publish_timeout 3 s)";
    try {
      f.get();
    } catch (const TimeoutError&) {
      ++failed;
      ++timeouts;
    } catch (const Error& e) {
      ++failed;
      std::cout << "[ redis stall ] failed with " << to_string(e.code()) << ": " << e.what()
                << std::endl;
    }
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::cout << "[ redis stall ] " << failed << "/" << kStalled << " failed (" << timeouts
            << " TimeoutError) after " << took.count() << " ms" << std::endl;
  RecordProperty("stall_failed_after_ms", static_cast<int>(took.count()));
  EXPECT_EQ(failed, kStalled) << "a publish succeeded although no byte reached the server";

  proxy.stall(false);
  const auto accepted_before = proxy.accepted();
  proxy.cut();
  EXPECT_EQ(proxy.connections(), 0u);

  constexpr int kAfter = 10;
  std::vector<std::future<Receipt>> after;
  for (int i = 0; i < kAfter; ++i) {
    after.push_back(producer.publish(Message("after-cut-" + std::to_string(i))));
  }
  std::vector<std::string> ids;
  for (auto& f : after) {
    ASSERT_EQ(f.wait_for(kPublishTimeout + kSlack), std::future_status::ready);
    try {
      ids.push_back(f.get().message_id);
    } catch (const Error& e) {
      ADD_FAILURE() << "publish after the cut failed: " << to_string(e.code()) << ": " << e.what();
    }
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kAfter));
  EXPECT_GT(proxy.accepted(), accepted_before) << "no new connection through the proxy";

  // Every confirmed message is in the stream. Retries after the reconnect may reorder them:
  // the producer promises no order across retries.
  const auto range = redis().cli({"XRANGE", "jobs", "-", "+"});
  ASSERT_EQ(range.exit_code, 0) << range.err;
  std::map<std::string, int> in_stream;
  std::istringstream lines(range.out);
  for (std::string line; std::getline(lines, line);) ++in_stream[line];
  for (int i = 0; i < kAfter; ++i) {
    EXPECT_GE(in_stream["after-cut-" + std::to_string(i)], 1)
        << "after-cut-" << i << " was confirmed but is not in the stream:\n"
        << range.out;
  }
}

// A Streams consumer whose connection is cut resumes by itself and gets what is published next.
TEST_F(RedisFault, StreamsConsumerResumesAfterItsConnectionIsCut) {
  TcpProxy proxy(redis().port());
  auto consumer_client = Client::connect(streams_url(proxy.port()));
  Collector got;
  auto consumer = consumer_client.topic("tasks").consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer_client = Client::connect(streams_url());  // directly, not through the proxy
  auto producer = producer_client.topic("tasks").producer();

  producer.publish(Message("one")).get();
  ASSERT_TRUE(got.wait_for(1));
  const auto accepted_before = proxy.accepted();
  proxy.cut();

  producer.publish(Message("two")).get();
  producer.publish(Message("three")).get();
  EXPECT_TRUE(got.wait_until([&] {
    const auto c = got.counts();
    return c.contains("two") && c.contains("three");
  })) << "the consumer did not resume after its connection was cut";
  EXPECT_TRUE(consumer.running());
  EXPECT_GT(proxy.accepted(), accepted_before);
  const auto counts = got.counts();
  // "one" may come again if its ack was lost with the connection; nothing else may appear.
  EXPECT_EQ(counts.size(), 3u);
  std::cout << "[ redis cut ] deliveries " << got.size() << " of 3 messages" << std::endl;
  consumer.stop(5s);
}

}  // namespace
}  // namespace unimq::test
