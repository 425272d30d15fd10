// What every example shares: the --url / --timeout command line, unique topic names, and a main
// wrapper that turns an exception into a message and exit status 1.
#pragma once

#include <unimq/unimq.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace example {

/// The command line every example takes.
struct Args {
  std::string url = "memory://";     ///< --url, else UNIMQ_URL, else memory://
  std::chrono::seconds timeout{60};  ///< --timeout SECONDS: the run fails past it.
};

/// Parses `--url URL`, `--timeout SECONDS` and `--help` (prints `usage` and exits 0). Exits 2
/// with a message on anything else.
Args parse_args(int argc, char** argv, std::string_view usage);

/// `<prefix>-<hex time>-<random>`: durable brokers keep topics and groups between runs, so each
/// run uses fresh names and never reads a previous run's leftovers.
std::string unique_name(std::string_view prefix);

/// A consumer group name where the backend has groups, else "" (a broadcast subscriber), so an
/// example that needs one subscriber per service runs on Redis pub/sub too.
std::string group_or_broadcast(const unimq::Client& client, std::string name);

/// Exit status of an example run on a backend that lacks what its pattern needs (e.g. consumer
/// groups); ctest reports it as skipped (SKIP_RETURN_CODE), never as passed.
inline constexpr int kUnsupported = 77;

/// Polls `done` every 5 ms until it holds (true) or `deadline` passes (false).
bool wait_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline);

/// Runs `body` and returns its exit status; an exception is printed and gives 1.
int run(const std::function<int()>& body);

}  // namespace example
