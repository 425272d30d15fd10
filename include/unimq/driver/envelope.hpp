// The envelope that carries key and headers around a payload on brokers without native headers
// (Redis pub/sub).
#pragma once

#include <string>
#include <string_view>

#include "unimq/message.hpp"

namespace unimq::driver::envelope {

/// The magic prefix of an enveloped message: a NUL byte, "UMQ", then the version byte.
inline constexpr std::string_view magic{"\0UMQ", 4};
/// The envelope format version this build writes.
inline constexpr unsigned char version = 1;

/// Encodes key, headers and payload:
/// magic, version, varint key length, key, varint header count, (varint len, name, varint len,
/// value)*, payload (the rest).
std::string encode(const Message& message);

/// Whether `bytes` starts with the envelope magic.
bool is_enveloped(std::string_view bytes) noexcept;

/// Decodes an enveloped message; bytes without the magic decode as a plain payload with no key
/// and no headers. Throws MalformedError for a truncated or inconsistent envelope or an unknown
/// version.
Message decode(std::string_view bytes);

}  // namespace unimq::driver::envelope
