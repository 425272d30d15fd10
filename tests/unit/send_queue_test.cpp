// SendQueue: rounds gather what was queued meanwhile, close() completes the rest as closed,
// closing from a completion on the I/O thread neither deadlocks nor crashes, and an idle caller
// runs a round itself only when no round runs and nothing is queued.
#include "unimq/driver/send_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <thread>

#include "collector.hpp"

namespace unimq::driver {
namespace {

using namespace std::chrono_literals;
using test::CallCount;

std::vector<Message> messages(int n) {
  std::vector<Message> out;
  for (int i = 0; i < n; ++i) out.emplace_back(std::to_string(i));
  return out;
}

TEST(SendQueue, BatchesQueuedDuringARoundGoOutTogetherInTheNext) {
  std::promise<void> first_round_entered;
  std::promise<void> let_first_round_finish;
  auto finish = let_first_round_finish.get_future().share();
  std::mutex mu;
  std::vector<std::size_t> round_sizes;
  SendQueue queue([&](std::vector<SendJob>& jobs) {
    {
      std::lock_guard lock(mu);
      round_sizes.push_back(jobs.size());
      if (round_sizes.size() == 1) first_round_entered.set_value();
    }
    if (round_sizes.size() == 1) finish.wait();
    for (auto& j : jobs) {
      for (std::size_t i = 0; i < j.batch.size(); ++i) j.done(i, SendResult{});
    }
  });
  CallCount completed;
  auto count = [&](std::size_t, SendResult r) {
    EXPECT_FALSE(r.error.has_value());
    completed.add();
  };
  queue.send("t", messages(2), count);
  first_round_entered.get_future().wait();
  for (int i = 0; i < 5; ++i) queue.send("t", messages(3), count);
  let_first_round_finish.set_value();
  EXPECT_TRUE(completed.wait_for(17, 2s));
  queue.close();
  EXPECT_EQ(completed.value(), 17);
  EXPECT_EQ(round_sizes, (std::vector<std::size_t>{1, 5}));
}

TEST(SendQueue, CloseCompletesQueuedAndLaterBatchesAsClosed) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  SendQueue queue([&](std::vector<SendJob>& jobs) {
    entered.set_value();
    released.wait();
    for (auto& j : jobs) j.fail_from(0, ErrorKind::retryable, "test", true);
  });
  std::vector<ErrorKind> kinds;
  std::mutex mu;
  auto record = [&](std::size_t, SendResult r) {
    std::lock_guard lock(mu);
    kinds.push_back(r.error ? r.error->kind : ErrorKind::permanent);
  };
  queue.send("t", messages(1), record);  // in the running round
  entered.get_future().wait();
  queue.send("t", messages(2), record);  // still queued at close
  std::thread closer([&] { queue.close(); });
  std::this_thread::sleep_for(20ms);
  release.set_value();
  closer.join();
  queue.send("t", messages(1), record);  // after close
  EXPECT_EQ(kinds, (std::vector<ErrorKind>{ErrorKind::retryable, ErrorKind::closed,
                                           ErrorKind::closed, ErrorKind::closed}));
}

TEST(SendQueue, ClosingFromACompletionOnTheIoThreadIsSafe) {
  auto queue = std::make_unique<SendQueue>([](std::vector<SendJob>& jobs) {
    for (auto& j : jobs) j.fail_from(0, ErrorKind::retryable, "x", false);
  });
  std::promise<void> done;
  queue->send("t", messages(1), [&](std::size_t, SendResult) {
    queue->close();  // on the I/O thread
    done.set_value();
  });
  ASSERT_EQ(done.get_future().wait_for(5s), std::future_status::ready);
  queue.reset();  // destroying after a self-close must not join or crash
}

// A round that records itself (thread, first payload of each job, how many ran at once),
// completes every message, and holds the first round open until release() when asked to.
class RoundLog {
 public:
  explicit RoundLog(bool hold_first = false) : hold_first_(hold_first) {}

  void round(std::vector<SendJob>& jobs) {
    bool first = false;
    {
      std::lock_guard lock(mu);
      most_running = std::max(most_running, ++running_);
      threads.push_back(std::this_thread::get_id());
      for (auto& j : jobs) first_payloads.emplace_back(j.batch.front().payload());
      first = threads.size() == 1;
    }
    if (first && hold_first_) {
      entered_.set_value();
      released_.wait();
    }
    {
      std::lock_guard lock(mu);
      --running_;
    }
    for (auto& j : jobs) {
      for (std::size_t i = 0; i < j.batch.size(); ++i) j.done(i, SendResult{});
    }
  }
  // Waits until the held first round is running.
  bool first_entered() { return entered_.get_future().wait_for(5s) == std::future_status::ready; }
  void release() { release_.set_value(); }

