// unimq's logging: one `unimq` logger (spdlog inside) that the application can redirect,
// re-level or silence without depending on spdlog.
#pragma once

#include <functional>
#include <string_view>

namespace unimq {

/// Log severity.
enum class LogLevel { trace, debug, info, warn, error, off };

/// Receives each log line: level and text (no trailing newline). Called from unimq threads.
using LogHandler = std::function<void(LogLevel level, std::string_view text)>;

/// Sets the lowest level logged; `LogLevel::off` silences unimq. Default: info.
void set_log_level(LogLevel level);
/// Sends every line to `handler` instead of stderr; an empty handler restores stderr.
void set_log_handler(LogHandler handler);

}  // namespace unimq
