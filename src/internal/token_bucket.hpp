// A token bucket that paces handler starts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace unimq::detail {

/// Admits `rate` events per second on average with bursts of up to `burst`. Thread-safe.
class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  /// `rate` > 0 events per second; `burst` >= 1.
  TokenBucket(double rate, double burst);
  /// Waits for a token; returns false without taking one if cancel() was called.
  bool acquire();
  /// Wakes and fails every current and future acquire().
  void cancel();
  /// How long until a token is available at `now` (0 when one is); for tests.
  std::chrono::nanoseconds wait_time(Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  const double rate_;
  const double burst_;
  double tokens_;
  Clock::time_point last_;
  bool cancelled_ = false;
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace unimq::detail
