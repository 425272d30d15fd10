// The rate limiter's token bucket.
#include "internal/token_bucket.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace unimq::detail {
namespace {

using namespace std::chrono_literals;

TEST(TokenBucket, FirstTokenIsFreeThenOnePerInterval) {
  TokenBucket bucket(10.0, 1.0);  // one token per 100 ms
  EXPECT_TRUE(bucket.acquire());
  const auto wait = bucket.wait_time(TokenBucket::Clock::now());
  EXPECT_GT(wait, 90ms);
  EXPECT_LE(wait, 100ms);
}

TEST(TokenBucket, BurstIsCappedAndZeroBurstMeansOne) {
  TokenBucket bucket(1000.0, 5.0);
  const auto later = TokenBucket::Clock::now() + 1s;  // long enough to fill far beyond 5
  EXPECT_EQ(bucket.wait_time(later), 0ns);
  TokenBucket zero(1000.0, 0.0);
  EXPECT_TRUE(zero.acquire());
  EXPECT_GT(zero.wait_time(TokenBucket::Clock::now()), 0ns);
}

TEST(TokenBucket, AcquirePacesToTheRate) {
  TokenBucket bucket(200.0, 1.0);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 41; ++i) ASSERT_TRUE(bucket.acquire());
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 195ms);  // 40 intervals of 5 ms
  EXPECT_LT(took, 400ms);
}

TEST(TokenBucket, CancelFailsWaitingAndLaterAcquires) {
  TokenBucket bucket(0.001, 1.0);
  ASSERT_TRUE(bucket.acquire());
  bool result = true;
  std::thread waiter([&] { result = bucket.acquire(); });
  std::this_thread::sleep_for(20ms);
  bucket.cancel();
  waiter.join();
  EXPECT_FALSE(result);
  EXPECT_FALSE(bucket.acquire());
}

}  // namespace
}  // namespace unimq::detail
