// Registers the memory adapter under the `memory` scheme.
#include "memory_connection.hpp"
#include "unimq/driver/registry.hpp"

extern "C" void unimq_adapter_register_memory() {
  unimq::driver::register_adapter({
      .name = "memory",
      .schemes = {"memory"},
      .options = {"max_messages", "max_bytes"},
      .option_prefixes = {},
      .connect = [](const unimq::driver::BrokerUrl& url) { return unimq::memory::connect(url); },
  });
}
