// The adapter registry: URL schemes mapped to connection factories.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::driver {

/// What an adapter registers.
struct AdapterInfo {
  std::string name;                          ///< Adapter name, e.g. "memory".
  std::vector<std::string> schemes;          ///< URL schemes it serves, e.g. {"amqp", "amqps"}.
  std::vector<std::string> options;          ///< Query options it accepts.
  std::vector<std::string> option_prefixes;  ///< Pass-through prefixes, e.g. {"kafka."}.
  /// Opens a connection; throws ConfigError or ConnectionError.
  std::function<std::unique_ptr<Connection>(const BrokerUrl&)> connect;
};

/// Registers an adapter; a scheme registered twice keeps the latest. Thread-safe.
void register_adapter(AdapterInfo info);

/// Checks that an adapter linked into this program serves `url`'s scheme and accepts each of its
/// options, without connecting (option values are checked when connecting). Throws ConfigError
/// naming the scheme (and the available ones) or the option (and the accepted ones).
void check_url(const BrokerUrl& url);

/// Checks `url` against its adapter's accepted options and opens a connection. Throws
/// ConfigError for an unknown scheme (listing the known ones) or an unknown option.
std::unique_ptr<Connection> open_connection(const BrokerUrl& url);

/// The names of the adapters linked into this program.
std::vector<std::string> adapter_names();

}  // namespace unimq::driver

// Each adapter target defines its registration function, e.g. unimq_adapter_register_memory(),
// and makes the linker keep it; the library's init calls every one that is linked in.
extern "C" {
void unimq_adapter_register_memory();    ///< Defined by unimq::memory.
void unimq_adapter_register_kafka();     ///< Defined by unimq::kafka.
void unimq_adapter_register_rabbitmq();  ///< Defined by unimq::rabbitmq.
void unimq_adapter_register_redis();     ///< Defined by unimq::redis.
void unimq_adapter_register_nats();      ///< Defined by unimq::nats.
}
