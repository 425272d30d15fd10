// Internal logging entry points for the common layer and adapters. Callers build the text;
// spdlog stays a private dependency of the core library.
#pragma once

#include <string>

#include "unimq/log.hpp"

namespace unimq::detail {

/// Whether `level` is currently logged (check before building an expensive line).
bool log_enabled(LogLevel level) noexcept;
/// Logs one line through the `unimq` logger.
void log(LogLevel level, const std::string& text);

inline void log_debug(const std::string& text) {
  log(LogLevel::debug, text);
}
inline void log_info(const std::string& text) {
  log(LogLevel::info, text);
}
inline void log_warn(const std::string& text) {
  log(LogLevel::warn, text);
}
inline void log_error(const std::string& text) {
  log(LogLevel::error, text);
}

}  // namespace unimq::detail
