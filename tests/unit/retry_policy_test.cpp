// Backoff growth, cap and jitter bounds.
#include <gtest/gtest.h>

#include "unimq/error.hpp"
#include "unimq/retry_policy.hpp"

using namespace std::chrono_literals;

TEST(RetryPolicy, BaseBackoffGrowsExponentiallyUpToTheCap) {
  unimq::RetryPolicy p{.max_attempts = 10,
                       .initial_backoff = 100ms,
                       .multiplier = 2.0,
                       .max_backoff = 1000ms,
                       .jitter = 0.0};
  EXPECT_EQ(p.base_backoff(1), 100ms);
  EXPECT_EQ(p.base_backoff(2), 200ms);
  EXPECT_EQ(p.base_backoff(3), 400ms);
  EXPECT_EQ(p.base_backoff(4), 800ms);
  EXPECT_EQ(p.base_backoff(5), 1000ms);
  EXPECT_EQ(p.base_backoff(1000), 1000ms);  // no overflow for huge attempt numbers
}

TEST(RetryPolicy, JitterStaysWithinBounds) {
  unimq::RetryPolicy p{.max_attempts = 10,
                       .initial_backoff = 1000ms,
                       .multiplier = 1.0,
                       .max_backoff = 1000ms,
                       .jitter = 0.2};
  EXPECT_EQ(p.backoff(1, 0.0), 800ms);
  EXPECT_EQ(p.backoff(1, 0.5), 1000ms);
  EXPECT_EQ(p.backoff(1, 1.0), 1200ms);
  for (int i = 0; i < 10000; ++i) {
    auto w = p.backoff(1);
    ASSERT_GE(w, 800ms);
    ASSERT_LE(w, 1200ms);
  }
}

TEST(RetryPolicy, ZeroJitterIsExact) {
  unimq::RetryPolicy p{.initial_backoff = 50ms, .jitter = 0.0};
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p.backoff(2), 100ms);
}

TEST(RetryPolicy, ValidateNamesTheField) {
  auto message_of = [](unimq::RetryPolicy p) -> std::string {
    try {
      p.validate();
    } catch (const unimq::ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message_of({.max_attempts = 0}).find("retry.max_attempts"), std::string::npos);
  EXPECT_NE(message_of({.jitter = 1.5}).find("retry.jitter"), std::string::npos);
  EXPECT_NE(message_of({.multiplier = 0.5}).find("retry.multiplier"), std::string::npos);
  EXPECT_NE(message_of({.initial_backoff = 5s, .max_backoff = 1s}).find("retry.max_backoff"),
            std::string::npos);
  EXPECT_EQ(message_of({}), "");
}
