// Counts completions reported from unimq threads and lets the main thread wait for the last one.
// The hot path is one relaxed atomic increment; only the final completion takes the lock, so the
// counting itself stays out of the numbers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>

namespace unimq::bench {

class Countdown {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Countdown(std::uint64_t target) : target_(target) {}

  /// Records one completion; the one that reaches the target stamps the end time.
  void hit() {
    if (count_.fetch_add(1, std::memory_order_relaxed) + 1 != target_) return;
    const auto now = Clock::now();
    {
      std::lock_guard lock(mutex_);
      end_ = now;
      finished_ = true;
    }
    cv_.notify_all();
  }

  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }

  /// Waits for the target and returns when it was reached. Throws std::runtime_error naming
  /// `what` when the count stops moving for `stall`, so a lost message fails instead of hanging.
  Clock::time_point wait(std::chrono::seconds stall, const std::string& what) {
    std::unique_lock lock(mutex_);
    std::uint64_t last = count();
    auto last_progress = Clock::now();
    while (!cv_.wait_for(lock, std::chrono::seconds{1}, [&] { return finished_; })) {
      const std::uint64_t now_count = count();
      const auto now = Clock::now();
      if (now_count != last) {
        last = now_count;
        last_progress = now;
      } else if (now - last_progress >= stall) {
        throw std::runtime_error(what + ": stuck at " + std::to_string(now_count) + " of " +
                                 std::to_string(target_) + " for " + std::to_string(stall.count()) +
                                 "s");
      }
    }
    return end_;
  }

 private:
  const std::uint64_t target_;
  std::atomic<std::uint64_t> count_{0};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool finished_ = false;
  Clock::time_point end_{};
};

}  // namespace unimq::bench
