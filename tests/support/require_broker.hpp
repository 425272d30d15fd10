// One policy for a test whose broker is not there: under UNIMQ_REQUIRE_BROKERS=1 (CI) it fails,
// otherwise it is reported skipped with the reason, never passed.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace unimq::test {

/// Records the outcome of a missing broker for the running test: a fatal failure when
/// UNIMQ_REQUIRE_BROKERS=1, else a skip saying `why`. Only this function returns; the caller
/// returns right after (from SetUp, gtest then leaves the test body out).
inline void missing_broker(const std::string& why) {
  const char* required = std::getenv("UNIMQ_REQUIRE_BROKERS");
  if (required != nullptr && std::string(required) == "1") {
    GTEST_FAIL() << why << " (UNIMQ_REQUIRE_BROKERS=1)";
  }
  GTEST_SKIP() << why;
}

/// The broker URL in environment variable `env`; when it is unset or empty, calls
/// missing_broker() and returns "".
inline std::string broker_url(const char* env) {
  const char* url = std::getenv(env);
  if (url != nullptr && *url != '\0') return url;
  missing_broker(std::string(env) + " is not set");
  return {};
}

}  // namespace unimq::test
