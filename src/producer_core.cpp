// The publish pipeline. One thread per producer moves messages from the buffer to the driver in
// batches; driver completions resolve, retry or fail them; every message carries a deadline so
// no future stays pending past the publish timeout.
#include "internal/producer_core.hpp"

#include <algorithm>

#include "internal/client_core.hpp"
#include "internal/completion_batch.hpp"
#include "internal/instruments.hpp"
#include "internal/log.hpp"
#include "internal/message_bytes.hpp"
#include "internal/trace_propagation.hpp"
#include "unimq/driver/completion_batch.hpp"
#include "unimq/driver/send_queue.hpp"
#include "unimq/error.hpp"
#include "unimq/header_rules.hpp"

namespace unimq::detail {

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

namespace {

// The producer whose sender thread this is, if any.
thread_local const ProducerCore* sender_thread_of = nullptr;

bool retryable(driver::ErrorKind kind) {
  return kind == driver::ErrorKind::retryable || kind == driver::ErrorKind::timeout;
}

}  // namespace

std::shared_ptr<ProducerCore> ProducerCore::create(std::shared_ptr<ClientCore> client,
                                                   std::string topic, ProducerOptions options,
                                                   bool allow_reserved_headers) {
  options.validate();
  auto core = std::make_shared<ProducerCore>(std::move(client), std::move(topic), options);
  core->allow_reserved_headers_ = allow_reserved_headers;
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
      options_(options),
      metrics_(client_->capabilities().system, topic_, "", "publish") {}

ProducerCore::~ProducerCore() {
  close(std::chrono::milliseconds{0});
}

std::size_t ProducerCore::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

void ProducerCore::publish(Message message, PublishCallback done) {
  // Checked before queueing, so a bad name fails the caller at once, on every backend alike.
  for (const auto& [name, value] : message.headers()) {
    validate_header_name(name, allow_reserved_headers_);
  }
  inject_trace(message.headers());
  // Counted with the trace headers just added: they travel with the message too.
  const std::size_t bytes = message_bytes(message);
  const auto deadline = Clock::now() + options_.publish_timeout;
  std::unique_lock lock(mutex_);
  if (closing_) throw ClosedError("producer for '" + topic_ + "' is closed");
  while (full(bytes)) {
    if (options_.when_full == WhenFull::fail) {
      const bool by_count = pending_ >= options_.buffer_capacity;
      throw PublishError(
          "producer buffer for '" + topic_ + "' is full (" +
              (by_count ? std::to_string(options_.buffer_capacity) + " messages"
                        : std::to_string(pending_bytes_) + " of " +
                              std::to_string(options_.buffer_bytes) +
                              " bytes buffered, this message has " + std::to_string(bytes)) +
              ")",
          true);
    }
    ++space_waiters_;
    const auto status = space_cv_.wait_until(lock, deadline);
    --space_waiters_;
    if (status == std::cv_status::timeout && full(bytes)) {
      lock.unlock();
      PublishResult result;
      result.error = std::make_exception_ptr(
          TimeoutError("publish to '" + topic_ + "' timed out waiting for buffer space"));
      if (metrics_.active()) {
        metrics_.completed(result.error, Clock::now() - (deadline - options_.publish_timeout));
      }
      done(result);
      return;
    }
    if (closing_) throw ClosedError("producer for '" + topic_ + "' is closed");
  }
  const bool was_idle = queued_.empty();
  if (queued_.empty() || queued_.back().size() >= options_.batch_size) {
    queued_.push_back(spare_chunk());
  }
  queued_.back().emplace_back(std::move(message), std::move(done), deadline, bytes);
  ++pending_;
  pending_bytes_ += bytes;
  ++unfinished_;
  lock.unlock();
  // The sender thread only sleeps when the queue was empty; waking it for every message would
  // cost a futex call per publish.
  if (was_idle) work_cv_.notify_one();
}

bool ProducerCore::full(std::size_t bytes) const noexcept {
  if (pending_ >= options_.buffer_capacity) return true;
  // Alone, a message larger than the whole byte budget still goes: it could never fit otherwise.
  return pending_bytes_ > 0 &&
         bytes > options_.buffer_bytes - std::min(pending_bytes_, options_.buffer_bytes);
}

template <class Completed>
void ProducerCore::release(const Completed& completed) noexcept {
  pending_ -= completed.size();
  for (const auto& item : completed) {
    if constexpr (requires { item.bytes; }) {
      pending_bytes_ -= item.bytes;
    } else {
      pending_bytes_ -= item.first.bytes;
    }
  }
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
  // Completions handed over before closing still count: what they confirmed succeeded.
  settle_handed_over();
  std::vector<Entry> abandoned;
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
    for (auto& chunk : queued_) {
      for (auto& entry : chunk) abandoned.push_back(std::move(entry));
    }
    {
      std::lock_guard flight(flight_mutex_);
      flight_closed_ = true;
      in_flight_.drain([&](Sent&& sent) { abandoned.emplace_back(std::move(sent), Message{}); });
    }
    for (auto& [due, entry] : retry_) abandoned.push_back(std::move(entry));
    queued_.clear();
    retry_.clear();
    pending_ = 0;
    pending_bytes_ = 0;
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
  for (auto& entry : abandoned) finish(entry, closed_before_confirmation());
}

PublishResult ProducerCore::closed_before_confirmation() const {
  PublishResult result;
  result.error = std::make_exception_ptr(
      ClosedError("producer for '" + topic_ + "' was closed before the broker confirmed"));
  return result;
}

ProducerCore::Clock::time_point ProducerCore::next_wakeup() const {
  auto next = Clock::time_point::max();
  if (!queued_.empty()) next = std::min(next, queued_.front().front().deadline);
  {
    std::lock_guard flight(flight_mutex_);
    next = std::min(next, in_flight_.next_deadline());
  }
  for (const auto& [due, entry] : retry_) next = std::min({next, due, entry.deadline});
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
  while (!queued_.empty() && queued_.front().front().deadline <= now) {
    auto& chunk = queued_.front();
    const auto end = std::find_if(chunk.begin(), chunk.end(),
                                  [&](const Entry& entry) { return entry.deadline > now; });
    for (auto it = chunk.begin(); it != end; ++it) {
      failed.emplace_back(std::move(*it), timeout_error());
    }
    chunk.erase(chunk.begin(), end);
    if (chunk.empty()) {
      recycle(std::move(chunk));
      queued_.pop_front();
    }
  }
  {
    std::lock_guard flight(flight_mutex_);
    in_flight_.expire(now, [&](Sent&& sent) {
      failed.emplace_back(Entry(std::move(sent), Message{}), timeout_error());
    });
  }
  for (auto it = retry_.begin(); it != retry_.end();) {
    if (it->second.deadline <= now) {
      failed.emplace_back(std::move(it->second), timeout_error());
      it = retry_.erase(it);
    } else {
      ++it;
    }
  }
  release(failed);
}

void ProducerCore::run() {
  sender_thread_of = this;
  std::unique_lock lock(mutex_);
  while (!closing_) {
    if (!handed_over_.empty()) {
      lock.unlock();
      settle_handed_over();
      lock.lock();
      continue;
    }
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

void ProducerCore::report_buffered() {
  if (!metrics_.active()) return;
  const auto now = static_cast<std::int64_t>(pending_);
  if (now != reported_buffered_) metrics_.held(static_cast<double>(now - reported_buffered_));
  reported_buffered_ = now;
}

ProducerCore::Chunk ProducerCore::spare_chunk() {
  if (spare_chunks_.empty()) return {};
  Chunk chunk = std::move(spare_chunks_.back());
  spare_chunks_.pop_back();
  return chunk;
}

void ProducerCore::recycle(Chunk&& chunk) {
  // A few spares are enough: the sender returns a chunk for each one publishers fill.
  constexpr std::size_t kMaxSpares = 4;
  if (spare_chunks_.size() >= kMaxSpares || chunk.capacity() == 0) return;
  chunk.clear();
  spare_chunks_.push_back(std::move(chunk));
}

void ProducerCore::send_batch(std::unique_lock<std::mutex>& lock) {
  report_buffered();
  // Retries that are due go first, in a batch of their own; otherwise the oldest chunk.
  Chunk entries;
  const auto now = Clock::now();
  while (entries.size() < options_.batch_size && !retry_.empty() && retry_.begin()->first <= now) {
    auto node = retry_.extract(retry_.begin());
    entries.push_back(std::move(node.mapped()));
  }
  if (entries.empty() && !queued_.empty()) {
    entries = std::move(queued_.front());
    queued_.pop_front();
  }
  if (entries.empty()) return;
  // Nothing queued behind this batch: the driver may send it on this thread (see
  // driver::CallerIsIdle) rather than wake its own. With more queued, handing over keeps this
  // thread preparing the next batch while the driver sends.
  const bool idle = queued_.empty() && (retry_.empty() || retry_.begin()->first > now);
  lock.unlock();
  send_entries(entries, idle);
  lock.lock();
  recycle(std::move(entries));
}

void ProducerCore::send_entries(Chunk& entries, bool idle) {
  std::vector<Message> batch;
  batch.reserve(entries.size());
  Id first_id = 0;
  {
    std::unique_lock flight(flight_mutex_);
    if (flight_closed_) {
      // close() ran while these were on their way: nobody else will complete them.
      flight.unlock();
      const auto closed = closed_before_confirmation();
      for (auto& entry : entries) finish(entry, closed);
      return;
    }
    // The message moves to the driver (no copy); a driver hands it back with a failure it
    // wants retried. Ids are consecutive within the batch, so a completion maps its index to
    // first_id + index.
    for (auto& entry : entries) {
      const bool resent = entry.attempt > 0;
      ++entry.attempt;
      batch.push_back(std::move(entry.message));
      const Id id = in_flight_.push(static_cast<Sent&&>(entry), resent);
      if (batch.size() == 1) first_id = id;
    }
  }
  std::weak_ptr<ProducerCore> weak = weak_from_this();
  const std::size_t batch_size = batch.size();
  // Completions the driver reports before send() returns (the memory driver reports all of
  // them) are settled together when the scope ends: one lock per batch, not per message.
  driver::CompletionBatch completions;
  const driver::CallerIsIdle caller(idle);
  sender_->send(
      topic_, std::move(batch),
      // The result is taken by reference at each step to the settled list: a SendResult (a
      // receipt, an optional error, an optional message) is large, and a move per step cost
      // about a tenth of a memory:// publish.
      [weak, first = first_id, n = batch_size](std::size_t index, driver::SendResult&& result) {
        if (auto self = weak.lock(); self && index < n) {
          self->on_sent(first + index, std::move(result));
        }
      });
}

void ProducerCore::on_sent(Id id, driver::SendResult&& result) {
  if (completion_batch_open()) {
    defer_completion(*this, id, std::move(result));
    return;
  }
  std::pair<Id, driver::SendResult> one[] = {{id, std::move(result)}};
  settle_all(one);
}

void ProducerCore::settle_deferred(DeferredResults& results) {
  if (settles_here()) {
    settle_all(results);  // the driver completed inside send() (memory://): settle right here
    return;
  }
  // Settling runs every publish callback; on the driver's I/O thread that would take time from
  // sending. The results go to this producer's sender thread; the driver's batch gets emptied
  // storage back, so neither side allocates per round.
  bool wake;
  {
    std::lock_guard lock(mutex_);
    DeferredResults mine;
    if (!results_pool_.empty()) {
      mine = std::move(results_pool_.back());
      results_pool_.pop_back();
    }
    std::swap(mine, results);
    handed_over_.push_back(std::move(mine));
    wake = handed_over_.size() == 1;
  }
  if (wake) work_cv_.notify_one();
}

bool ProducerCore::settles_here() const noexcept {
  return sender_thread_of == this;
}

void ProducerCore::settle_handed_over() {
  std::vector<DeferredResults> batches;
  {
    std::lock_guard lock(mutex_);
    batches.swap(handed_over_);
  }
  for (auto& results : batches) settle_all(results);
  std::lock_guard lock(mutex_);
  constexpr std::size_t kPooled = 4;
  for (auto& results : batches) {
    if (results_pool_.size() >= kPooled) break;
    results.clear();
    results_pool_.push_back(std::move(results));
  }
}

std::shared_ptr<DeferredCompletions> ProducerCore::keep_alive() {
  return shared_from_this();
}

void ProducerCore::settle_all(std::span<std::pair<Id, driver::SendResult>> results) {
  std::vector<Settled> done;
  done.reserve(results.size());
  // Confirmations only need in_flight_; a failure may be retried, which needs mutex_ too (for
  // retry_ and closing_), taken first as the lock order says.
  const bool any_failed = std::any_of(results.begin(), results.end(),
                                      [](const auto& r) { return r.second.error.has_value(); });
  std::unique_lock lock(mutex_, std::defer_lock);
  if (any_failed) lock.lock();
  {
    std::lock_guard flight(flight_mutex_);
    for (auto& [id, result] : results) settle(id, std::move(result), done);
  }
  if (!lock.owns_lock()) lock.lock();
  // close() zeroes pending_ when it takes what is left; entries settled here just before it
  // are no longer counted there.
  if (!closing_) release(done);
  // Blocked publishers wake once a good share of the buffer is free, not for every slot:
  // waking them per message costs a context switch per message.
  const std::size_t cap = options_.buffer_capacity;
  const std::size_t low_water =
      cap - std::max<std::size_t>(1, std::min(options_.batch_size, cap / 4));
  const bool wake_publishers =
      space_waiters_ > 0 &&
      ((pending_ <= low_water &&
        pending_bytes_ <= options_.buffer_bytes - options_.buffer_bytes / 4) ||
       pending_ == 0);
  const bool wake_sender = std::exchange(retry_added_, false);
  lock.unlock();
  if (wake_publishers) space_cv_.notify_all();
  if (wake_sender) work_cv_.notify_one();
  finish_all(done);
}

void ProducerCore::settle(Id id, driver::SendResult&& result, std::vector<Settled>& done) {
  // Expired or closed meanwhile (already completed) when the window no longer has it.
  in_flight_.take(id, [&](Sent&& sent) { settle(std::move(sent), std::move(result), done); });
}

void ProducerCore::settle(Sent&& sent, driver::SendResult&& result, std::vector<Settled>& done) {
  if (result.error) {
    const auto now = Clock::now();
    const auto wait = options_.retry.backoff(sent.attempt);
    if (retryable(result.error->kind) && result.message &&
        sent.attempt < options_.retry.max_attempts && now + wait < sent.deadline && !closing_) {
      log_debug("publish to '" + topic_ + "' attempt " + std::to_string(sent.attempt) +
                " failed (" + result.error->message + "), retrying in " +
                std::to_string(wait.count()) + "ms");
      retry_.emplace(now + wait, Entry(std::move(sent), std::move(*result.message)));
      retry_added_ = true;
      metrics_.retried();
      return;
    }
    auto error = failure_of(*result.error, topic_, sent.attempt);
    done.emplace_back(std::move(sent), Receipt{}, std::move(error));
    return;
  }
  done.emplace_back(std::move(sent), std::move(result.receipt), nullptr);
}

void ProducerCore::finish(Entry& entry, const PublishResult& result) {
  if (metrics_.active()) {
    metrics_.completed(result.error, Clock::now() - (entry.deadline - options_.publish_timeout));
  }
  if (result.ok() && result.receipt.topic.empty()) {
    PublishResult named = result;
    named.receipt.topic = topic_;
    call_back(entry.done, named);
  } else {
    call_back(entry.done, result);
  }
  bool idle;
  {
    std::lock_guard lock(mutex_);
    idle = --unfinished_ == 0;
    report_buffered();
  }
  if (idle) space_cv_.notify_all();
}

void ProducerCore::finish_all(std::vector<Settled>& done) {
  if (done.empty()) return;
  if (metrics_.active()) measure(done);
  // Drivers may leave the receipt's topic empty; one result object carries it for the whole
  // batch instead of a string copy per message.
  PublishResult named;
  named.receipt.topic = topic_;
  for (auto& settled : done) {
    auto& result = settled.result;
    if (result.ok() && result.receipt.topic.empty()) {
      named.receipt.message_id.swap(result.receipt.message_id);
      named.receipt.partition = result.receipt.partition;
      named.receipt.offset = result.receipt.offset;
      named.receipt.receivers = result.receipt.receivers;
      call_back(settled.done, named);
    } else {
      call_back(settled.done, result);
    }
  }
  bool idle;
  {
    std::lock_guard lock(mutex_);
    unfinished_ -= done.size();
    report_buffered();
    idle = unfinished_ == 0;
  }
  if (idle) space_cv_.notify_all();
  done.clear();
}

void ProducerCore::measure(const std::vector<Settled>& done) {
  const auto now = Clock::now();
  std::vector<double> took;
  took.reserve(done.size());
  for (const auto& settled : done) {
    const auto& result = settled.result;
    // The deadline is the publish time plus the publish timeout.
    const auto elapsed = now - (settled.deadline - options_.publish_timeout);
    if (result.ok()) {
      took.push_back(std::chrono::duration<double>(elapsed).count());
    } else {
      metrics_.completed(result.error, elapsed);
    }
  }
  metrics_.succeeded(took);
}

void ProducerCore::call_back(PublishCallback& done, const PublishResult& result) {
  try {
    if (done) done(result);
  } catch (const std::exception& e) {
    log_error("publish callback for '" + topic_ + "' threw: " + e.what());
  } catch (...) {
    log_error("publish callback for '" + topic_ + "' threw a non-standard exception");
  }
}

}  // namespace unimq::detail
