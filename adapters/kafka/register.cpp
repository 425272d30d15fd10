// Registers the Kafka adapter under the `kafka` scheme and, for tests, `kafka+mock`.
#include "kafka_connection.hpp"
#include "kafka_settings.hpp"
#include "unimq/driver/registry.hpp"

extern "C" void unimq_adapter_register_kafka() {
  unimq::driver::register_adapter({
      .name = "kafka",
      .schemes = {"kafka", "kafka+mock"},
      .options = unimq::kafka::option_names(),
      .option_prefixes = {"kafka."},
      .connect = [](const unimq::driver::BrokerUrl& url) { return unimq::kafka::connect(url); },
  });
}
