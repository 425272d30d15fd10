// Where messages go when their handler gave up.
#pragma once

#include <string>

namespace unimq {

/// Dead-letter routing for a consumer. When a handler throws PermanentError or exhausts its
/// retries, a copy of the message (payload, key, headers plus `unimq-dlq-*` headers) is published
/// to `topic`; the original is acknowledged only after the broker confirmed that copy.
struct DeadLetterPolicy {
  /// Whether failed messages are dead-lettered; when false they are acknowledged and dropped
  /// after a logged error.
  bool enabled = true;
  /// Dead-letter topic; empty means `<topic>.dlq`.
  std::string topic{};
};

/// Header names stamped on dead-lettered copies.
namespace dlq_header {
inline constexpr const char* topic = "unimq-dlq-topic";            ///< Original topic.
inline constexpr const char* group = "unimq-dlq-group";            ///< Consumer group.
inline constexpr const char* error = "unimq-dlq-error";            ///< Last error text.
inline constexpr const char* attempts = "unimq-dlq-attempts";      ///< Tries made.
inline constexpr const char* failed_at = "unimq-dlq-failed-at";    ///< RFC 3339 UTC time.
inline constexpr const char* message_id = "unimq-dlq-message-id";  ///< Broker message id.
}  // namespace dlq_header

/// Header carrying the attempt number where the broker keeps no delivery count.
inline constexpr const char* attempt_header = "unimq-attempt";

}  // namespace unimq
