// Maps errors onto the CLI's exit codes.
#include "exit_codes.hpp"

#include <algorithm>

#include "unimq/error.hpp"

namespace unimq::cli {

const char* const exit_codes_help =
    "Exit codes:\n"
    "  0  ok\n"
    "  1  usage: unknown subcommand or option, missing argument\n"
    "  2  config: bad broker URL or config file, no broker given\n"
    "  3  connection: the broker cannot be reached or the connection was lost\n"
    "  4  timeout: a deadline passed (round trip, sub -n ... -e, publish confirmation)\n"
    "  5  partial failure: some messages were not published, replayed or purged\n"
    "  6  unsupported: the backend lacks what the command needs (dlq on a non-durable topic)\n"
    "  7  internal error\n";

Exit exit_for(const std::exception& error) noexcept {
  if (const auto* failure = dynamic_cast<const Failure*>(&error)) return failure->exit();
  if (const auto* e = dynamic_cast<const Error*>(&error)) {
    switch (e->code()) {
      case ErrorCode::config:
        return Exit::config;
      case ErrorCode::connection:
      case ErrorCode::closed:
        return Exit::connection;
      case ErrorCode::timeout:
        return Exit::timeout;
      case ErrorCode::unsupported:
        return Exit::unsupported;
      case ErrorCode::publish:
      case ErrorCode::permanent:
      case ErrorCode::malformed:
        return Exit::partial;
      case ErrorCode::internal:
        return Exit::internal;
    }
  }
  return Exit::internal;
}

std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

}  // namespace unimq::cli
