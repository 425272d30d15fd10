// The publish pipeline. One thread per producer moves messages from the buffer to the driver in
// batches; driver completions resolve, retry or fail them; every message carries a deadline so
// no future stays pending past the publish timeout.
#include "internal/producer_core.hpp"

#include <algorithm>

#include "internal/client_core.hpp"
#include "internal/log.hpp"
#include "unimq/error.hpp"

namespace unimq::detail {
namespace {

std::exception_ptr failure_of(const driver::DriverError& error, const std::string& topic,
                              std::uint32_t attempts) {
  const std::string text = "publish to '" + topic + "' failed after " + std::to_string(attempts) +
                           " attempt(s): " + driver::to_string(error.kind) + ": " + error.message;
  switch (error.kind) {
    case driver::ErrorKind::closed:
      return std::make_exception_ptr(ClosedError(text));
    case driver::ErrorKind::timeout:
      return std::make_exception_ptr(TimeoutError(text));
    case driver::ErrorKind::retryable:
      return std::make_exception_ptr(PublishError(text, true));
    default:
      return std::make_exception_ptr(PublishError(text, false));
  }
}

bool retryable(driver::ErrorKind kind) {
  return kind == driver::ErrorKind::retryable || kind == driver::ErrorKind::timeout;
}

}  // namespace

std::shared_ptr<ProducerCore> ProducerCore::create(std::shared_ptr<ClientCore> client,
                                                   std::string topic, ProducerOptions options) {
  options.validate();
  auto core = std::make_shared<ProducerCore>(std::move(client), std::move(topic), options);
  // The thread owns a reference, so the core is never destroyed on its own thread while the
  // thread still runs; close() (called by the last Producer handle or the client) ends it.
  core->thread_ = std::thread([core] { core->run(); });
  return core;
}

ProducerCore::ProducerCore(std::shared_ptr<ClientCore> client, std::string topic,
                           ProducerOptions options)
    : client_(std::move(client)),
      sender_(client_->connection().open_sender()),
      topic_(std::move(topic)),
      options_(options) {}

ProducerCore::~ProducerCore() {
  close(std::chrono::milliseconds{0});
}

std::size_t ProducerCore::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

void ProducerCore::publish(Message message, PublishCallback done) {
  const auto deadline = Clock::now() + options_.publish_timeout;
  std::unique_lock lock(mutex_);
  if (closing_) throw ClosedError("producer for '" + topic_ + "' is closed");
  while (pending_ >= options_.buffer_capacity) {
    if (options_.when_full == WhenFull::fail) {
      throw PublishError("producer buffer for '" + topic_ + "' is full (" +
                             std::to_string(options_.buffer_capacity) + " messages)",
                         true);
    }
    if (space_cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
        pending_ >= options_.buffer_capacity) {
      lock.unlock();
      PublishResult result;
      result.error = std::make_exception_ptr(
          TimeoutError("publish to '" + topic_ + "' timed out waiting for buffer space"));
      done(result);
      return;
    }
    if (closing_) throw ClosedError("producer for '" + topic_ + "' is closed");
  }
  const bool was_idle = queued_.empty();
  queued_.emplace_back(next_id_++, Entry{std::move(message), std::move(done), deadline, 0});
  ++pending_;
  ++unfinished_;
  lock.unlock();
  // The sender thread only sleeps when the queue was empty; waking it for every message would
  // cost a futex call per publish.
  if (was_idle) work_cv_.notify_one();
}

bool ProducerCore::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return space_cv_.wait_for(lock, timeout, [&] { return unfinished_ == 0; });
}

void ProducerCore::close(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mutex_);
    if (closed_) return;
    closed_ = true;
  }
  if (timeout.count() > 0) flush(timeout);
  std::vector<Entry> abandoned;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (auto& [id, entry] : queued_) abandoned.push_back(std::move(entry));
    for (auto& [id, entry] : in_flight_) abandoned.push_back(std::move(entry));
    for (auto& [due, item] : retry_) abandoned.push_back(std::move(item.second));
    queued_.clear();
    in_flight_.clear();
    retry_.clear();
    pending_ = 0;
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  if (thread_.joinable()) {
    // A completion callback may close its own producer from the sender thread.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }
  sender_->close();
  for (auto& entry : abandoned) {
    PublishResult result;
    result.error = std::make_exception_ptr(
        ClosedError("producer for '" + topic_ + "' was closed before the broker confirmed"));
    finish(entry, std::move(result));
  }
}

ProducerCore::Clock::time_point ProducerCore::next_wakeup() const {
  auto next = Clock::time_point::max();
  if (!queued_.empty()) next = std::min(next, queued_.front().second.deadline);
  if (!in_flight_.empty()) next = std::min(next, in_flight_.begin()->second.deadline);
  for (const auto& [due, item] : retry_) next = std::min({next, due, item.second.deadline});
  return next;
}

