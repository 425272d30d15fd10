// Topic operations. Messages are stored once; each group copies a message into the Inbound it
// hands out, so fan-out to several groups shares storage.
#include "memory_topic.hpp"

#include <algorithm>

#include "unimq/error.hpp"

namespace unimq::memory {

Topic::Topic(std::string name, std::shared_ptr<const Retention> retention)
    : name_(std::move(name)), retention_(std::move(retention)) {}

Topic::~Topic() = default;

std::uint64_t Topic::append(std::vector<Message>& batch) {
  std::unique_lock lock(mu_);
  const std::uint64_t first = log_.next_seq();
  for (auto& message : batch) log_.append(std::move(message));
  trim();
  wake(lock);
  return first;
}

std::shared_ptr<Subscription> Topic::subscribe(const std::string& group, StartPosition start,
                                               std::uint32_t max_in_flight) {
  std::lock_guard lock(mu_);
  Group* g = nullptr;
  if (!group.empty()) {
    auto it = std::find_if(groups_.begin(), groups_.end(),
                           [&](const auto& existing) { return existing->name() == group; });
    if (it != groups_.end()) g = it->get();
  }
  if (g == nullptr) {
    const auto from =
        start == StartPosition::earliest && !group.empty() ? log_.first_seq() : log_.next_seq();
    g = groups_.emplace_back(std::make_unique<Group>(group, from)).get();
  }
  auto sub = std::make_shared<Subscription>();
  sub->group = g;
  sub->member = g->join();
  sub->max_in_flight = max_in_flight;
  return sub;
}

std::vector<driver::Inbound> Topic::receive(Subscription& sub, std::size_t max,
                                            Clock::time_point deadline) {
  std::vector<driver::Inbound> out;
  std::unique_lock lock(mu_);
  for (;;) {
    if (sub.closed) throw ClosedError("memory topic '" + name_ + "': receiver is closed");
    if (max == 0) return out;
    std::size_t room = max;
    if (sub.max_in_flight != 0) {
      const std::size_t limit = sub.max_in_flight;
      room = sub.outstanding >= limit ? 0 : std::min(room, limit - sub.outstanding);
    }
    const auto now = Clock::now();
    if (room > 0) {
      Group& g = *sub.group;
      out.reserve(std::min(room, g.ready_bound(log_.next_seq())));
      while (out.size() < room) {
        auto d = g.next(sub.member, log_.next_seq(), now);
        if (!d) break;
        out.push_back({log_.at(d->seq), std::to_string(d->seq), d->seq, d->delivery_count, {}});
      }
      sub.outstanding += out.size();
      if (!out.empty()) return out;
    }
    if (now >= deadline) return out;
    auto until = deadline;
    // A full in-flight window cannot change while we wait: acks come from this same caller.
    if (auto due = sub.group->next_due(); room > 0 && due && *due < until) until = *due;
    ++waiters_;
    cv_.wait_until(lock, until);
    --waiters_;
  }
}

void Topic::ack(Subscription& sub, std::span<const driver::AckToken> tokens) {
  std::lock_guard lock(mu_);
  if (sub.closed) return;  // its messages were handed back already
  for (auto token : tokens) {
    if (sub.group->ack(sub.member, token)) --sub.outstanding;
  }
  if (over_retention()) trim();
}

void Topic::nack(Subscription& sub, std::span<const driver::AckToken> tokens,
                 std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  if (sub.closed) return;
  const auto due = Clock::now() + delay;
  for (auto token : tokens) {
    if (sub.group->nack(sub.member, token, due)) --sub.outstanding;
  }
  // Waiting receivers recompute their wake-up time from the new earliest due redelivery.
  wake(lock);
}

void Topic::unsubscribe(Subscription& sub) {
  std::unique_lock lock(mu_);
  if (sub.closed) return;
  sub.closed = true;
  Group* g = sub.group;
  if (g->anonymous()) {
    // Nobody else can ever read a private broadcast group, so it goes with its receiver.
    std::erase_if(groups_, [&](const auto& existing) { return existing.get() == g; });
    trim();
  } else if (sub.outstanding > 0) {
    g->leave(sub.member, Clock::now());
  }
  sub.group = nullptr;
  sub.outstanding = 0;
  // Wakes this receiver if it is blocked (it then throws ClosedError) and the group's other
  // members, which may now take the handed-back messages.
  wake(lock);
}

bool Topic::over_retention() const noexcept {
  return log_.size() > retention_->max_messages.load(std::memory_order_relaxed) ||
         log_.bytes() > retention_->max_bytes.load(std::memory_order_relaxed);
}

void Topic::trim() {
  if (!over_retention()) return;
  std::uint64_t keep_from = log_.next_seq();
  for (const auto& g : groups_) keep_from = std::min(keep_from, g->low_water());
  while (over_retention() && log_.first_seq() < keep_from) log_.drop_front();
}

void Topic::wake(std::unique_lock<std::mutex>& lock) {
  const bool anyone = waiters_ > 0;
  lock.unlock();
  if (anyone) cv_.notify_all();
}

}  // namespace unimq::memory
