// The queue and I/O thread behind a Sender whose client library wants one thread per
// connection (hiredis, and the flush round trip of NATS core), and the hint that lets an idle
// caller run a round itself.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "unimq/driver/driver.hpp"

namespace unimq::driver {

/// One send() call waiting in a SendQueue.
struct SendJob {
  std::string topic;           ///< Where the batch goes.
  std::vector<Message> batch;  ///< The messages, owned by the job until completed.
  SendCompletion done;         ///< Called once per message.

  /// Completes messages [from, batch.size()) with an error of `kind`. With `hand_back` the
  /// message is returned in the result so the common layer may send it again.
  void fail_from(std::size_t from, ErrorKind kind, const std::string& why, bool hand_back);
};

/// While alive on a thread (and constructed with `idle` true), says the thread has nothing else
/// to do until its send() returns: a SendQueue with no round running and nothing queued then
/// runs the round on this thread instead of waking its I/O thread, which saves a thread
/// wake-up per send when traffic is light. A producer's sender thread opens one when nothing
/// more is queued behind the batch it sends. Nesting is allowed. Not movable: it is a scope.
class CallerIsIdle {
 public:
  /// Marks this thread idle while the scope lives, if `idle`; otherwise does nothing.
  explicit CallerIsIdle(bool idle = true) noexcept;
  /// Restores what was in force before.
  ~CallerIsIdle();
  CallerIsIdle(const CallerIsIdle&) = delete;
  CallerIsIdle& operator=(const CallerIsIdle&) = delete;

  /// Whether a CallerIsIdle(true) scope is open on this thread.
  static bool active() noexcept;

 private:
  bool previous_;
};

/// Queues batches from any thread and hands them to `round` on one I/O thread. Everything queued
/// while a round runs goes out in the next one, so batching grows with load by itself. Rounds
/// stop growing at `max_messages` or `max_bytes` of payload (a single job may exceed them).
/// Rounds never overlap: a send() from a thread inside CallerIsIdle, finding no round running
/// and nothing queued, runs its round on that thread and returns when it has completed.
/// close() lets the running round finish and completes what is still queued with
/// ErrorKind::closed. Thread-safe.
class SendQueue {
 public:
  /// Runs one round: must complete every message of every job (success or error).
  using Round = std::function<void(std::vector<SendJob>& jobs)>;

  /// Starts the I/O thread. `round` and everything it captures live until that thread ends, so
  /// the connection it uses may be owned by the closure.
  explicit SendQueue(Round round, std::size_t max_messages = 4096,
                     std::size_t max_bytes = std::size_t{8} << 20);
  /// Closes.
  ~SendQueue();
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;

  /// Queues a batch (or, for an idle caller, sends it at once: see CallerIsIdle), or completes
  /// it with ErrorKind::closed after close(). Never throws.
  void send(const std::string& topic, std::vector<Message> batch, SendCompletion done);
  /// Stops the thread after its current round (waits for it, and for a round an idle caller
  /// runs, unless called from a completion on the thread running it). Idempotent.
  void close();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

/// A Sender that is just a SendQueue: for adapters whose whole sending is the queue's round.
class QueuedSender final : public Sender {
 public:
  /// Sends through `queue` (shared, so the connection can close it too).
  explicit QueuedSender(std::shared_ptr<SendQueue> queue) : queue_(std::move(queue)) {}
  /// Closes the queue.
  ~QueuedSender() override { queue_->close(); }
  /// Queues the batch.
  void send(const std::string& topic, std::vector<Message> batch,
            SendCompletion on_complete) override {
    queue_->send(topic, std::move(batch), std::move(on_complete));
  }
  /// Closes the queue.
  void close() override { queue_->close(); }

 private:
  std::shared_ptr<SendQueue> queue_;
};

}  // namespace unimq::driver
