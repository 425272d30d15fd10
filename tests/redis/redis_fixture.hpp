// Shared pieces of the Redis fault and interop tests: a private redis-server per test, URLs with
// short failure-detection timeouts, and a thread-safe record of what a handler saw.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "redis_process.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

using namespace std::chrono_literals;

/// How long a test waits for something that should happen; never slept through.
inline constexpr auto patience = 30s;

/// URL options that make a dead or black-holed connection show within about a second.
inline constexpr std::string_view fast_failure =
    "connect_timeout=1s&command_timeout=1s&reconnect_max=500ms";

/// Thread-safe record of the messages a handler saw, with waits on what was recorded.
class Collector {
 public:
  /// Records the delivery's message.
  void add(const Delivery& d) {
    {
      std::lock_guard lock(mutex_);
      messages_.push_back(d.message());
    }
    cv_.notify_all();
  }
  /// Waits until `n` messages were recorded; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = patience) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
  }
  /// Waits until `pred()` holds, checked on every add and every 5 ms (it runs without the lock,
  /// so it may read this collector); false on timeout.
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = patience) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    for (;;) {
      lock.unlock();
      const bool ok = pred();
      lock.lock();
      if (ok) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      cv_.wait_for(lock, 5ms);
    }
  }
  /// Messages recorded so far.
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  /// Copies of the messages, in arrival order.
  std::vector<Message> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  /// Deliveries per payload.
  std::map<std::string, int> counts() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, int> out;
    for (const auto& m : messages_) ++out[m.payload()];
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Message> messages_;
};

/// Waits until `pred()` holds, checking every millisecond; false on timeout.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = patience) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// A header's value, or "<absent>" so a failed comparison says what happened.
inline std::string header_or_absent(const Message& m, std::string_view name) {
  auto v = m.headers().get(name);
  return v ? std::string(*v) : std::string("<absent>");
}

/// Base of the Redis tests: a private redis-server (RedisProcess) started for each test and
/// stopped after it. Without a redis-server binary the test is skipped, or fails when
/// UNIMQ_REQUIRE_BROKERS=1.
class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisProcess::available()) {
      const char* required = std::getenv("UNIMQ_REQUIRE_BROKERS");
      if (required != nullptr && std::string(required) == "1") {
        FAIL() << RedisProcess::server_binary() << " not found and UNIMQ_REQUIRE_BROKERS=1";
      }
      GTEST_SKIP() << RedisProcess::server_binary()
                   << " not found (set UNIMQ_REDIS_SERVER or install redis-server)";
    }
    redis_.emplace();
  }
  void TearDown() override { redis_.reset(); }

  /// The private server.
  RedisProcess& redis() { return *redis_; }
  /// `redis://127.0.0.1:<port>?mode=streams&<fast_failure>[&extra]` for `port` (default: the
  /// server's own port; pass a TcpProxy's port to go through it).
  std::string streams_url(std::uint16_t port = 0, std::string_view extra = {}) const {
    return url(port, "mode=streams&block=200ms&claim_after=1s", extra);
  }
  /// The same for mode=pubsub.
  std::string pubsub_url(std::uint16_t port = 0, std::string_view extra = {}) const {
    return url(port, "mode=pubsub", extra);
  }

 private:
  std::string url(std::uint16_t port, std::string_view mode, std::string_view extra) const {
    std::string out = "redis://127.0.0.1:" + std::to_string(port != 0 ? port : redis_->port()) +
                      "?" + std::string(mode) + "&" + std::string(fast_failure);
    if (!extra.empty()) out += "&" + std::string(extra);
    return out;
  }

  std::optional<RedisProcess> redis_;
};

}  // namespace unimq::test
