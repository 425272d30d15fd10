// Which orders each service has finished with: handled, or seen in the dead-letter topic.
// Sets of order ids rather than counters, because at-least-once brokers may deliver twice and
// a count would then hide a missing order behind a duplicate.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace order_pipeline {

class Tally {
 public:
  /// Tracks `services` for the orders `expected`; ids outside it are counted as strays.
  Tally(const std::vector<std::string>& services, std::set<std::string> expected);

  /// `service`'s handler finished `order_id`. Thread-safe.
  void handled(const std::string& service, const std::string& order_id);
  /// The dead-letter topic holds `order_id` from `service`'s group. Thread-safe.
  void dead_lettered(const std::string& service, const std::string& order_id);
  /// Publishing `order_id` failed for good: nobody will ever see it.
  void publish_failed(const std::string& order_id, const std::string& error);

  /// Waits until every service handled or dead-lettered every expected order, a publish
  /// failed, or `deadline` passed. Returns whether every order was accounted for.
  bool wait_complete(std::chrono::steady_clock::time_point deadline);

  struct ServiceView {
    std::set<std::string> handled;
    std::set<std::string> dead_lettered;
    std::vector<std::string> missing;  ///< Expected, but neither handled nor dead-lettered.
  };
  /// A snapshot of one service.
  ServiceView view(const std::string& service) const;
  /// Deliveries that carried no expected order id (another run's leftovers, a foreign group).
  std::size_t strays() const;
  /// "order-id: error" per failed publish.
  std::vector<std::string> publish_failures() const;

 private:
  struct Service {
    std::set<std::string> handled;
    std::set<std::string> dead_lettered;
    std::size_t accounted = 0;  // |handled ∪ dead_lettered|, kept so waiting is O(services)
  };
  void account(Service& s, const std::string& order_id, bool dead);
  bool complete_locked() const;

  const std::set<std::string> expected_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Service> services_;
  std::size_t strays_ = 0;
  std::vector<std::string> publish_failures_;
};

}  // namespace order_pipeline
