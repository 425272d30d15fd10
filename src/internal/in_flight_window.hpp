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
/// deadlines and are tracked separately for expiry. Not thread-safe: the producer's flight mutex
/// guards it.
template <typename E>
class InFlightWindow {
 public:
  using Id = std::uint64_t;
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Adds `entry`; `resent` when it was sent before (its deadline may precede earlier ids').
  Id push(E&& entry, bool resent) {
    if (head_ + used_ == blocks_.size() * kBlock) grow();
    const Id id = base_ + used_;
    Slot& slot = at(used_);
    slot.entry.emplace(std::move(entry));
    slot.resent = resent;
    ++used_;
    ++count_;
    if (resent) resent_.push_back(id);
    return id;
  }

  /// Removes entry `id` and passes it to `f(E&&)`; false if it already completed or expired.
  template <typename F>
  bool take(Id id, F&& f) {
    if (id < base_ || id - base_ >= used_) return false;
    auto& slot = at(id - base_);
    if (!slot.entry) return false;
    f(std::move(*slot.entry));
    slot.entry.reset();
    --count_;
    trim();
    return true;
  }

  /// Removes and returns entry `id`; nullopt if it already completed or expired.
  std::optional<E> take(Id id) {
    std::optional<E> out;
    take(id, [&](E&& entry) { out.emplace(std::move(entry)); });
    return out;
  }

  /// Removes every entry whose deadline is <= `now`, passing each to `expired(E&&)`.
  template <typename F>
  void expire(TimePoint now, F&& expired) {
    for (std::size_t i = 0; i < used_; ++i) {
      auto& slot = at(i);
      if (!slot.entry || slot.resent) continue;
      if (slot.entry->deadline > now) break;  // later first sends have later deadlines
      expired(std::move(*slot.entry));
      slot.entry.reset();
      --count_;
    }
    std::erase_if(resent_, [&](Id id) {
      if (id < base_ || id - base_ >= used_) return true;
      auto& slot = at(id - base_);
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
    for (std::size_t i = 0; i < used_; ++i) {
      const auto& slot = at(i);
      if (!slot.entry || slot.resent) continue;
      next = slot.entry->deadline;
      break;
    }
    for (Id id : resent_) {
      if (id >= base_ && id - base_ < used_ && at(id - base_).entry) {
        next = std::min(next, at(id - base_).entry->deadline);
      }
    }
    return next;
  }

  /// Removes every entry, passing each to `f(E&&)`.
  template <typename F>
  void drain(F&& f) {
    for (std::size_t i = 0; i < used_; ++i) {
      auto& slot = at(i);
      if (slot.entry) f(std::move(*slot.entry));
      slot.entry.reset();
    }
    base_ += used_;
    used_ = 0;
    head_ = 0;
    blocks_.clear();
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
  // The slots live in fixed-size blocks: a window that grows allocates a block per kBlock
  // entries and never copies the ones it holds (a deque of entries this size allocated a block
  // for every three; one ring that doubled moved every entry on each growth), and blocks the
  // window has moved past are reused.
  static constexpr std::size_t kBlock = 512;
  static constexpr std::size_t kSpareBlocks = 4;
  using Block = std::vector<Slot>;
  Slot& at(std::size_t offset) {
    const auto index = head_ + offset;
    return blocks_[index / kBlock][index % kBlock];
  }
  const Slot& at(std::size_t offset) const {
    const auto index = head_ + offset;
    return blocks_[index / kBlock][index % kBlock];
  }
  void grow() {
    if (spare_.empty()) {
      blocks_.emplace_back(kBlock);
    } else {
      blocks_.push_back(std::move(spare_.back()));
      spare_.pop_back();
    }
  }
  // Drops completed slots from the front so ids map to offsets from base_.
  void trim() {
    while (used_ > 0 && !at(0).entry) {
      ++base_;
      --used_;
      if (++head_ == kBlock) {
        if (spare_.size() < kSpareBlocks) spare_.push_back(std::move(blocks_.front()));
        blocks_.pop_front();
        head_ = 0;
      }
    }
  }
  std::deque<Block> blocks_;
  std::vector<Block> spare_;
  std::size_t head_ = 0;  // index in blocks_.front() of id base_
  std::size_t used_ = 0;  // slots from base_ on, completed ones not yet trimmed included
  std::vector<Id> resent_;
  Id base_ = 1;
  std::size_t count_ = 0;
};

}  // namespace unimq::detail
