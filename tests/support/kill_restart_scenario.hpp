// The "kill -9 the broker mid-stream and restart it" scenario shared by the Redis Streams and
// NATS JetStream fault tests: publish N messages (each confirmed or failed) while a group
// consumer runs, kill the server with SIGKILL after the first ones are confirmed, restart it,
// and check that every confirmed message was consumed. Lost and duplicated messages are counted,
// printed and recorded as test properties. Header-only; it needs gtest and the unimq core
// library, which the broker tests link.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "collector.hpp"
#include "paced_publisher.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

/// What the scenario needs from a broker test.
struct KillRestartHooks {
  /// The client URL of the broker (its group consumers must be at-least-once).
  std::string url;
  /// Prefix of the printed report, e.g. "redis kill -9".
  std::string name;
  /// Kills the broker with SIGKILL (and reaps it).
  std::function<void()> kill9;
  /// Starts the broker again on the same port and data; returns once it is ready.
  std::function<void()> restart;
  /// Pause between publishes. The default spreads them over the outage of a broker that is
  /// back within a second; one that takes seconds to boot (RabbitMQ) needs a longer one, so
  /// publishing still goes on once it is back.
  std::chrono::milliseconds publish_interval{2};
  /// The producer's retry attempts (50 ms doubling to 500 ms apart): 30 carry a message over
  /// about 14 s of outage; a broker that may take longer to come back needs more.
  std::uint32_t max_attempts = 30;
};

/// Runs the scenario from the calling test's thread (gtest assertions fail that test): 1000
/// publishes `publish_interval` (2 ms) apart on topic "orders" with a retry budget of well over 10
/// s, a consumer in group "g", kill -9 once 300 are confirmed, restart 500 ms later. Expects no
/// confirmed message lost, nothing foreign consumed, the first 300 confirmed, no failure after the
/// restart, at least 90% confirmed, and the same consumer still running and receiving after the
/// restart.
inline void run_kill_restart_scenario(const KillRestartHooks& hooks) {
  using namespace std::chrono_literals;
  constexpr int kTotal = 1000;
  constexpr int kKillAfter = 300;  // confirmed before the kill
  auto client = Client::connect(hooks.url);
  auto topic = client.topic("orders");
  Collector got;
  auto consumer = topic.consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  // A retry budget of well over 10 s against an outage of 0.6 s (RabbitMQ: several seconds).
  auto producer = topic.producer({.publish_timeout = 30s,
                                  .retry = {.max_attempts = hooks.max_attempts,
                                            .initial_backoff = 50ms,
                                            .multiplier = 2.0,
                                            .max_backoff = 500ms,
                                            .jitter = 0.2}});

  PacedPublisher publisher(producer, kTotal, hooks.publish_interval);
  // Mid-stream: once the first 300 are confirmed, kill -9 while later ones are in flight.
  ASSERT_TRUE(eventually([&] { return publisher.published() >= kKillAfter; }, 60s))
      << "only " << publisher.published() << " of " << kKillAfter << " publishes in 60 s";
  publisher.settle_range(0, kKillAfter);
  hooks.kill9();
  const int killed_at = publisher.published();
  std::this_thread::sleep_for(500ms);
  hooks.restart();
  const int restarted_at = publisher.published();
  const Tally tally = publisher.tally(restarted_at);
  const auto& confirmed = tally.confirmed;
  const auto& errors = tally.errors;
  const int failed_after_restart = tally.failed_from;
  got.wait_until([&] { return tally.missing(got.counts()).empty(); }, 60s);
  EXPECT_TRUE(consumer.running());  // the same consumer, never recreated
  const auto stats = consumer.stats();
  consumer.stop(5s);

  const auto counts = got.counts();
  const auto missing = tally.missing(counts);
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
  std::cout << "[ " << hooks.name << " ] " << report.str() << std::endl;
  ::testing::Test::RecordProperty("confirmed", static_cast<int>(confirmed.size()));
  ::testing::Test::RecordProperty("duplicates", static_cast<int>(duplicates));
  ::testing::Test::RecordProperty("lost", static_cast<int>(missing.size()));

  EXPECT_TRUE(missing.empty()) << missing.size() << " confirmed messages never consumed, first "
                               << (missing.empty() ? std::string() : missing.front()) << "\n"
                               << report.str();
  EXPECT_EQ(foreign, 0u) << "payloads nobody published were consumed";
  for (int i = 0; i < kKillAfter; ++i) {
    EXPECT_TRUE(publisher.outcome(i).ok)
        << "publish #" << i << " before the kill failed: " << publisher.outcome(i).error;
  }
  // The test is only meaningful if publishing went on across the outage and after it.
  ASSERT_LT(restarted_at, kTotal) << "every publish happened before the server was back";
  EXPECT_EQ(failed_after_restart, 0) << "publishes made after the server was back failed\n"
                                     << report.str();
  EXPECT_GE(confirmed.size(), static_cast<std::size_t>(kTotal * 9 / 10))
      << "a 15 s retry budget should carry most publishes over the outage\n"
      << report.str();
  EXPECT_GT(consumed_after_restart, 0u);
  EXPECT_GE(stats.received, confirmed.size());
}

}  // namespace unimq::test