void ProducerCore::expire(Clock::time_point now,
                          std::vector<std::pair<Entry, std::exception_ptr>>& failed) {
  auto timeout_error = [&] {
    return std::make_exception_ptr(
        TimeoutError("publish to '" + topic_ + "' not confirmed within " +
                     std::to_string(options_.publish_timeout.count()) + "ms"));
  };
  // Deadlines grow with publish order, so only the fronts can have expired.
  while (!queued_.empty() && queued_.front().second.deadline <= now) {
    failed.emplace_back(std::move(queued_.front().second), timeout_error());
    queued_.pop_front();
  }
  while (!in_flight_.empty() && in_flight_.begin()->second.deadline <= now) {
    failed.emplace_back(std::move(in_flight_.begin()->second), timeout_error());
    in_flight_.erase(in_flight_.begin());
  }
  for (auto it = retry_.begin(); it != retry_.end();) {
    if (it->second.second.deadline <= now) {
      failed.emplace_back(std::move(it->second.second), timeout_error());
      it = retry_.erase(it);
    } else {
      ++it;
    }
  }
  pending_ -= failed.size();
}

void ProducerCore::run() {
  std::unique_lock lock(mutex_);
  while (!closing_) {
    std::vector<std::pair<Entry, std::exception_ptr>> failed;
    expire(Clock::now(), failed);
    if (!failed.empty()) {
      space_cv_.notify_all();
      lock.unlock();
      for (auto& [entry, error] : failed) finish(entry, PublishResult{{}, error});
      lock.lock();
      continue;
    }
    const bool retry_due = !retry_.empty() && retry_.begin()->first <= Clock::now();
    if (queued_.empty() && !retry_due) {
      auto wake = next_wakeup();
      if (!retry_.empty()) wake = std::min(wake, retry_.begin()->first);
      if (wake == Clock::time_point::max()) {
        work_cv_.wait(lock);
      } else {
        work_cv_.wait_until(lock, wake);
      }
      continue;
    }
    send_batch(lock);
  }
}

void ProducerCore::send_batch(std::unique_lock<std::mutex>& lock) {
  std::vector<Message> batch;
  std::vector<Id> ids;
  const std::size_t limit = options_.batch_size;
  batch.reserve(std::min(limit, queued_.size() + retry_.size()));
  ids.reserve(batch.capacity());
  // A copy is kept only when a retry could need it; the last attempt gives the message away.
  auto take = [&](Id id, Entry&& entry) {
    ++entry.attempt;
    if (entry.attempt < options_.retry.max_attempts) {
      batch.push_back(entry.message);
    } else {
      batch.push_back(std::move(entry.message));
    }
    ids.push_back(id);
    in_flight_.emplace(id, std::move(entry));
  };
  const auto now = Clock::now();
  while (batch.size() < limit && !retry_.empty() && retry_.begin()->first <= now) {
    auto node = retry_.extract(retry_.begin());
    take(node.mapped().first, std::move(node.mapped().second));
  }
  while (batch.size() < limit && !queued_.empty()) {
    take(queued_.front().first, std::move(queued_.front().second));
    queued_.pop_front();
  }
  lock.unlock();
  std::weak_ptr<ProducerCore> weak = weak_from_this();
  sender_->send(topic_, std::move(batch),
                [weak, ids = std::move(ids)](std::size_t index, driver::SendResult result) {
                  if (auto self = weak.lock(); self && index < ids.size()) {
                    self->on_sent(ids[index], std::move(result));
                  }
                });
  lock.lock();
}

void ProducerCore::on_sent(Id id, driver::SendResult result) {
  std::unique_lock lock(mutex_);
  auto it = in_flight_.find(id);
  if (it == in_flight_.end()) return;  // expired or closed meanwhile: already completed
  Entry entry = std::move(it->second);
  in_flight_.erase(it);
  if (result.error) {
    const auto now = Clock::now();
    const auto wait = options_.retry.backoff(entry.attempt);
    if (retryable(result.error->kind) && entry.attempt < options_.retry.max_attempts &&
        now + wait < entry.deadline && !closing_) {
      log_debug("publish to '" + topic_ + "' attempt " + std::to_string(entry.attempt) +
                " failed (" + result.error->message + "), retrying in " +
                std::to_string(wait.count()) + "ms");
      retry_.emplace(now + wait, std::make_pair(id, std::move(entry)));
      lock.unlock();
      work_cv_.notify_one();
      return;
    }
    --pending_;
    space_cv_.notify_all();
    lock.unlock();
    finish(entry, PublishResult{{}, failure_of(*result.error, topic_, entry.attempt)});
    return;
  }
  --pending_;
  if (pending_ == 0 || pending_ + 1 == options_.buffer_capacity) space_cv_.notify_all();
  lock.unlock();
  finish(entry, PublishResult{std::move(result.receipt), nullptr});
}

void ProducerCore::finish(Entry& entry, PublishResult result) {
  try {
    if (entry.done) entry.done(result);
  } catch (const std::exception& e) {
    log_error("publish callback for '" + topic_ + "' threw: " + e.what());
  } catch (...) {
    log_error("publish callback for '" + topic_ + "' threw a non-standard exception");
  }
  bool idle;
  {
    std::lock_guard lock(mutex_);
    idle = --unfinished_ == 0;
  }
  if (idle) space_cv_.notify_all();
}

}  // namespace unimq::detail
