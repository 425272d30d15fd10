// The "broker stops reading while a producer writes megabytes" scenario shared by the broker
// fault tests: a TCP proxy between client and broker stalls (sockets open, no byte forwarded)
// while 64 KiB messages pile into the kernel's socket buffers until the client's writes block.
// Every publish must still complete within its timeout plus the adapter's own I/O timeouts,
// close() and a consumer's stop() must return within their own bounds, and publishing must work
// again once the path is back. Header-only; it needs gtest, the TCP proxy and the unimq core
// library, which the broker tests link.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tcp_proxy.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

/// What the scenario needs from a broker test.
struct StalledWriteHooks {
  /// The client URL, through `proxy`, with the adapter's I/O timeouts at about a second.
  std::string url;
  /// Prefix of the printed report, e.g. "nats stalled write".
  std::string name;
  /// How late past its publish timeout a publish may complete: the adapter's I/O timeouts
  /// that a round in progress may still wait out.
  std::chrono::milliseconds slack{std::chrono::seconds{5}};
  /// The topic to publish to (unique on a broker other tests share).
  std::string topic = "stalled-write";
  /// Runs before the first publish, e.g. to bind a queue where the broker refuses unroutable
  /// messages.
  std::function<void(Topic&)> prepare{};
  /// Messages published while the path is stalled, and the size of each. The default 40 MiB in
  /// 64 KiB messages reach the client library in batches of a few MiB, when its first batch
  /// waits for a confirmation; a broker whose client stops sending at a missing confirmation
  /// (RabbitMQ) needs single messages larger than what the socket buffers may take (Linux
  /// grows them up to net.ipv4.tcp_wmem plus tcp_rmem: 4 + 6 MiB by default, 36 MiB on some
  /// machines) to block a write every time.
  int messages = 640;
  std::size_t message_bytes = 64 << 10;
};

/// Runs the scenario from the calling test's thread: one confirmed publish, then the proxy
/// stalls and `messages` publishes of `message_bytes` (40 MiB by default, more than loopback
/// socket buffers take) go out with a publish timeout of 2 s. Expects each of them to complete
/// within 2 s plus `slack` of its publish() call, none to succeed unless the broker got it, close(1
/// s) of the producer and stop(1 s) of a subscriber started before the stall to return within
/// 1 s plus `slack`, and a new producer's publish to succeed after the stall ends.
inline void run_stalled_write_scenario(TcpProxy& proxy, const StalledWriteHooks& hooks) {
  using namespace std::chrono_literals;
  using Clock = std::chrono::steady_clock;
  const int messages = hooks.messages;
  constexpr auto kPublishTimeout = 2s;
  auto client = Client::connect(hooks.url);
  auto topic = client.topic(hooks.topic);
  if (hooks.prepare) hooks.prepare(topic);
  // A buffer of 64 MiB lets one batch (512 messages, 32 MiB) reach the client library at once,
  // more than the loopback socket buffers take, so its writes block.
  auto producer =
      topic.producer({.buffer_bytes = std::size_t{64} << 20, .publish_timeout = kPublishTimeout});
  // A subscriber on the same client: it must stop in time too.
  auto consumer = topic.consumer();
  consumer.start([](const Delivery&) {});
  ASSERT_NO_THROW(producer.publish(Message("warm-up")).get());

  proxy.stall(true);
  // Shared with the callbacks, which may still run after an assertion below returned early
  // (the producer's close at scope end completes what is pending).
  struct Outcomes {
    std::mutex mutex;
    std::condition_variable all_done;
    int done = 0;
    int failed = 0;
    Clock::duration latest{};  // the longest time from publish() to completion
  };
  const auto outcomes = std::make_shared<Outcomes>();
  const std::string payload(hooks.message_bytes, 'x');
  const auto start = Clock::now();
  for (int i = 0; i < messages; ++i) {
    const auto published = Clock::now();
    producer.publish(Message(payload), [o = outcomes, messages, published](const PublishResult& r) {
      std::lock_guard lock(o->mutex);
      o->latest = std::max(o->latest, Clock::now() - published);
      if (!r.ok()) ++o->failed;
      if (++o->done == messages) o->all_done.notify_all();
    });
  }
  {
    std::unique_lock lock(outcomes->mutex);
    ASSERT_TRUE(outcomes->all_done.wait_for(lock, 60s, [&] { return outcomes->done == messages; }))
        << hooks.name << ": " << outcomes->done << " of " << messages
        << " publishes completed 60 s after a stall began";
  }
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  std::cout << "[ " << hooks.name << " ] " << outcomes->failed << "/" << messages
            << " failed, all within " << ms(Clock::now() - start) << " ms, the slowest "
            << ms(outcomes->latest) << " ms after its publish()" << std::endl;
  EXPECT_LE(outcomes->latest, kPublishTimeout + hooks.slack)
      << hooks.name << ": a publish completed " << ms(outcomes->latest) << " ms after publish()";
  // The proxy forwarded nothing, so at most what the broker had before the stall can be
  // confirmed: none of these.
  EXPECT_EQ(outcomes->failed, messages)
      << hooks.name << ": a publish succeeded through a stalled path";

  const auto closing = Clock::now();
  producer.close(1s);
  EXPECT_LE(Clock::now() - closing, 1s + hooks.slack)
      << hooks.name << ": close(1 s) took " << ms(Clock::now() - closing) << " ms";

  const auto stopping = Clock::now();
  consumer.stop(1s);
  EXPECT_LE(Clock::now() - stopping, 1s + hooks.slack)
      << hooks.name << ": stop(1 s) of a consumer took " << ms(Clock::now() - stopping) << " ms";
  std::cout << "[ " << hooks.name << " ] consumer stopped in " << ms(Clock::now() - stopping)
            << " ms" << std::endl;

  proxy.stall(false);
  // The client reconnects by itself (the stalled connection was given up, or resumes).
  auto again = topic.producer({.publish_timeout = 5s});
  bool ok = false;
  for (auto until = Clock::now() + 30s; !ok && Clock::now() < until;) {
    try {
      again.publish(Message("after")).get();
      ok = true;
    } catch (const Error&) {
    }
  }
  EXPECT_TRUE(ok) << hooks.name << ": no publish succeeded within 30 s after the stall ended";
  client.close();
}

}  // namespace unimq::test
