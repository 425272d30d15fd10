// A topic's append-only message storage. Messages live in fixed-size chunks so an append moves
// the message in without a per-message node allocation, and dropping from the front releases
// whole chunks. Not thread-safe: the topic's mutex guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "internal/message_bytes.hpp"
#include "unimq/message.hpp"

namespace unimq::memory {

class MessageLog {
 public:
  /// Sequence number of the oldest retained message; equals next_seq() when empty.
  std::uint64_t first_seq() const noexcept { return first_seq_; }
  /// Sequence number the next append gets; the first message ever gets 1.
  std::uint64_t next_seq() const noexcept { return next_seq_; }
  /// Number of retained messages.
  std::size_t size() const noexcept { return static_cast<std::size_t>(next_seq_ - first_seq_); }
  /// Bytes of the retained messages (detail::message_bytes).
  std::uint64_t bytes() const noexcept { return bytes_; }

  /// Appends `message` with sequence number next_seq().
  void append(Message&& message) {
    if (chunks_.empty() || chunks_.back().size() == kChunk) add_chunk();
    bytes_ += detail::message_bytes(message);
    chunks_.back().push_back(std::move(message));
    ++next_seq_;
  }

  /// The message with sequence number `seq`; requires first_seq() <= seq < next_seq().
  const Message& at(std::uint64_t seq) const noexcept {
    const auto index = head_ + static_cast<std::size_t>(seq - first_seq_);
    return chunks_[index / kChunk][index % kChunk];
  }

  /// Drops the oldest message; requires size() > 0.
  void drop_front() {
    bytes_ -= detail::message_bytes(chunks_.front()[head_]);
    chunks_.front()[head_] = Message{};  // free the payload now, not when the chunk goes
    ++first_seq_;
    if (++head_ == kChunk) {
      spare_ = std::move(chunks_.front());
      spare_.clear();
      chunks_.pop_front();
      head_ = 0;
    }
  }

 private:
  static constexpr std::size_t kChunk = 1024;

  void add_chunk() {
    if (spare_.capacity() >= kChunk) {
      chunks_.push_back(std::move(spare_));
      spare_ = {};
    } else {
      chunks_.emplace_back().reserve(kChunk);
    }
  }

  std::deque<std::vector<Message>> chunks_;
  std::vector<Message> spare_;  // the last released chunk, reused so steady state never allocates
  std::size_t head_ = 0;        // index of the oldest message in chunks_.front()
  std::uint64_t first_seq_ = 1;
  std::uint64_t next_seq_ = 1;
  std::uint64_t bytes_ = 0;
};

}  // namespace unimq::memory
