// Work distribution for consumer workers: one shared lane, or one lane per worker with keys
// pinned to lanes so per-key order holds under concurrency.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

namespace unimq::detail {

/// The lane for `key` among `lanes` lanes: a stable hash (FNV-1a), so a key always maps to the
/// same lane within a process and across processes of the same build.
std::size_t lane_for_key(std::string_view key, std::size_t lanes) noexcept;

/// A closable blocking FIFO. Thread-safe.
template <typename T>
class WorkQueue {
 public:
  /// Appends; returns false once closed.
  bool push(T item) {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      items_.push_back(std::move(item));
    }
    cv_.notify_one();
    return true;
  }
  /// Appends every item of `items` (moved from, then cleared) with one lock and one wake-up
  /// round; returns false once closed.
  bool push_all(std::vector<T>& items) {
    const std::size_t n = items.size();
    {
      std::lock_guard lock(mutex_);
      if (closed_) return false;
      for (auto& item : items) items_.push_back(std::move(item));
    }
    items.clear();
    if (n == 1) {
      cv_.notify_one();
    } else if (n > 1) {
      cv_.notify_all();
    }
    return true;
  }

  /// Waits for items, then moves up to `max` of the oldest into `out`: a fair share when
  /// `sharers` workers take from this queue (size / sharers, at least one). Returns how many
  /// were taken; 0 once closed (queued items are dropped).
  std::size_t pop_some(std::vector<T>& out, std::size_t max, std::size_t sharers) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (closed_) return 0;
    const std::size_t n =
        std::clamp<std::size_t>(items_.size() / std::max<std::size_t>(sharers, 1), 1, max);
    for (std::size_t i = 0; i < n; ++i) {
      out.push_back(std::move(items_.front()));
      items_.pop_front();
    }
    return n;
  }

  /// Takes the oldest item, waiting for one; nullopt once closed (queued items are dropped).
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (closed_) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    return item;
  }
  /// Wakes every waiter; later pushes fail. Returns the items that were never taken.
  std::deque<T> close() {
    std::deque<T> left;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      left.swap(items_);
    }
    cv_.notify_all();
    return left;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace unimq::detail
