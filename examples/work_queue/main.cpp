// Work queue: three instances of a to-do save handler are competing consumers of one group, so
// each item is saved once and the load is shared. Then an audit handler is added as a new group
// without touching the publisher, and from then on it gets every item too. Succeeds only if
// every item was saved exactly once, by all three instances, and audited after the audit
// started.
//
// Needs consumer groups: on a backend without them (Redis pub/sub) it says so and exits 77.
#include <array>
#include <atomic>
#include <iostream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "example.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Item ids a handler saw, and how many times in all.
struct Seen {
  std::mutex mutex;
  std::multiset<std::string> ids;
  void add(const std::string& id) {
    std::lock_guard lock(mutex);
    ids.insert(id);
  }
  std::size_t count() {
    std::lock_guard lock(mutex);
    return ids.size();
  }
  std::size_t distinct() {
    std::lock_guard lock(mutex);
    return std::set<std::string>(ids.begin(), ids.end()).size();
  }
};

void publish(unimq::Producer& producer, int from, int to) {
  for (int i = from; i < to; ++i) producer.publish(unimq::Message("todo-" + std::to_string(i)));
  producer.flush(30s);
}

int run(const example::Args& args) {
  const auto deadline = Clock::now() + args.timeout;
  auto client = unimq::Client::connect(args.url);
  if (!client.capabilities().consumer_groups) {
    std::cout << "work_queue on " << client.url()
              << ": this backend has no consumer groups, so three instances cannot share one "
                 "queue (each would get every item); use a backend with groups (for Redis: "
                 "mode=streams)\n";
    return example::kUnsupported;
  }
  // Kafka shares a group's work by partition: three instances need at least three partitions
  // (other brokers ignore the setting).
  auto todos = client.topic(example::unique_name("todos"), {.partitions = 3});

  Seen saved;
  std::array<std::atomic<int>, 3> per_instance{};
  std::vector<unimq::Consumer> savers;
  for (std::size_t i = 0; i < per_instance.size(); ++i) {
    // A small prefetch: a slow handler must not hoard items an idle instance could take.
    savers.push_back(todos.consumer({.group = "todo-savers", .max_in_flight = 4}));
    savers.back().start([&, i](const unimq::Delivery& d) {
      std::this_thread::sleep_for(2ms);  // the database write
      per_instance[i].fetch_add(1);
      saved.add(d.message().payload());
    });
  }
  auto producer = todos.producer();
  publish(producer, 0, 300);
  const bool phase1 = example::wait_until([&] { return saved.count() >= 300; }, deadline);

  // A new requirement: audit every item. A new group; the publisher does not change.
  Seen audited;
  auto audit = todos.consumer({.group = "todo-audit"});
  audit.start([&](const unimq::Delivery& d) { audited.add(d.message().payload()); });
  publish(producer, 300, 400);
  const bool phase2 =
      example::wait_until([&] { return saved.count() >= 400 && audited.count() >= 100; }, deadline);
  std::this_thread::sleep_for(200ms);  // a duplicate would show up now

  std::cout << "work_queue on " << client.url() << ": 400 items saved " << saved.count()
            << " times (" << saved.distinct() << " distinct) by instances " << per_instance[0]
            << "/" << per_instance[1] << "/" << per_instance[2] << "; the audit group added later"
            << " saw " << audited.count() << " of the 100 items published after it started\n";
  const bool ok = phase1 && phase2 && saved.count() == 400 && saved.distinct() == 400 &&
                  audited.count() == 100 && per_instance[0] > 0 && per_instance[1] > 0 &&
                  per_instance[2] > 0;
  return example::outcome("work_queue", ok);
}

}  // namespace

int main(int argc, char** argv) {
  return example::main(
      argc, argv, "work_queue: three competing savers share the load; an audit group joins", run);
}
