// Capability names, used by the README table, the CLI and UnsupportedError texts.
#include "unimq/capabilities.hpp"

namespace unimq {

std::vector<std::string> Capabilities::names() const {
  std::vector<std::string> out;
  const std::pair<bool, const char*> flags[] = {
      {durable, "durable"},
      {consumer_groups, "consumer_groups"},
      {nack, "nack"},
      {delayed_redelivery, "delayed_redelivery"},
      {delivery_count, "delivery_count"},
      {replay, "replay"},
      {native_headers, "native_headers"},
      {request_reply, "request_reply"},
  };
  for (const auto& [on, name] : flags) {
    if (on) out.emplace_back(name);
  }
  return out;
}

const char* to_string(DeliveryGuarantee g) noexcept {
  return g == DeliveryGuarantee::at_least_once ? "at-least-once" : "at-most-once";
}

const char* to_string(OrderingScope s) noexcept {
  switch (s) {
    case OrderingScope::none:
      return "none";
    case OrderingScope::partition:
      return "partition";
    case OrderingScope::topic:
      return "topic";
  }
  return "none";
}

}  // namespace unimq
