// A message: payload bytes, an optional key and headers.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "unimq/headers.hpp"

namespace unimq {

/// A message to publish or one that was received. The payload is arbitrary bytes (it may
/// contain NULs); the key routes ordering (Kafka partition, per-key lanes); headers carry
/// metadata. A plain value type: copyable, movable, not thread-safe.
///
///     producer.publish(unimq::Message("order 42").key("customer-7").header("type", "placed"));
class Message {
 public:
  Message() = default;
  /// A message with the given payload bytes.
  explicit Message(std::string payload) : payload_(std::move(payload)) {}
  /// A message with the given payload bytes (length-delimited, NULs kept).
  explicit Message(std::string_view payload) : payload_(payload) {}
  /// A message with a NUL-terminated text payload.
  explicit Message(const char* payload) : payload_(payload) {}

  /// The payload bytes.
  const std::string& payload() const noexcept { return payload_; }
  /// Mutable payload bytes.
  std::string& payload() noexcept { return payload_; }
  /// The key; empty when none was set.
  const std::string& key() const noexcept { return key_; }
  /// The headers.
  const Headers& headers() const noexcept { return headers_; }
  /// Mutable headers.
  Headers& headers() noexcept { return headers_; }

  /// Sets the key (builder style).
  Message& key(std::string key) & {
    key_ = std::move(key);
    return *this;
  }
  /// Sets the key (builder style, on a temporary).
  Message&& key(std::string key) && {
    key_ = std::move(key);
    return std::move(*this);
  }
  /// Sets one header (builder style).
  Message& header(std::string name, std::string value) & {
    headers_.set(std::move(name), std::move(value));
    return *this;
  }
  /// Sets one header (builder style, on a temporary).
  Message&& header(std::string name, std::string value) && {
    headers_.set(std::move(name), std::move(value));
    return std::move(*this);
  }
  /// Replaces the payload.
  void set_payload(std::string payload) { payload_ = std::move(payload); }

  /// Equal when payload, key and headers are equal.
  friend bool operator==(const Message&, const Message&) = default;

 private:
  std::string payload_;
  std::string key_;
  Headers headers_;
};

}  // namespace unimq
