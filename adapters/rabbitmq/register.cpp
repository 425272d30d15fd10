// Registers the RabbitMQ adapter under the `amqp` and `amqps` schemes.
#include "rabbitmq_connection.hpp"
#include "rabbitmq_settings.hpp"
#include "unimq/driver/registry.hpp"

extern "C" void unimq_adapter_register_rabbitmq() {
  unimq::driver::register_adapter({
      .name = "rabbitmq",
      .schemes = {"amqp", "amqps"},
      .options = unimq::rabbitmq::option_names(),
      .option_prefixes = {},
      .connect = [](const unimq::driver::BrokerUrl& url) { return unimq::rabbitmq::connect(url); },
  });
}
