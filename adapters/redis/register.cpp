// Registers the Redis adapter under the `redis` scheme (and `rediss`, to refuse it clearly).
#include "redis_connection.hpp"
#include "unimq/driver/registry.hpp"

extern "C" void unimq_adapter_register_redis() {
  unimq::driver::register_adapter({
      .name = "redis",
      .schemes = {"redis", "rediss"},
      .options = unimq::redis::option_names(),
      .option_prefixes = {},
      .connect = [](const unimq::driver::BrokerUrl& url) { return unimq::redis::connect(url); },
  });
}
