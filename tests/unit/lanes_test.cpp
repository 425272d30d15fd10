// Lane routing and the worker queue.
#include "internal/lanes.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

namespace unimq::detail {
namespace {

TEST(LaneForKey, SameKeyAlwaysSameLane) {
  for (std::size_t lanes : {1u, 2u, 7u, 16u}) {
    for (int i = 0; i < 100; ++i) {
      const std::string key = "customer-" + std::to_string(i);
      const auto lane = lane_for_key(key, lanes);
      EXPECT_LT(lane, lanes);
      EXPECT_EQ(lane, lane_for_key(key, lanes));
    }
  }
}

TEST(LaneForKey, IsStableAcrossBuilds) {
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c; pinned so a change of hash is a deliberate decision.
  EXPECT_EQ(lane_for_key("a", 1000), 0xaf63dc4c8601ec8cULL % 1000);
}

TEST(LaneForKey, SpreadsKeysOverEveryLane) {
  std::vector<int> hits(8);
  for (int i = 0; i < 8000; ++i) ++hits[lane_for_key("k" + std::to_string(i), 8)];
  for (int h : hits) {
    EXPECT_GT(h, 700);
    EXPECT_LT(h, 1300);
  }
}

TEST(WorkQueue, PopsInFifoOrder) {
  WorkQueue<int> q;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(q.push(i));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(q.pop(), i);
}

TEST(WorkQueue, CloseWakesWaitersAndReturnsWhatWasLeft) {
  WorkQueue<int> q;
  std::optional<int> got = 42;
  std::thread waiter([&] { got = q.pop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(q.close().empty());
  waiter.join();
  EXPECT_EQ(got, std::nullopt);
  EXPECT_FALSE(q.push(1));

  WorkQueue<int> q2;
  q2.push(1);
  q2.push(2);
  EXPECT_EQ(q2.close(), (std::deque<int>{1, 2}));
  EXPECT_EQ(q2.pop(), std::nullopt);
}

TEST(WorkQueue, PushAllThenPopSomeTakesAFairShareInOrder) {
  WorkQueue<int> q;
  std::vector<int> items{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_TRUE(q.push_all(items));
  EXPECT_TRUE(items.empty());
  std::vector<int> out;
  EXPECT_EQ(q.pop_some(out, 64, 4), 2u);  // 10 items, 4 workers: 10 / 4
  EXPECT_EQ(q.pop_some(out, 3, 1), 3u);   // capped at max
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2, 3, 4}));
  out.clear();
  EXPECT_EQ(q.pop_some(out, 64, 100), 1u);  // at least one
  EXPECT_EQ(out, (std::vector<int>{5}));
  q.close();
  EXPECT_EQ(q.pop_some(out, 64, 1), 0u);
  std::vector<int> late{1};
  EXPECT_FALSE(q.push_all(late));
}

}  // namespace
}  // namespace unimq::detail
