// Token bucket: tokens accrue continuously at `rate` up to `burst`; each admission takes one.
#include "internal/token_bucket.hpp"

#include <algorithm>

namespace unimq::detail {

TokenBucket::TokenBucket(double rate, double burst)
    : rate_(rate), burst_(std::max(burst, 1.0)), tokens_(1.0), last_(Clock::now()) {}

void TokenBucket::refill(Clock::time_point now) {
  const std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  last_ = now;
}

std::chrono::nanoseconds TokenBucket::wait_time(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  refill(now);
  if (tokens_ >= 1.0) return std::chrono::nanoseconds{0};
  return std::chrono::nanoseconds{static_cast<std::int64_t>((1.0 - tokens_) / rate_ * 1e9) + 1};
}

bool TokenBucket::acquire() {
  std::unique_lock lock(mutex_);
  while (!cancelled_) {
    const auto now = Clock::now();
    refill(now);
    if (tokens_ >= 1.0) {
      tokens_ -= 1.0;
      return true;
    }
    const auto wait =
        std::chrono::nanoseconds{static_cast<std::int64_t>((1.0 - tokens_) / rate_ * 1e9) + 1};
    cv_.wait_for(lock, wait);
  }
  return false;
}

void TokenBucket::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

}  // namespace unimq::detail
