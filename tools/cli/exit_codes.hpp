// The unimq CLI's exit codes, one per error class, and how errors map onto them.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace unimq::cli {

/// What a command's exit status tells the caller (documented in `unimq --help` and the README).
enum class Exit : int {
  ok = 0,           ///< Everything asked for was done.
  usage = 1,        ///< Bad command line: unknown subcommand or option, missing argument.
  config = 2,       ///< Bad broker URL or config file, or no broker given.
  connection = 3,   ///< The broker could not be reached or the connection was lost.
  timeout = 4,      ///< A deadline passed (round trip, `sub -n` with `-e`, publish confirmations).
  partial = 5,      ///< Some of the work failed (unconfirmed publishes, messages not replayed).
  unsupported = 6,  ///< The backend lacks what the command needs (dlq on a non-durable topic).
  internal = 7,     ///< Anything else: a bug, report it.
};

/// The `--help` footer listing the exit codes.
extern const char* const exit_codes_help;

/// A failure of a command that is not a library error: what to print and the exit status.
class Failure : public std::runtime_error {
 public:
  /// A failure with its exit status and a one-line message.
  Failure(Exit exit, const std::string& message) : std::runtime_error(message), exit_(exit) {}
  /// The exit status it ends the process with.
  Exit exit() const noexcept { return exit_; }

 private:
  Exit exit_;
};

/// The exit status for the exception `error` (a Failure, a unimq::Error or anything else).
Exit exit_for(const std::exception& error) noexcept;

/// `text` on one line: line breaks become spaces, so every error is one line on stderr.
std::string one_line(std::string text);

}  // namespace unimq::cli
