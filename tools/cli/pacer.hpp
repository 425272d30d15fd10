// Spacing of operations to a rate (--rate R per second).
#pragma once

#include <chrono>
#include <thread>

namespace unimq::cli {

/// Waits before each operation so that at most `per_second` start per second, without drift
/// (each slot is 1/rate after the previous one). A rate of 0 never waits. Not thread-safe.
class Pacer {
 public:
  /// A pacer for `per_second` operations per second (0 = unlimited).
  explicit Pacer(double per_second) : per_second_(per_second) {}

  /// Blocks until the next operation may start.
  void wait() {
    if (per_second_ <= 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (next_ < now) next_ = now;
    std::this_thread::sleep_until(next_);
    next_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / per_second_));
  }

 private:
  double per_second_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace unimq::cli
