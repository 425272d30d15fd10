// Broker faults against a private redis-server: kill -9 and restart on the same port and data,
// a black-holed network and cut connections (through TcpProxy). Label `fault;redis`.
#include <iostream>
#include <sstream>
#include <thread>

#include "kill_restart_scenario.hpp"
#include "mid_message_cut.hpp"
#include "redis_fixture.hpp"
#include "stalled_write_scenario.hpp"
#include "tcp_proxy.hpp"

namespace unimq::test {
namespace {

class RedisFault : public RedisTest {};

// Streams are at-least-once: every publish the broker confirmed (appendfsync always, so it is on
// disk) reaches the group, across a kill -9 and a restart of the server, and the consumer that
// was running resumes by itself. Redelivery may duplicate; duplicates are counted and reported.
TEST_F(RedisFault, StreamsLoseNoConfirmedMessageAcrossKill9AndRestart) {
  run_kill_restart_scenario({.url = streams_url(),
                             .name = "redis kill -9",
                             .kill9 = [&] { redis().kill9(); },
                             .restart = [&] { redis().restart(); }});
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

// A Streams consumer's connection is reset while the reply with a 4 MiB entry is arriving
// (after 1 MiB of it): the entry was read for the group, so it waits in the consumer's pending
// list, and comes whole once claimed after claim_after (1 s); nothing half-read is delivered.
TEST_F(RedisFault, StreamsEntryCutWhileArrivingIsDeliveredWholeAfterwards) {
  TcpProxy proxy(redis().port());
  auto consumer_client = Client::connect(streams_url(proxy.port()));
  Collector got;
  auto consumer = consumer_client.topic("big").consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer_client = Client::connect(streams_url());  // directly, not through the proxy
  auto producer = producer_client.topic("big").producer();
  run_mid_message_cut(proxy, producer, consumer, got, 20s);
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

// A subscriber cannot tell a silently dead link from a quiet channel, so after command_timeout
// (1 s here) of silence it sends PING and drops the link when no answer comes within another
// one. Through a black-holed proxy it must reconnect on its own (the old connection would
// otherwise carry on once the proxy forwards again) and receive what is published afterwards.
TEST_F(RedisFault, PubSubSubscriberOnASilentlyDeadLinkReconnectsAndReceivesAgain) {
  TcpProxy proxy(redis().port());
  auto subscriber_client = Client::connect(pubsub_url(proxy.port()));
  Collector got;
  auto consumer = subscriber_client.topic("quiet").consumer();
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer_client = Client::connect(pubsub_url());  // directly, not through the proxy
  auto producer = producer_client.topic("quiet").producer();
  ASSERT_EQ(producer.publish(Message("before")).get().receivers.value_or(-1), 1);
  ASSERT_TRUE(got.wait_for(1));
  const auto accepted_before = proxy.accepted();

  proxy.stall(true);
  // PING after 1 s of silence, no answer within another: dropped; attempts through the stalled
  // proxy time out too. Each of them is a new connection.
  ASSERT_TRUE(eventually([&] { return proxy.accepted() > accepted_before; }, 10s))
      << "the subscriber kept a link that answered nothing";
  proxy.stall(false);

  // Pub/sub keeps nothing for an absent subscriber: publish until one arrives.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool arrived = false;
  for (int i = 0; !arrived && std::chrono::steady_clock::now() < deadline; ++i) {
    producer.publish(Message("after-" + std::to_string(i))).get();
    arrived = got.wait_until(
        [&] {
          for (const auto& [payload, n] : got.counts()) {
            if (payload.rfind("after-", 0) == 0) return true;
          }
          return false;
        },
        200ms);
  }
  EXPECT_TRUE(arrived) << "nothing published after the stall arrived";
  EXPECT_TRUE(consumer.running());
  consumer.stop(5s);
}

// A server that stops reading while megabytes are on their way: the writes fill the socket
// buffers and block; every publish still completes in time and close() returns.
TEST_F(RedisFault, StreamsPublishesCompleteInTimeWhileTheServerReadsNothing) {
  TcpProxy proxy(redis().port());
  run_stalled_write_scenario(proxy, {.url = streams_url(proxy.port()), .name = "redis streams"});
}

TEST_F(RedisFault, PubSubPublishesCompleteInTimeWhileTheServerReadsNothing) {
  TcpProxy proxy(redis().port());
  run_stalled_write_scenario(proxy, {.url = pubsub_url(proxy.port()), .name = "redis pubsub"});
}

}  // namespace
}  // namespace unimq::test
