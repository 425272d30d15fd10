// Work distribution for consumer workers: one shared lane, or one lane per worker with keys
// pinned to lanes so per-key order holds under concurrency.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string_view>

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
