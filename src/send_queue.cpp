// SendQueue: a mutex-guarded deque and one thread that drains it in rounds.
#include "unimq/driver/send_queue.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "unimq/driver/completion_batch.hpp"

namespace unimq::driver {

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
  std::mutex join_mu;
  std::thread thread;

  void run() {
    std::vector<SendJob> jobs;
    for (;;) {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return closing || !queue.empty(); });
        if (closing) break;
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
    }
    std::deque<SendJob> left;
    {
      std::lock_guard lock(mu);
      left.swap(queue);
    }
    for (auto& job : left) job.fail_from(0, ErrorKind::closed, "sender closed", false);
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
    std::lock_guard lock(state_->mu);
    if (!state_->closing) {
      state_->queue.push_back(SendJob{topic, std::move(batch), std::move(done)});
      state_->cv.notify_one();
      return;
    }
  }
  SendJob job{topic, std::move(batch), std::move(done)};
  job.fail_from(0, ErrorKind::closed, "sender is closed", false);
}

void SendQueue::close() {
  {
    std::lock_guard lock(state_->mu);
    state_->closing = true;
    state_->cv.notify_one();
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
