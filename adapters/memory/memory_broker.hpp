// A named in-process broker: its topics and its retention limit. Every connection to the same
// name in a process shares one Broker, which lives until the process exits (like a broker that
// keeps running when clients disconnect). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "memory_topic.hpp"

namespace unimq::memory {

class Broker {
 public:
  /// Messages each topic retains beyond what its groups still need, unless a URL says otherwise.
  static constexpr std::uint64_t kDefaultMaxMessages = 1'000'000;
  /// Bytes each topic retains beyond what its groups still need, unless a URL says otherwise.
  static constexpr std::uint64_t kDefaultMaxBytes = std::uint64_t{64} << 20;

  /// The process-wide broker called `name` ("" is the default broker), created on first use.
  static std::shared_ptr<Broker> named(const std::string& name);

  explicit Broker(std::string name);
  const std::string& name() const noexcept { return name_; }

  /// The topic called `name`, created on first use.
  std::shared_ptr<Topic> topic(const std::string& name);
  /// Forgets the topic called `name` and what it holds; receivers still reading it keep their
  /// (now unreachable) copy until they close.
  void drop(const std::string& name);
  /// Sets the message limit of every topic's retention, effective from the next append.
  void set_max_messages(std::uint64_t max_messages) {
    retention_->max_messages.store(max_messages, std::memory_order_relaxed);
  }
  /// Sets the byte limit of every topic's retention, effective from the next append.
  void set_max_bytes(std::uint64_t max_bytes) {
    retention_->max_bytes.store(max_bytes, std::memory_order_relaxed);
  }

 private:
  const std::string name_;
  const std::shared_ptr<Retention> retention_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Topic>> topics_;
};

}  // namespace unimq::memory
