// The subcommands. Each add_* registers its options on `app` and sets `run` (when the
// subcommand is chosen, main calls it after parsing); `run` returns the exit status or throws.
#pragma once

#include <functional>

#include "broker.hpp"
#include "exit_codes.hpp"

namespace CLI {
class App;
}

namespace unimq::cli {

/// The action of the chosen subcommand.
using Action = std::function<Exit()>;

/// `pub TOPIC [PAYLOAD]`: publishes with confirmation (pub.cpp).
void add_pub(CLI::App& app, const Globals& globals, Action& run);
/// `sub TOPIC`: prints messages, acks after printing (sub.cpp).
void add_sub(CLI::App& app, const Globals& globals, Action& run);
/// `check`: capabilities and a round trip (check.cpp).
void add_check(CLI::App& app, const Globals& globals, Action& run);
/// `config validate FILE` and `config print FILE [--resolved]` (config_cmd.cpp).
void add_config(CLI::App& app, const Globals& globals, Action& run);
/// `dlq list|show|replay|purge TOPIC` (dlq_list.cpp, dlq_replay.cpp).
void add_dlq(CLI::App& app, const Globals& globals, Action& run);

}  // namespace unimq::cli
