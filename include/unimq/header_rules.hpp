// The header names every backend can carry, checked once in the common layer.
#pragma once

#include <cstddef>
#include <string_view>

namespace unimq {

/// Prefix of the header names unimq itself sets (dead-letter metadata, attempt counts). An
/// application may read them but not publish them.
inline constexpr std::string_view reserved_header_prefix = "unimq-";

/// Longest header name, in bytes (AMQP's short-string limit).
inline constexpr std::size_t max_header_name = 255;

/// Throws ConfigError naming `name` unless it is a portable header name: 1 to 255 bytes of
/// valid UTF-8 without control characters, spaces or ':' (NATS and AMQP cannot carry those
/// portably), and not starting with `unimq-` (any case) unless `allow_reserved`.
void validate_header_name(std::string_view name, bool allow_reserved = false);

/// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace unimq
