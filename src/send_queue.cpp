// SendQueue: a mutex-guarded deque and one thread that drains it in rounds; an idle caller may
// run a round itself when the queue is idle.
#include "unimq/driver/send_queue.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "unimq/driver/completion_batch.hpp"

namespace unimq::driver {
namespace {

thread_local bool caller_is_idle = false;

}  // namespace

CallerIsIdle::CallerIsIdle(bool idle) noexcept : previous_(caller_is_idle) {
  if (idle) caller_is_idle = true;
}

CallerIsIdle::~CallerIsIdle() {
  caller_is_idle = previous_;
}

bool CallerIsIdle::active() noexcept {
  return caller_is_idle;
}

void SendJob::fail_from(std::size_t from, ErrorKind kind, const std::string& why, bool hand_back) {
  for (std::size_t i = from; i < batch.size(); ++i) {
    SendResult r;
    r.error = DriverError{kind, why};
    if (hand_back) r.message = std::move(batch[i]);
    done(i, std::move(r));
  }
}

struct SendQueue::State {
  Round round;
  std::size_t max_messages;
  std::size_t max_bytes;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<SendJob> queue;
  bool closing = false;
  // A round is running, on the I/O thread or on an idle caller: rounds never overlap, since the
  // round owns the connection.
  bool busy = false;
  bool busy_on_caller = false;  // the running round is the idle caller `runner`'s
  std::thread::id runner;
  std::mutex join_mu;
  std::thread thread;

  void run() {
    std::vector<SendJob> jobs;
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return closing || (!queue.empty() && !busy); });
        if (closing) break;
        busy = true;
        std::size_t messages = 0, bytes = 0;
        while (!queue.empty() && (jobs.empty() || (messages < max_messages && bytes < max_bytes))) {
          for (const auto& m : queue.front().batch) bytes += m.payload().size();
          messages += queue.front().batch.size();
          jobs.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      }
      {
        // Every completion of the round reaches its producer in one batch.
        CompletionBatch completions;
        round(jobs);
      }
      jobs.clear();
      finish_round();
    }
    std::deque<SendJob> left;
    {
      std::lock_guard lock(mu);
      left.swap(queue);
    }
    for (auto& job : left) job.fail_from(0, ErrorKind::closed, "sender closed", false);
  }

  // Runs `job` as a round on the calling thread, which set `busy` (under `mu`) beforehand.
  void run_here(SendJob job) {
    std::vector<SendJob> jobs;
    jobs.push_back(std::move(job));
    {
      CompletionBatch completions;
      round(jobs);
    }
    finish_round();
  }

  void finish_round() {
    std::lock_guard lock(mu);
    busy = false;
    busy_on_caller = false;
    runner = {};
    // The I/O thread may wait for the round to end (work queued meanwhile), and so may close().
    cv.notify_all();
  }
};

SendQueue::SendQueue(Round round, std::size_t max_messages, std::size_t max_bytes)
    : state_(std::make_shared<State>()) {
  state_->round = std::move(round);
  state_->max_messages = max_messages;
  state_->max_bytes = max_bytes;
  // The thread owns the state (and so the round's closure) until it ends, even when close()
  // came from a completion callback on the thread itself and the SendQueue is gone.
  state_->thread = std::thread([s = state_] { s->run(); });
}

SendQueue::~SendQueue() {
  close();
}

void SendQueue::send(const std::string& topic, std::vector<Message> batch, SendCompletion done) {
  {
    std::unique_lock lock(state_->mu);
    if (!state_->closing) {
      if (CallerIsIdle::active() && !state_->busy && state_->queue.empty()) {
        // Nothing to wait for and nothing to overtake: this thread sends, the I/O thread sleeps.
        state_->busy = true;
        state_->busy_on_caller = true;
        state_->runner = std::this_thread::get_id();
        lock.unlock();
        const auto state = state_;  // alive for the round, whatever happens to this SendQueue
        state->run_here(SendJob{topic, std::move(batch), std::move(done)});
        return;
      }
      state_->queue.push_back(SendJob{topic, std::move(batch), std::move(done)});
      state_->cv.notify_all();
      return;
    }
  }
  SendJob job{topic, std::move(batch), std::move(done)};
  job.fail_from(0, ErrorKind::closed, "sender is closed", false);
}

void SendQueue::close() {
  {
    std::unique_lock lock(state_->mu);
    state_->closing = true;
    state_->cv.notify_all();
    // A round an idle caller runs uses the connection too; it must end before close() returns
    // (unless this is that round's thread, closing from a completion).
    state_->cv.wait(lock, [&] {
      return !state_->busy_on_caller || state_->runner == std::this_thread::get_id();
    });
  }
  std::lock_guard join_lock(state_->join_mu);
  if (!state_->thread.joinable()) return;
  if (state_->thread.get_id() == std::this_thread::get_id()) {
    state_->thread.detach();  // closed from a completion; run() ends after this round
  } else {
    state_->thread.join();
  }
}

}  // namespace unimq::driver
