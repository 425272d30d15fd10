// The options every subcommand shares and the broker they name: --url, else the environment
// variable UNIMQ_URL, else the broker of --config (whose own UNIMQ_URL override the library
// applies), exactly as unimq::Client resolves them.
#pragma once

#include <string>

#include "unimq/client.hpp"
#include "unimq/config.hpp"

namespace unimq::cli {

/// Options given before or after the subcommand.
struct Globals {
  std::string url;       ///< --url: the broker URL; wins over everything else.
  std::string config;    ///< --config: a YAML config file (topics, consumers, broker).
  bool quiet = false;    ///< --quiet: no progress bar and no summary lines.
  bool verbose = false;  ///< --verbose: the library's info log lines on stderr.
};

/// The configuration the command runs with: the --config file (env expanded, UNIMQ_URL applied)
/// or an empty one, with the broker from --url or UNIMQ_URL. Throws ConfigError (exit 2) when no
/// broker is given at all.
Config resolve_config(const Globals& globals);

/// Connects to the resolved broker. The CLI never serves metrics, so a config's
/// `metrics.prometheus.listen` is ignored here (`config validate` still checks it).
Client connect(const Globals& globals);

}  // namespace unimq::cli
