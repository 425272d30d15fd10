// How a message is laid out as the fields of a stream entry, readable by any Redis client:
//   payload  the payload bytes (absent = empty payload)
//   key      the key (only when set)
//   h:<name> one header (':' cannot occur in a header name, so these never clash)
// Reading, any other field (from a plain `XADD s * data x`) becomes a header of that name, so
// nothing another producer wrote is dropped.
#pragma once

#include <string_view>

#include "redis_link.hpp"
#include "unimq/message.hpp"

namespace unimq::redis::stream_fields {

/// Field names.
inline constexpr std::string_view payload = "payload";
inline constexpr std::string_view key = "key";
inline constexpr std::string_view header_prefix = "h:";

/// Appends the field/value pairs of `message` to `args` (pointing into the message, which must
/// outlive the command).
void append(Args& args, const Message& message);

/// Builds a message from an entry's field/value array reply (`[f1, v1, f2, v2, ...]`). Throws
/// MalformedError when the reply is not such an array.
Message decode(const redisReply& fields);

}  // namespace unimq::redis::stream_fields
