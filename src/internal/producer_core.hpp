// The publish pipeline behind Producer: bounded buffer, batching, confirmation, retry of
// retryable failures, and a deadline on every message.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "unimq/driver/driver.hpp"
#include "unimq/producer.hpp"
#include "unimq/producer_options.hpp"

namespace unimq::detail {

class ClientCore;

/// Owns one driver sender and one thread that moves buffered messages to it in batches.
/// Thread-safe.
class ProducerCore : public std::enable_shared_from_this<ProducerCore> {
 public:
  using Clock = std::chrono::steady_clock;

  /// Creates the producer and its sender thread.
  static std::shared_ptr<ProducerCore> create(std::shared_ptr<ClientCore> client, std::string topic,
                                              ProducerOptions options);
  ~ProducerCore();

  /// Queues `message`; `done` is called exactly once with the outcome.
  void publish(Message message, PublishCallback done);
  /// Waits until nothing is pending; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  /// Flushes up to `timeout`, then fails what is left with ClosedError and stops the thread.
  void close(std::chrono::milliseconds timeout);
  const std::string& topic() const noexcept { return topic_; }
  std::size_t pending() const;

  ProducerCore(std::shared_ptr<ClientCore> client, std::string topic, ProducerOptions options);

 private:
  struct Entry {
    Message message;
    PublishCallback done;
    Clock::time_point deadline;
    std::uint32_t attempt = 0;
  };
  using Id = std::uint64_t;

  void run();
  void send_batch(std::unique_lock<std::mutex>& lock);
  void expire(Clock::time_point now, std::vector<std::pair<Entry, std::exception_ptr>>& failed);
  void on_sent(Id id, driver::SendResult result);
  Clock::time_point next_wakeup() const;
  void finish(Entry& entry, PublishResult result);

  std::shared_ptr<ClientCore> client_;
  std::unique_ptr<driver::Sender> sender_;
  const std::string topic_;
  const ProducerOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;   // sender thread: new work, retry due, closing
  std::condition_variable space_cv_;  // publishers waiting for buffer space, flush waiters
  Id next_id_ = 1;
  std::deque<std::pair<Id, Entry>> queued_;  // waiting for the sender, publish order
  std::map<Id, Entry> in_flight_;            // handed to the driver
  std::multimap<Clock::time_point, std::pair<Id, Entry>> retry_;  // waiting for their backoff
  std::size_t pending_ = 0;                                       // queued + in flight + retrying
  // pending_ plus completions whose callback has not returned yet: flush() waits for this, so
  // a caller that flushed sees every callback's effects.
  std::size_t unfinished_ = 0;
  bool closing_ = false;
  bool closed_ = false;
  std::thread thread_;
};

}  // namespace unimq::detail
