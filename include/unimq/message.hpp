// A message: payload bytes, an optional key and headers.
#pragma once

#include <memory>
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
  /// A message that shares `payload` instead of copying it: the same bytes published many
  /// times (to many topics, or again and again) are neither copied nor allocated per message.
  /// Copies of the message share them too, until one asks for its mutable payload(), which
  /// gives that copy bytes of its own. A null pointer is an empty payload.
  ///
  ///     auto report = std::make_shared<const std::string>(render_report());
  ///     for (const auto& t : topics) producers.at(t).publish(unimq::Message(report));
  explicit Message(std::shared_ptr<const std::string> payload) : shared_(std::move(payload)) {}

  /// The payload bytes.
  const std::string& payload() const noexcept { return shared_ ? *shared_ : payload_; }
  /// Mutable payload bytes (a shared payload is copied first, so other messages keep theirs).
  std::string& payload() {
    if (shared_) payload_ = *std::exchange(shared_, nullptr);
    return payload_;
  }
  /// True when the payload is shared with other messages or with the caller (see the
  /// constructor from a shared_ptr).
  bool payload_shared() const noexcept { return shared_ != nullptr; }
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
  void set_payload(std::string payload) {
    payload_ = std::move(payload);
    shared_.reset();
  }

  /// Equal when payload bytes, key and headers are equal (shared or not).
  friend bool operator==(const Message& a, const Message& b) {
    return a.payload() == b.payload() && a.key_ == b.key_ && a.headers_ == b.headers_;
  }

 private:
  std::string payload_;
  std::shared_ptr<const std::string> shared_;  // set: the payload, shared; payload_ is unused
  std::string key_;
  Headers headers_;
};

}  // namespace unimq
