// A consumer group on one memory topic: a shared cursor, the table of delivered but unsettled
// messages, and the queue of messages waiting for redelivery. Not thread-safe: the topic's
// mutex guards it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace unimq::memory {

using Clock = std::chrono::steady_clock;

/// One message handed to a member: its sequence number and how often it was delivered.
struct Delivery {
  std::uint64_t seq;
  std::uint32_t delivery_count;
};

class Group {
 public:
  /// A group whose cursor starts at `start_seq`; an empty name marks a private broadcast group.
  Group(std::string name, std::uint64_t start_seq)
      : name_(std::move(name)), cursor_(start_seq), base_(start_seq) {}

  const std::string& name() const noexcept { return name_; }
  bool anonymous() const noexcept { return name_.empty(); }

  /// Adds a member and returns its id (the owner recorded on its deliveries).
  std::uint32_t join() { return next_member_++; }
  /// Removes a member: everything it still holds becomes due for redelivery at `now`.
  void leave(std::uint32_t member, Clock::time_point now);

  /// The next message for `member`: a redelivery due by `now` first, else the message at the
  /// cursor when it is below `end_seq`. Records the delivery as pending for `member`.
  std::optional<Delivery> next(std::uint32_t member, std::uint64_t end_seq, Clock::time_point now);
  /// An upper bound on what next() can return right now, to size the result.
  std::size_t ready_bound(std::uint64_t end_seq) const noexcept {
    return static_cast<std::size_t>(end_seq - cursor_) + redeliver_.size();
  }

  /// Settles `seq` if `member` holds it; returns whether it did.
  bool ack(std::uint32_t member, std::uint64_t seq);
  /// Queues `seq` for redelivery at `due` if `member` holds it; returns whether it did.
  bool nack(std::uint32_t member, std::uint64_t seq, Clock::time_point due);

  /// The oldest sequence number this group still needs (unsettled, or not yet delivered).
  std::uint64_t low_water() const noexcept { return base_; }
  /// When the earliest queued redelivery is due, if any.
  std::optional<Clock::time_point> next_due() const {
    if (redeliver_.empty()) return std::nullopt;
    return redeliver_.begin()->first;
  }

 private:
  enum class State : std::uint8_t { pending, acked, redelivering };
  struct Slot {
    std::uint32_t delivery_count;
    std::uint32_t owner;
    State state;
  };

  Slot* slot(std::uint64_t seq) noexcept {
    if (seq < base_ || seq >= cursor_) return nullptr;
    return &window_[static_cast<std::size_t>(seq - base_)];
  }
  void settle_front();

  std::string name_;
  std::uint64_t cursor_;     // next sequence number never delivered to this group
  std::uint64_t base_;       // sequence number of window_.front()
  std::deque<Slot> window_;  // one slot per seq in [base_, cursor_); settled slots leave the front
  std::set<std::pair<Clock::time_point, std::uint64_t>> redeliver_;  // (due, seq), due order
  std::uint32_t next_member_ = 1;
};

}  // namespace unimq::memory
