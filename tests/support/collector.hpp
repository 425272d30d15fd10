// Waiting helpers shared by the broker tests that start servers of their own (tests/redis/,
// tests/nats/): a patience bound, a thread-safe record of what a handler saw, polling waits.
// Header-only; it needs the unimq core library (unimq::unimq), which those tests link.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "unimq/unimq.hpp"

namespace unimq::test {

using namespace std::chrono_literals;

/// How long a test waits for something that should happen; never slept through.
inline constexpr auto patience = 30s;

/// Thread-safe count of calls (completions, callbacks) with a wait for a number of them, so a
/// test sleeps until the last one instead of polling a counter.
class CallCount {
 public:
  /// Counts one call.
  void add() {
    {
      std::lock_guard lock(mutex_);
      ++count_;
    }
    cv_.notify_all();
  }
  /// Waits until `n` calls were counted; false on timeout.
  bool wait_for(int n, std::chrono::milliseconds timeout = patience) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }
  /// Calls counted so far.
  int value() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  int count_ = 0;
};

/// Thread-safe record of the messages a handler saw, with waits on what was recorded.
///
///     Collector got;
///     auto sub = topic.subscribe([&](const Delivery& d) { got.add(d); });
///     ASSERT_TRUE(got.wait_for(10));
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
  /// Whether a payload starting with `prefix` was recorded.
  bool any_with_prefix(std::string_view prefix) const {
    std::lock_guard lock(mutex_);
    for (const auto& m : messages_) {
      if (m.payload().rfind(prefix, 0) == 0) return true;
    }
    return false;
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

/// A future that is already failed with the current exception (publish() itself threw); call
/// it in a catch block.
inline std::future<Receipt> failed_future() {
  std::promise<Receipt> p;
  p.set_exception(std::current_exception());
  return p.get_future();
}

}  // namespace unimq::test
