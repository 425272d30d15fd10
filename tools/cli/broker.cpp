// Resolving and connecting to the broker a command names.
#include "broker.hpp"

#include <cstdlib>

#include "unimq/error.hpp"

namespace unimq::cli {

Config resolve_config(const Globals& globals) {
  Config config;
  if (!globals.config.empty()) config = Config::load_file(globals.config);
  if (!globals.url.empty()) {
    config.broker = globals.url;
  } else if (globals.config.empty()) {
    const char* env = std::getenv("UNIMQ_URL");
    if (env == nullptr || *env == '\0') {
      throw ConfigError(
          "no broker: give --url URL, set UNIMQ_URL or name a config file with --config FILE");
    }
    config.broker = env;
  }
  return config;
}

Client connect(const Globals& globals) {
  Config config = resolve_config(globals);
  config.metrics = {};
  return Client::from_config(std::move(config));
}

}  // namespace unimq::cli
