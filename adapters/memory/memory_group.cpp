// Group bookkeeping. Every delivered message keeps a slot until it is acknowledged, so a
// message is never lost between consumers (at-least-once) and retention knows what to keep.
#include "memory_group.hpp"

namespace unimq::memory {

void Group::leave(std::uint32_t member, Clock::time_point now) {
  std::uint64_t seq = base_;
  for (auto& s : window_) {
    if (s.state == State::pending && s.owner == member) {
      s.state = State::redelivering;
      redeliver_.emplace(now, seq);
    }
    ++seq;
  }
}

std::optional<Delivery> Group::next(std::uint32_t member, std::uint64_t end_seq,
                                    Clock::time_point now) {
  if (!redeliver_.empty() && redeliver_.begin()->first <= now) {
    const std::uint64_t seq = redeliver_.begin()->second;
    redeliver_.erase(redeliver_.begin());
    Slot& s = *slot(seq);
    s.state = State::pending;
    s.owner = member;
    return Delivery{seq, ++s.delivery_count};
  }
  if (cursor_ >= end_seq) return std::nullopt;
  window_.push_back({1, member, State::pending});
  return Delivery{cursor_++, 1};
}

bool Group::ack(std::uint32_t member, std::uint64_t seq) {
  Slot* s = slot(seq);
  if (s == nullptr || s->state != State::pending || s->owner != member) return false;
  s->state = State::acked;
  settle_front();
  return true;
}

bool Group::nack(std::uint32_t member, std::uint64_t seq, Clock::time_point due) {
  Slot* s = slot(seq);
  if (s == nullptr || s->state != State::pending || s->owner != member) return false;
  s->state = State::redelivering;
  redeliver_.emplace(due, seq);
  return true;
}

void Group::settle_front() {
  while (!window_.empty() && window_.front().state == State::acked) {
    window_.pop_front();
    ++base_;
  }
}

}  // namespace unimq::memory
