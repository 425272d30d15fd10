// The bytes a message carries, as the producer's byte budget and the consumer's reuse of
// deliveries count them.
#pragma once

#include <cstddef>

#include "unimq/message.hpp"

namespace unimq::detail {

/// Payload, key, and every header's name and value, in bytes.
inline std::size_t message_bytes(const Message& message) noexcept {
  std::size_t bytes = message.payload().size() + message.key().size();
  for (const auto& [name, value] : message.headers()) bytes += name.size() + value.size();
  return bytes;
}

}  // namespace unimq::detail
