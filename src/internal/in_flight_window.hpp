// The producer's messages handed to the driver and not yet confirmed, by sequential id.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

namespace unimq::detail {

/// Entries get consecutive ids when sent, so a completion finds its entry by index instead of a
/// tree lookup and no per-message node is allocated. `E` has a `deadline` (time_point). First
/// sends arrive in publish order, so their deadlines ascend; resent entries (retries) carry older
/// deadlines and are tracked separately for expiry. Not thread-safe: the producer's mutex guards
/// it.
template <typename E>
class InFlightWindow {
 public:
  using Id = std::uint64_t;
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Adds `entry`; `resent` when it was sent before (its deadline may precede earlier ids').
  Id push(E&& entry, bool resent) {
    const Id id = base_ + slots_.size();
    slots_.push_back(Slot{std::move(entry), resent});
    ++count_;
    if (resent) resent_.push_back(id);
    return id;
  }

  /// Removes and returns entry `id`; nullopt if it already completed or expired.
  std::optional<E> take(Id id) {
    if (id < base_ || id - base_ >= slots_.size()) return std::nullopt;
    auto& slot = slots_[id - base_];
    if (!slot.entry) return std::nullopt;
    std::optional<E> out = std::move(slot.entry);
    slot.entry.reset();
    --count_;
    trim();
    return out;
  }

  /// Removes every entry whose deadline is <= `now`, passing each to `expired(E&&)`.
  template <typename F>
  void expire(TimePoint now, F&& expired) {
    for (auto& slot : slots_) {
      if (!slot.entry || slot.resent) continue;
      if (slot.entry->deadline > now) break;  // later first sends have later deadlines
      expired(std::move(*slot.entry));
      slot.entry.reset();
      --count_;
    }
    std::erase_if(resent_, [&](Id id) {
      if (id < base_ || id - base_ >= slots_.size()) return true;
      auto& slot = slots_[id - base_];
      if (!slot.entry) return true;
      if (slot.entry->deadline > now) return false;
      expired(std::move(*slot.entry));
      slot.entry.reset();
      --count_;
      return true;
    });
    trim();
  }

  /// The earliest deadline of any entry, or TimePoint::max() when empty.
  TimePoint next_deadline() const {
    auto next = TimePoint::max();
    for (const auto& slot : slots_) {
      if (!slot.entry || slot.resent) continue;
      next = slot.entry->deadline;
      break;
    }
    for (Id id : resent_) {
      if (id >= base_ && id - base_ < slots_.size() && slots_[id - base_].entry) {
        next = std::min(next, slots_[id - base_].entry->deadline);
      }
    }
    return next;
  }

  /// Removes every entry, passing each to `f(E&&)`.
  template <typename F>
  void drain(F&& f) {
    for (auto& slot : slots_) {
      if (slot.entry) f(std::move(*slot.entry));
    }
    base_ += slots_.size();
    slots_.clear();
    resent_.clear();
    count_ = 0;
  }

  /// Number of entries.
  std::size_t size() const noexcept { return count_; }

 private:
  struct Slot {
    std::optional<E> entry;
    bool resent = false;
  };
  // Drops completed slots from the front so ids map to indexes from base_.
  void trim() {
    while (!slots_.empty() && !slots_.front().entry) {
      slots_.pop_front();
      ++base_;
    }
  }
  std::deque<Slot> slots_;
  std::vector<Id> resent_;
  Id base_ = 1;
  std::size_t count_ = 0;
};

}  // namespace unimq::detail
