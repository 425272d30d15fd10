// The publishing side of the broker fault tests: numbered messages published from a thread of
// their own at a set pace (so that publishing goes on through an outage), every future kept,
// then tallied into confirmed and failed. Header-only; needs gtest and the unimq core library.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collector.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

/// How one publish ended.
struct Outcome {
  bool settled = false;
  bool ok = false;
  std::string error;  // "<code>: <what>" on failure
};

/// Waits for `f` and records the result; a non-unimq exception is a test failure.
inline Outcome settle(std::future<Receipt>& f) {
  Outcome out;
  out.settled = true;
  try {
    f.get();
    out.ok = true;
  } catch (const Error& e) {
    out.error = std::string(to_string(e.code())) + ": " + e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "publish future failed with an exception that is not a unimq::Error: "
                  << e.what();
    out.error = std::string("not a unimq::Error: ") + e.what();
  }
  return out;
}

/// The payload of publish #i: "m-<i>".
inline std::string numbered(int i) {
  return "m-" + std::to_string(i);
}

/// What the publishes came to, once all are settled.
struct Tally {
  std::set<std::string> confirmed;    ///< Payloads whose future succeeded.
  std::map<std::string, int> errors;  ///< Failure text and how many publishes failed with it.
  int failed_from = 0;                ///< Failures among publishes at or after tally()'s `from`.

  /// The confirmed payloads that `counts` (payload -> deliveries) lacks.
  std::vector<std::string> missing(const std::map<std::string, int>& counts) const {
    std::vector<std::string> out;
    for (const auto& p : confirmed) {
      if (!counts.contains(p)) out.push_back(p);
    }
    return out;
  }
};

/// Publishes `total` messages numbered(0..total-1) through `producer` on its own thread, pausing
/// `pause` after every `every` publishes. A publish that throws counts as failed. The producer
/// must outlive it; the destructor joins.
class PacedPublisher {
 public:
  PacedPublisher(Producer& producer, int total, std::chrono::milliseconds pause, int every = 1)
      : futures_(static_cast<std::size_t>(total)), outcomes_(static_cast<std::size_t>(total)) {
    thread_ = std::thread([this, &producer, total, pause, every] {
      for (int i = 0; i < total; ++i) {
        try {
          futures_[static_cast<std::size_t>(i)] = producer.publish(Message(numbered(i)));
        } catch (...) {
          futures_[static_cast<std::size_t>(i)] = failed_future();
        }
        published_.store(i + 1, std::memory_order_release);
        if ((i + 1) % every == 0) std::this_thread::sleep_for(pause);
      }
    });
  }
  ~PacedPublisher() { join(); }
  PacedPublisher(const PacedPublisher&) = delete;
  PacedPublisher& operator=(const PacedPublisher&) = delete;

  /// How many publish calls returned so far.
  int published() const { return published_.load(std::memory_order_acquire); }
  int total() const { return static_cast<int>(futures_.size()); }
  /// Waits for the futures of publishes [begin, end), which must have been published.
  void settle_range(int begin, int end) {
    for (int i = begin; i < end; ++i) {
      auto& o = outcomes_[static_cast<std::size_t>(i)];
      if (!o.settled) o = settle(futures_[static_cast<std::size_t>(i)]);
    }
  }
  const Outcome& outcome(int i) const { return outcomes_.at(static_cast<std::size_t>(i)); }
  /// Waits until every publish call returned.
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  /// Joins, settles every publish and tallies them; `from` marks where Tally::failed_from starts
  /// counting.
  Tally tally(int from) {
    join();
    settle_range(0, total());
    Tally t;
    for (int i = 0; i < total(); ++i) {
      const auto& o = outcome(i);
      if (o.ok) {
        t.confirmed.insert(numbered(i));
      } else {
        ++t.errors[o.error];
        if (i >= from) ++t.failed_from;
      }
    }
    return t;
  }

 private:
  std::vector<std::future<Receipt>> futures_;
  std::vector<Outcome> outcomes_;
  std::atomic<int> published_{0};
  std::thread thread_;  // last: started once the rest exists
};

}  // namespace unimq::test
