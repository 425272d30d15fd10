// Shared pieces of the Redis fault and interop tests: a private redis-server per test, URLs with
// short failure-detection timeouts; Collector and the waits come from tests/support/collector.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "collector.hpp"
#include "redis_process.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

/// URL options that make a dead or black-holed connection show within about a second.
inline constexpr std::string_view fast_failure =
    "connect_timeout=1s&command_timeout=1s&reconnect_max=500ms";

/// Base of the Redis tests: a private redis-server (RedisProcess) started for each test and
/// stopped after it. Without a redis-server binary the test is skipped, or fails when
/// UNIMQ_REQUIRE_BROKERS=1.
class RedisTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisProcess::available()) {
      missing_broker(RedisProcess::server_binary() +
                     " not found (set UNIMQ_REDIS_SERVER or install redis-server)");
      return;
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
