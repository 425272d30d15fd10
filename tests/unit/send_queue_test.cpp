// SendQueue: rounds gather what was queued meanwhile, close() completes the rest as closed, and
// closing from a completion on the I/O thread neither deadlocks nor crashes.
#include "unimq/driver/send_queue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>

namespace unimq::driver {
namespace {

using namespace std::chrono_literals;

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
  std::atomic<int> completed{0};
  auto count = [&](std::size_t, SendResult r) {
    EXPECT_FALSE(r.error.has_value());
    ++completed;
  };
  queue.send("t", messages(2), count);
  first_round_entered.get_future().wait();
  for (int i = 0; i < 5; ++i) queue.send("t", messages(3), count);
  let_first_round_finish.set_value();
  for (int i = 0; i < 2000 && completed.load() < 17; ++i) std::this_thread::sleep_for(1ms);
  queue.close();
  EXPECT_EQ(completed.load(), 17);
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

}  // namespace
}  // namespace unimq::driver
