// Server faults against a private nats-server: kill -9 and restart on the same port and
// JetStream store, with JetStream (at-least-once) and core NATS (at-most-once). Label
// `fault;nats`.
#include <atomic>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "nats_fixture.hpp"

namespace unimq::test {
namespace {

class NatsFault : public NatsTest {};

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

std::string numbered(int i) {
  return "m-" + std::to_string(i);
}

/// How many times `needle` occurs in `haystack`.
std::size_t occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// JetStream is at-least-once: every publish the server confirmed with a PubAck (file storage)
// reaches the group, across a kill -9 and a restart of the server on the same port and store,
// and the consumer that was running resumes by itself from its durable consumer. Redelivery may
// duplicate; duplicates are counted and reported.
TEST_F(NatsFault, JetStreamLosesNoConfirmedMessageAcrossKill9AndRestart) {
  constexpr int kTotal = 1000;
  constexpr int kKillAfter = 300;  // confirmed before the kill
  // ack_wait=5s: what was delivered but not acked when the server died comes again within 5 s
  // instead of the default 30 s.
  auto client = Client::connect(jetstream_url("ack_wait=5s"));
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
  nats().kill9();
  const int killed_at = published.load(std::memory_order_acquire);
  std::this_thread::sleep_for(500ms);
  nats().restart();
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
  std::cout << "[ jetstream kill -9 ] " << report.str() << std::endl;
  RecordProperty("confirmed", static_cast<int>(confirmed.size()));
  RecordProperty("duplicates", static_cast<int>(duplicates));
  RecordProperty("lost", static_cast<int>(missing.size()));

  EXPECT_TRUE(missing.empty()) << missing.size() << " confirmed messages never consumed, first "
                               << (missing.empty() ? std::string() : missing.front()) << "\n"
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

// Core NATS is at-most-once: what was published while the server was down may be gone, but the
// client reconnects and restores the subscription by itself, so the subscriber gets what is
// published after the restart, once.
TEST_F(NatsFault, CoreSubscriberReceivesAgainAfterKill9AndRestart) {
  auto client = Client::connect(core_url());
  auto topic = client.topic("events");
  Collector got;
  auto consumer = topic.consumer();  // every subscriber gets every message
  consumer.start([&](const Delivery& d) { got.add(d); });
  constexpr auto kPublishTimeout = 5s;
  auto producer = topic.producer({.publish_timeout = kPublishTimeout});

  producer.publish(Message("before")).get();
  ASSERT_TRUE(got.wait_for(1, 10s));
  EXPECT_EQ(got.messages().front().payload(), "before");

  nats().kill9();
  std::this_thread::sleep_for(500ms);
  nats().restart();

  // Publish every 100 ms until the subscriber is back and one arrives.
  std::vector<std::future<Receipt>> futures;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool arrived = false;
  for (int i = 0; !arrived && std::chrono::steady_clock::now() < deadline; ++i) {
    try {
      futures.push_back(producer.publish(Message("after-" + std::to_string(i))));
    } catch (...) {
      futures.push_back(failed_future());
    }
    arrived = got.wait_until([&] { return got.any_with_prefix("after-"); }, 100ms);
  }
  EXPECT_TRUE(arrived) << "no message published after the restart reached the subscriber in 20 s ("
                       << futures.size() << " published)";
  EXPECT_TRUE(consumer.running());

  // Every future completes within its publish timeout: none hangs.
  int ok = 0;
  for (auto& f : futures) {
    ASSERT_EQ(f.wait_for(kPublishTimeout + 5s), std::future_status::ready)
        << "a publish future hangs";
    ok += settle(f).ok ? 1 : 0;
  }
  std::cout << "[ nats core restart ] " << futures.size() << " published after the restart, " << ok
            << " confirmed, " << got.size() << " received" << std::endl;

  // Steady state: the restored subscription is the only one on the subject (no duplicate
  // subscription from the reconnect), and a new message arrives exactly once.
  const auto connz = nats().monitor("/connz?subs=1");
  ASSERT_EQ(connz.status, 200);
  EXPECT_EQ(occurrences(connz.body, "\"events\""), 1u)
      << "subscriptions on 'events' after the reconnect:\n"
      << connz.body;
  producer.publish(Message("final")).get();
  EXPECT_TRUE(got.wait_until([&] { return got.counts().contains("final"); }, 10s));
  producer.publish(Message("final-2")).get();
  EXPECT_TRUE(got.wait_until([&] { return got.counts().contains("final-2"); }, 10s));
  const auto counts = got.counts();
  EXPECT_EQ(counts.count("final") ? counts.at("final") : 0, 1);
  EXPECT_EQ(counts.count("before") ? counts.at("before") : 0, 1);
  consumer.stop(5s);
}

}  // namespace
}  // namespace unimq::test
