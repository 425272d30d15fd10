// unimq-bench: publish and publish -> consume throughput through the SDK against one broker URL.
// Prints a table (unless --json-only), then one JSON line per round and per median.
#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "options.hpp"
#include "report.hpp"
#include "throughput.hpp"
#include "unimq/client.hpp"

namespace {

using unimq::bench::Measurement;

// Unique per run, so a durable broker never feeds an earlier run's leftovers into this one. Rounds
// share the topic (each consumer starts at the end of it): the memory broker keeps every topic
// until the process exits, and one topic per round would multiply its retained messages.
std::string topic_name(const char* workload) {
  const auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return std::string("unimq-bench.") + workload + "." + std::to_string(getpid()) + "." +
         std::to_string(stamp);
}

int run(const unimq::bench::Options& o) {
  auto client = unimq::Client::connect(o.url);
  if (!o.json_only) {
    std::cout << "unimq-bench: " << client.url() << " (" << client.capabilities().system << "), "
              << o.messages << " x " << o.size << " B, " << o.rounds << " round(s), batch_size "
              << o.batch_size << ", buffer_capacity " << o.buffer_capacity << ", max_in_flight "
              << o.max_in_flight << "\n\n";
    unimq::bench::print_table_header(std::cout);
  }
  std::vector<Measurement> results;
  auto record = [&](Measurement m, unsigned round) {
    m.round = round;
    if (!o.json_only) unimq::bench::print_table_row(std::cout, m);
    std::cout.flush();
    results.push_back(std::move(m));
  };
  const std::string publish_topic = topic_name("publish");
  const std::string consume_topic = topic_name("publish_consume");
  for (unsigned round = 1; round <= o.rounds; ++round) {
    if (o.workload != "publish_consume") {
      record(unimq::bench::run_publish(client, o, publish_topic), round);
    }
    if (o.workload != "publish") {
      record(unimq::bench::run_publish_consume(client, o, consume_topic), round);
    }
  }
  const auto meds = unimq::bench::medians(results);
  if (!o.json_only) {
    for (const auto& m : meds) unimq::bench::print_table_row(std::cout, m);
    std::cout << '\n';
  }
  for (const auto& m : results) std::cout << unimq::bench::to_json(m) << '\n';
  for (const auto& m : meds) std::cout << unimq::bench::to_json(m) << '\n';
  client.close();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto options = unimq::bench::parse_options(argc, argv);
    if (!options) return 0;
    return run(*options);
  } catch (const std::exception& e) {
    std::cerr << "unimq-bench: " << e.what() << '\n';
    return 1;
  }
}
