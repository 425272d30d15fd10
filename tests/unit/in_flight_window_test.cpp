// The producer's in-flight window: lookup by id, expiry by deadline, resent entries.
#include "internal/in_flight_window.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <string>

namespace unimq::detail {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct E {
  std::string name;
  Clock::time_point deadline;
};

TEST(InFlightWindow, TakesByIdOnceInAnyOrder) {
  InFlightWindow<E> w;
  const auto t = Clock::now();
  const auto a = w.push({"a", t + 1s}, false);
  const auto b = w.push({"b", t + 2s}, false);
  const auto c = w.push({"c", t + 3s}, false);
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(c, a + 2);
  EXPECT_EQ(w.take(b)->name, "b");
  EXPECT_FALSE(w.take(b));
  EXPECT_EQ(w.take(a)->name, "a");
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.next_deadline(), t + 3s);
  EXPECT_EQ(w.take(c)->name, "c");
  EXPECT_EQ(w.next_deadline(), Clock::time_point::max());
  EXPECT_FALSE(w.take(c + 100));
}

TEST(InFlightWindow, ExpiresFirstSendsInOrderAndResentOnesByTheirOwnDeadline) {
  InFlightWindow<E> w;
  const auto t = Clock::now();
  w.push({"first", t + 1s}, false);
  const auto second = w.push({"second", t + 5s}, false);
  w.push({"retry", t + 2s}, true);  // resent: older deadline behind a later one
  EXPECT_EQ(w.next_deadline(), t + 1s);
  std::vector<std::string> expired;
  w.expire(t + 3s, [&](E&& e) { expired.push_back(e.name); });
  EXPECT_EQ(expired, (std::vector<std::string>{"first", "retry"}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(w.next_deadline(), t + 5s);
  EXPECT_EQ(w.take(second)->name, "second");
}

TEST(InFlightWindow, DrainHandsOverEverythingAndLaterIdsStayUnique) {
  InFlightWindow<E> w;
  const auto t = Clock::now();
  const auto a = w.push({"a", t}, false);
  w.push({"b", t}, true);
  int n = 0;
  w.drain([&](E&&) { ++n; });
  EXPECT_EQ(n, 2);
  EXPECT_EQ(w.size(), 0u);
  EXPECT_FALSE(w.take(a));
  EXPECT_GT(w.push({"c", t}, false), a + 1);
}

TEST(InFlightWindow, KeepsIdsAcrossBlocksWhileEntriesCompleteOutOfOrder) {
  // Entries are taken out of order while more are pushed: the window spans several blocks,
  // drops the ones it has moved past and reuses them, with live entries on both sides of a
  // block boundary.
  InFlightWindow<E> w;
  const auto t = Clock::now();
  std::deque<std::pair<InFlightWindow<E>::Id, std::string>> live;
  int next = 0;
  for (int round = 0; round < 120; ++round) {
    for (int i = 0; i < 7 + round; ++i, ++next) {
      const auto name = std::to_string(next);
      live.emplace_back(w.push({name, t + 1s}, false), name);
    }
    // Take the second oldest first (a hole at the front), then the oldest.
    for (int i = 0; i < 5 && live.size() >= 2; ++i) {
      EXPECT_EQ(w.take(live[1].first)->name, live[1].second);
      EXPECT_EQ(w.take(live[0].first)->name, live[0].second);
      live.erase(live.begin(), live.begin() + 2);
    }
    EXPECT_EQ(w.size(), live.size());
  }
  std::vector<std::string> rest;
  w.drain([&](E&& e) { rest.push_back(e.name); });
  ASSERT_EQ(rest.size(), live.size());
  for (std::size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i], live[i].second);
}

TEST(InFlightWindow, TakeWithACallbackHandsTheEntryOverOnce) {
  InFlightWindow<E> w;
  const auto id = w.push({"a", Clock::now()}, false);
  std::string got;
  EXPECT_TRUE(w.take(id, [&](E&& e) { got = std::move(e.name); }));
  EXPECT_EQ(got, "a");
  EXPECT_FALSE(w.take(id, [&](E&&) { ADD_FAILURE() << "taken twice"; }));
}

}  // namespace
}  // namespace unimq::detail
