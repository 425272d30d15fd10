// What a backend can do. Declared by each adapter, asserted by the conformance suite.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace unimq {

/// The delivery guarantee a backend gives.
enum class DeliveryGuarantee {
  at_most_once,   ///< A message may be lost (no subscriber, consumer crash); never duplicated.
  at_least_once,  ///< A confirmed message is delivered until acknowledged; may be duplicated.
};

/// The scope within which a consumer sees messages in publish order.
enum class OrderingScope {
  none,       ///< No order is promised.
  partition,  ///< Order per partition; a key always maps to one partition (Kafka).
  topic,      ///< One consumer sees the whole topic in publish order (memory, streams, queues).
};

/// The features a backend declares. The common layer refuses (with UnsupportedError) what a
/// backend lacks, and the conformance suite tests what it declares.
struct Capabilities {
  /// Short name of the messaging system, as in OpenTelemetry `messaging.system`.
  std::string system;
  /// At-most-once or at-least-once.
  DeliveryGuarantee guarantee = DeliveryGuarantee::at_most_once;
  /// Messages survive a broker restart.
  bool durable = false;
  /// Several consumers in one group share the messages (competing consumers).
  bool consumer_groups = false;
  /// A single message can be handed back for redelivery (nack).
  bool nack = false;
  /// A nack can ask for the redelivery to happen after a delay.
  bool delayed_redelivery = false;
  /// The broker counts deliveries of a message (the attempt number survives a restart).
  bool delivery_count = false;
  /// A new group can start from the oldest retained message (start position `all`).
  bool replay = false;
  /// Headers travel natively (not inside an envelope).
  bool native_headers = false;
  /// The broker has a native request/reply mechanism.
  bool request_reply = false;
  /// Ordering scope for a single consumer.
  OrderingScope ordering = OrderingScope::none;
  /// Largest payload the backend accepts, in bytes; 0 = no fixed limit.
  std::size_t max_payload = 0;

  /// The names of the boolean capabilities that are true, e.g. {"consumer_groups", "nack"}.
  std::vector<std::string> names() const;
};

/// Returns "at-most-once" or "at-least-once".
const char* to_string(DeliveryGuarantee g) noexcept;
/// Returns "none", "partition" or "topic".
const char* to_string(OrderingScope s) noexcept;

}  // namespace unimq
