// Backend discovery for the conformance suite, plus the harness check that a required backend
// cannot silently drop out of the run.
#include "backends.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "unimq/driver/registry.hpp"

namespace unimq::test {

std::vector<Backend> all_backends() {
  std::vector<Backend> out = {
      {"memory", "memory", "UNIMQ_TEST_MEMORY_URL", ""},
      {"redis", "redis", "UNIMQ_TEST_REDIS_URL", ""},
      {"redis_streams", "redis", "UNIMQ_TEST_REDIS_STREAMS_URL", ""},
      {"nats", "nats", "UNIMQ_TEST_NATS_URL", ""},
      {"jetstream", "nats", "UNIMQ_TEST_JETSTREAM_URL", ""},
      {"rabbitmq", "rabbitmq", "UNIMQ_TEST_AMQP_URL", ""},
      // The same broker with quorum group queues (replicated; they count deliveries).
      {"rabbitmq_quorum", "rabbitmq", "UNIMQ_TEST_AMQP_URL", ""},
      {"kafka", "kafka", "UNIMQ_TEST_KAFKA_URL", ""},
  };
  for (auto& b : out) {
    if (const char* v = std::getenv(b.env.c_str()); v != nullptr) b.url = v;
    if (b.name == "memory" && b.url.empty()) b.url = "memory://";
    if (b.name == "rabbitmq_quorum" && !b.url.empty()) {
      b.url +=
          (b.url.find('?') == std::string::npos ? "?" : "&") + std::string("queue_type=quorum");
    }
  }
  return out;
}

std::vector<Backend> enabled_backends() {
  // The adapters linked into this binary decide which backends are instantiated, so the list of
  // cases is fixed when the binary is linked and cannot shrink when a URL is missing at run
  // time: such a case fails (or, without UNIMQ_REQUIRE_BROKERS=1, is reported skipped).
  const auto adapters = driver::adapter_names();
  auto all = all_backends();
  std::erase_if(all, [&](const Backend& b) {
    return std::find(adapters.begin(), adapters.end(), b.adapter) == adapters.end();
  });
  return all;
}

void require_url(const Backend& backend) {
  if (!backend.url.empty()) return;
  const std::string why =
      backend.env + " is not set, so backend '" + backend.name + "' has no broker to run against";
  if (brokers_required()) {
    GTEST_FAIL() << why << " (UNIMQ_REQUIRE_BROKERS=1)";
  }
  GTEST_SKIP() << why;
}

bool brokers_required() {
  const char* v = std::getenv("UNIMQ_REQUIRE_BROKERS");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace unimq::test

// With UNIMQ_REQUIRE_BROKERS=1 (set by CI) every backend built into this binary must have a URL, so
// a broker the harness failed to start shows as a failure, never as a smaller suite.
TEST(Harness, EveryBuiltBackendHasAUrlWhenBrokersAreRequired) {
  const bool required = unimq::test::brokers_required();
  const auto adapters = unimq::driver::adapter_names();
  for (const auto& b : unimq::test::all_backends()) {
    const bool built = std::find(adapters.begin(), adapters.end(), b.adapter) != adapters.end();
    EXPECT_FALSE(required && built && b.url.empty())
        << "adapter '" << b.adapter << "' is built but " << b.env << " is not set";
  }
}