  std::mutex mu;
  std::vector<std::thread::id> threads;
  std::vector<std::string> first_payloads;
  int most_running = 0;

 private:
  bool hold_first_;
  int running_ = 0;
  std::promise<void> entered_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
};

std::vector<Message> one(const std::string& payload) {
  std::vector<Message> out;
  out.emplace_back(payload);
  return out;
}

TEST(SendQueue, AnIdleCallerRunsTheRoundItselfWhenTheQueueIsIdle) {
  RoundLog log;
  SendQueue queue([&](std::vector<SendJob>& jobs) { log.round(jobs); });
  CallCount completed;
  auto count = [&](std::size_t, SendResult) { completed.add(); };
  {
    const CallerIsIdle idle;
    EXPECT_TRUE(CallerIsIdle::active());
    queue.send("t", messages(3), count);
    EXPECT_EQ(completed.value(), 3);  // sent and completed before send() returned
  }
  EXPECT_FALSE(CallerIsIdle::active());
  {
    const CallerIsIdle not_idle(false);
    EXPECT_FALSE(CallerIsIdle::active());
    queue.send("t", messages(1), count);
  }
  EXPECT_TRUE(completed.wait_for(4, 2s));
  queue.close();
  EXPECT_EQ(completed.value(), 4);
  std::lock_guard lock(log.mu);
  ASSERT_EQ(log.threads.size(), 2u);
  EXPECT_EQ(log.threads[0], std::this_thread::get_id());
  EXPECT_NE(log.threads[1], std::this_thread::get_id());  // not idle: the I/O thread sent it
}

TEST(SendQueue, RoundsNeverOverlapAndCloseWaitsForAnIdleCallersRound) {
  RoundLog log(true);
  SendQueue queue([&](std::vector<SendJob>& jobs) { log.round(jobs); });
  std::atomic<int> completed{0};
  std::atomic<int> closed_as_closed{0};
  auto count = [&](std::size_t, SendResult r) {
    if (r.error && r.error->kind == ErrorKind::closed) ++closed_as_closed;
    ++completed;
  };
  // An idle caller's round, held open; meanwhile another thread's batch queues, and a second
  // idle caller must queue behind it rather than run a round of its own.
  std::thread idle_caller([&] {
    const CallerIsIdle idle;
    queue.send("t", one("a"), count);
  });
  ASSERT_TRUE(log.first_entered());
  queue.send("t", one("b"), count);
  std::thread second_idle([&] {
    const CallerIsIdle idle;
    queue.send("t", one("c"), count);
  });
  second_idle.join();  // queued: it returns while the first round still runs
  EXPECT_EQ(completed.load(), 0);
  // close() must wait for the idle caller's round, which still uses the connection.
  std::atomic<bool> closed{false};
  std::thread closer([&] {
    queue.close();
    closed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(closed.load());
  log.release();
  idle_caller.join();
  closer.join();
  std::lock_guard lock(log.mu);
  EXPECT_EQ(log.most_running, 1);
  // "b" and "c" waited behind the running round; close() came first, so they failed as closed.
  EXPECT_EQ(log.first_payloads, (std::vector<std::string>{"a"}));
  EXPECT_EQ(completed.load(), 3);
  EXPECT_EQ(closed_as_closed.load(), 2);
}

TEST(SendQueue, AnIdleCallerNeverOvertakesQueuedBatches) {
  RoundLog log(true);
  SendQueue queue([&](std::vector<SendJob>& jobs) { log.round(jobs); });
  CallCount completed;
  auto count = [&](std::size_t, SendResult) { completed.add(); };
  queue.send("t", one("1"), count);  // the I/O thread's round, held
  ASSERT_TRUE(log.first_entered());
  queue.send("t", one("2"), count);  // queued
  {
    const CallerIsIdle idle;
    queue.send("t", one("3"), count);  // a round runs and "2" waits: queued behind it
  }
  log.release();
  EXPECT_TRUE(completed.wait_for(3, 2s));
  queue.close();
  EXPECT_EQ(completed.value(), 3);
  std::lock_guard lock(log.mu);
  EXPECT_EQ(log.first_payloads, (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(log.most_running, 1);
}

}  // namespace
}  // namespace unimq::driver
