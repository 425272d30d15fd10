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
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "internal/completion_batch.hpp"
#include "internal/in_flight_window.hpp"
#include "internal/instruments.hpp"
#include "unimq/driver/driver.hpp"
#include "unimq/producer.hpp"
#include "unimq/producer_options.hpp"

namespace unimq::detail {

class ClientCore;

/// The exception a publish to `topic` that failed with `error` after `attempts` tries resolves
/// its future with: ClosedError, TimeoutError or PublishError (retryable or not).
std::exception_ptr failure_of(const driver::DriverError& error, const std::string& topic,
                              std::uint32_t attempts);

/// Owns one driver sender and one thread that moves buffered messages to it in batches.
/// Thread-safe.
class ProducerCore : public DeferredCompletions, public std::enable_shared_from_this<ProducerCore> {
 public:
  using Clock = std::chrono::steady_clock;

  /// Settles completions a driver::CompletionBatch collected, on the sender thread: one lock for
  /// all of them.
  void settle_deferred(DeferredResults& results) override;
  /// True on this producer's sender thread.
  bool settles_here() const noexcept override;
  /// This producer, kept alive until the batch that holds its completions closes.
  std::shared_ptr<DeferredCompletions> keep_alive() override;

  /// Creates the producer and its sender thread.
  /// `allow_reserved_headers` is for unimq's own producers (dead-lettering), which stamp
  /// `unimq-*` headers.
  static std::shared_ptr<ProducerCore> create(std::shared_ptr<ClientCore> client, std::string topic,
                                              ProducerOptions options,
                                              bool allow_reserved_headers = false);
  ~ProducerCore() override;

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
  // What the producer keeps of a message while the driver has it. The message itself went to
  // the driver, which hands it back with a failure it wants retried; keeping an emptied Message
  // in the window cost two string moves per publish for nothing.
  struct Sent {
    PublishCallback done;
    Clock::time_point deadline;
    std::size_t bytes;  // what it counts in pending_bytes_
    std::uint32_t attempt = 0;
  };
  // A message the producer holds: queued, or waiting for a retry.
  struct Entry : Sent {
    // Built in place in its chunk (clang 14 has no aggregate initialisation from parentheses).
    Entry(Message&& m, PublishCallback&& d, Clock::time_point due, std::size_t size)
        : Sent{std::move(d), due, size}, message(std::move(m)) {}
    // Back from the driver with `m`, the message it handed back (empty when it did not).
    Entry(Sent&& sent, Message&& m) : Sent(std::move(sent)), message(std::move(m)) {}
    Message message;
  };
  // A completed message: what the window kept of it, and the outcome for its callback.
  struct Settled : Sent {
    Settled(Sent&& sent, Receipt&& receipt, std::exception_ptr error)
        : Sent(std::move(sent)), result{std::move(receipt), std::move(error)} {}
    PublishResult result;
  };
  using Id = std::uint64_t;
  // Buffered entries travel in chunks of at most batch_size: the sender thread takes a whole
  // chunk at once, so the lock publishers queue under is held for a pointer swap per batch, not
  // for a move per message (which made publishers sleep on the mutex).
  using Chunk = std::vector<Entry>;

  void run();
  // True when a message of `bytes` does not fit in the buffer now (mutex_ held).
  bool full(std::size_t bytes) const noexcept;
  // Takes completed entries out of the buffer's counts (mutex_ held).
  template <class Completed>
  void release(const Completed& completed) noexcept;
  void send_batch(std::unique_lock<std::mutex>& lock);
  void expire(Clock::time_point now, std::vector<std::pair<Entry, std::exception_ptr>>& failed);
  // Hands `entries` to the driver: numbers them in in_flight_ and sends their messages. `idle`:
  // nothing is queued behind them, so the driver may send them on this thread.
  void send_entries(Chunk& entries, bool idle);
  void on_sent(Id id, driver::SendResult&& result);
  // Settles the completions drivers handed over to the sender thread.
  void settle_handed_over();
  // Settles completions: takes their entries from in_flight_, schedules retries, runs callbacks.
  void settle_all(std::span<std::pair<Id, driver::SendResult>> results);
  // Completes in-flight message `id` with `result` (or schedules its retry); the caller holds
  // flight_mutex_, and mutex_ too when `result` is a failure. Completed entries go to `done`,
  // for callbacks run after the locks are released.
  void settle(Id id, driver::SendResult&& result, std::vector<Settled>& done);
  void settle(Sent&& sent, driver::SendResult&& result, std::vector<Settled>& done);
  // An empty chunk, with the capacity of one used before when there is one (mutex_ held).
  Chunk spare_chunk();
  // Keeps an emptied chunk's storage for later chunks (mutex_ held).
  void recycle(Chunk&& chunk);
  void finish_all(std::vector<Settled>& done);
  // Reports a batch of completions to the metrics with one clock read, before any callback
  // runs (a caller woken by its future finds its publish counted).
  void measure(const std::vector<Settled>& done);
  // Runs a publish callback; a throwing callback is logged.
  void call_back(PublishCallback& done, const PublishResult& result);
  Clock::time_point next_wakeup() const;
  void finish(Entry& entry, const PublishResult& result);
  // The outcome of a message close() took from the pipeline.
  PublishResult closed_before_confirmation() const;
  // Moves the publish-buffered gauge to pending_ (mutex_ held): once per batch sent or
  // completed, not per message.
  void report_buffered();

  std::shared_ptr<ClientCore> client_;
  std::unique_ptr<driver::Sender> sender_;
  const std::string topic_;
  const ProducerOptions options_;
  Instruments metrics_;                  ///< After topic_ and options_.
  bool allow_reserved_headers_ = false;  // set once in create(), before the thread starts

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;   // sender thread: new work, retry due, closing
  std::condition_variable space_cv_;  // publishers waiting for buffer space, flush waiters
  std::deque<Chunk> queued_;          // waiting for the sender, publish order; no chunk is empty
  std::vector<Chunk> spare_chunks_;   // emptied chunks, kept for their storage
  // Completions a driver reported in batches on its own thread, for the sender thread to settle
  // (that runs the callbacks), and emptied vectors handed back to the drivers' batches.
  std::vector<DeferredResults> handed_over_;
  std::vector<DeferredResults> results_pool_;
  std::multimap<Clock::time_point, Entry> retry_;  // waiting for their backoff
  std::size_t pending_ = 0;                        // queued + in flight + retrying
  std::size_t pending_bytes_ = 0;                  // the Entry::bytes of those
  // pending_ plus completions whose callback has not returned yet: flush() waits for this, so
  // a caller that flushed sees every callback's effects.
  std::size_t unfinished_ = 0;
  std::size_t space_waiters_ = 0;       // publishers blocked on a full buffer
  std::int64_t reported_buffered_ = 0;  // what the publish-buffered gauge shows (mutex_)
  bool retry_added_ = false;            // settle() scheduled a retry: the sender thread must look
  bool closing_ = false;
  bool closed_ = false;

  // The entries handed to the driver have their own lock, so completions and publishers do not
  // wait for each other. Taken after mutex_ when both are needed, never before it.
  mutable std::mutex flight_mutex_;
  InFlightWindow<Sent> in_flight_;  // handed to the driver
  bool flight_closed_ = false;      // close() took what was in flight: fail later arrivals

  std::thread thread_;
};

}  // namespace unimq::detail
