// Shared pieces of the NATS fault, cluster and interop tests: a private nats-server (or cluster)
// per test and URLs with fast reconnects; Collector and the waits come from
// tests/support/collector.hpp.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "collector.hpp"
#include "nats_process.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

/// URL options that make the client notice a dead server and reconnect within about 100 ms,
/// for ever.
inline constexpr std::string_view fast_reconnect =
    "nats.reconnect_wait=100ms&nats.max_reconnect=-1";

/// Base of the tests that start nats-servers of their own: without a nats-server binary the
/// test is skipped, or fails when UNIMQ_REQUIRE_BROKERS=1.
class NatsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (NatsProcess::available()) return;
    missing_broker(NatsProcess::server_binary() +
                   " not found (set UNIMQ_NATS_SERVER or install nats-server)");
  }
};

/// Base of the single-server NATS tests: a private nats-server with JetStream (NatsProcess)
/// started for each test and stopped after it.
class NatsTest : public NatsServerTest {
 protected:
  void SetUp() override {
    NatsServerTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    nats_.emplace();
  }
  void TearDown() override { nats_.reset(); }

  /// The private server.
  NatsProcess& nats() { return *nats_; }
  /// `nats://127.0.0.1:<port>?jetstream=false&<fast_reconnect>[&extra]`.
  std::string core_url(std::string_view extra = {}) const { return url("jetstream=false", extra); }
  /// The same with jetstream=true.
  std::string jetstream_url(std::string_view extra = {}) const {
    return url("jetstream=true", extra);
  }

 private:
  std::string url(std::string_view mode, std::string_view extra) const {
    std::string query = std::string(mode) + "&" + std::string(fast_reconnect);
    if (!extra.empty()) query += "&" + std::string(extra);
    return nats_->url(query);
  }

  std::optional<NatsProcess> nats_;
};

}  // namespace unimq::test
