// The broker's confirmation of a published message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace unimq {

/// What the broker reported when it accepted a message. Fields the broker does not report are
/// empty.
struct Receipt {
  /// The topic the message was published to.
  std::string topic;
  /// The broker's id for the message (stream entry id, JetStream sequence, "partition@offset",
  /// memory sequence); empty when the broker assigns none.
  std::string message_id;
  /// Kafka partition, when the broker has partitions.
  std::optional<std::int32_t> partition;
  /// Position in the log (Kafka offset, stream sequence, memory sequence).
  std::optional<std::int64_t> offset;
  /// How many subscribers received it, where the broker reports that (Redis pub/sub PUBLISH).
  std::optional<std::int64_t> receivers;
};

}  // namespace unimq
