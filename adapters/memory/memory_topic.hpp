// One memory topic: the message log, its groups and the condition receivers wait on. Every
// operation takes the topic's one mutex once per call, so a batch costs one lock. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "memory_group.hpp"
#include "memory_log.hpp"
#include "unimq/consumer_options.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::memory {

/// A receiver's membership in a group of one topic. Guarded by the topic's mutex.
struct Subscription {
  Group* group = nullptr;
  std::uint32_t member = 0;
  std::uint32_t max_in_flight = 0;  ///< 0 = unbounded
  std::size_t outstanding = 0;      ///< delivered to this member and not yet settled
  bool closed = false;
};

/// How much a topic keeps for replay beyond what its groups still need: the oldest settled
/// messages go once either limit is passed. A broker's topics share one, so a later URL can
/// change it.
struct Retention {
  Retention(std::uint64_t messages, std::uint64_t bytes)
      : max_messages(messages), max_bytes(bytes) {}
  std::atomic<std::uint64_t> max_messages;
  std::atomic<std::uint64_t> max_bytes;  ///< counted as the producer's byte budget counts
};

class Topic {
 public:
  /// `retention` is the broker's, shared by its topics.
  Topic(std::string name, std::shared_ptr<const Retention> retention);
  Topic(const Topic&) = delete;
  Topic& operator=(const Topic&) = delete;
  ~Topic();

  const std::string& name() const noexcept { return name_; }

  /// Appends `batch` in order (moving the messages out) and returns the first sequence number.
  std::uint64_t append(std::vector<Message>& batch);

  /// Joins `group` (created at `start` if new; empty = a private group at the end of the log).
  std::shared_ptr<Subscription> subscribe(const std::string& group, StartPosition start,
                                          std::uint32_t max_in_flight);
  /// Up to `max` messages for `sub`, waiting until one is ready or `deadline`. Throws
  /// ClosedError once `sub` is closed.
  std::vector<driver::Inbound> receive(Subscription& sub, std::size_t max,
                                       Clock::time_point deadline);
  void ack(Subscription& sub, std::span<const driver::AckToken> tokens);
  void nack(Subscription& sub, std::span<const driver::AckToken> tokens,
            std::chrono::milliseconds delay);
  /// Closes `sub`: its unsettled messages go back to the group, due at once. Idempotent.
  void unsubscribe(Subscription& sub);

 private:
  /// Whether the log holds more than the retention allows (requires mu_).
  bool over_retention() const noexcept;
  void trim();  // requires mu_
  void wake(std::unique_lock<std::mutex>& lock);

  const std::string name_;
  const std::shared_ptr<const Retention> retention_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t waiters_ = 0;  // receivers blocked on cv_, so appends notify only when needed
  MessageLog log_;
  std::vector<std::unique_ptr<Group>> groups_;
};

}  // namespace unimq::memory
