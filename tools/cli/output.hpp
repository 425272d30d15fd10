// How received messages are printed: the payload as is, or one JSON object per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "unimq/message.hpp"

namespace unimq::cli {

/// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool valid_utf8(std::string_view bytes);

/// Standard base64 (RFC 4648, with padding) of `bytes`.
std::string base64(std::string_view bytes);

/// A received message as JSON: `topic`, `key`, `headers` (name to value), `payload` as text, or
/// `payload_base64` when it is not UTF-8 (header values that are not UTF-8 go to
/// `headers_base64`, a key that is not goes to `key_base64`), `id` and `attempt`.
nlohmann::ordered_json message_json(const std::string& topic, const Message& message,
                                    const std::string& id, std::uint32_t attempt);

/// Writes `text` and a newline to stdout and flushes; false when stdout is gone (a closed pipe).
bool print_line(std::string_view text);

}  // namespace unimq::cli
