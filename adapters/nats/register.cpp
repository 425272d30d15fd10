// Registers the NATS adapter under the `nats` scheme.
#include "nats_connection.hpp"
#include "unimq/driver/registry.hpp"

extern "C" void unimq_adapter_register_nats() {
  unimq::driver::register_adapter({
      .name = "nats",
      .schemes = {"nats"},
      .options = unimq::nats::option_names(),
      .option_prefixes = {"nats."},
      .connect = [](const unimq::driver::BrokerUrl& url) { return unimq::nats::connect(url); },
  });
}
