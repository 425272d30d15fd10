// unimq-bench: publish and publish -> consume throughput through the SDK against one broker URL.
// Prints a table (unless --json-only), then one JSON line per round and per median.
#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "options.hpp"
#include "report.hpp"
#include "throughput.hpp"
#include "unimq/client.hpp"
#include "unimq/metrics.hpp"
#ifdef UNIMQ_BENCH_PROMETHEUS
#include "unimq/prometheus.hpp"
#endif

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

// The sink of `--metrics prometheus|ab`: the Prometheus exporter on a free loopback port.
std::shared_ptr<unimq::MetricsSink> prometheus_sink(const unimq::bench::Options& o) {
  if (o.metrics == "off") return nullptr;
#ifdef UNIMQ_BENCH_PROMETHEUS
  return std::make_shared<unimq::prometheus::Exporter>("127.0.0.1:0");
#else
  throw std::invalid_argument("--metrics " + o.metrics +
                              ": this build has no unimq::prometheus (-DUNIMQ_WITH_PROMETHEUS=ON)");
#endif
}

int run(const unimq::bench::Options& o) {
  const auto sink = prometheus_sink(o);
  std::vector<bool> passes;  // metrics on or off, in the order each round runs them
  if (o.metrics != "prometheus") passes.push_back(false);
  if (o.metrics != "off") passes.push_back(true);
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
    // A B, then B A: neither pass always runs second (warmer caches, a longer memory log).
    if (round > 1) std::reverse(passes.begin(), passes.end());
    for (const bool metrics_on : passes) {
      // Producers and consumers take the sink installed when they are created.
      unimq::set_metrics_sink(metrics_on ? sink : nullptr);
      auto tagged = [&](Measurement m) {
        if (metrics_on) m.workload += "+metrics";
        return m;
      };
      if (o.workload != "publish_consume") {
        record(tagged(unimq::bench::run_publish(client, o, publish_topic)), round);
      }
      if (o.workload != "publish") {
        record(tagged(unimq::bench::run_publish_consume(client, o, consume_topic)), round);
      }
    }
  }
  unimq::set_metrics_sink(nullptr);
  const auto meds = unimq::bench::medians(results);
  if (!o.json_only) {
    for (const auto& m : meds) unimq::bench::print_table_row(std::cout, m);
    std::cout << '\n';
  }
  for (const auto& m : results) std::cout << unimq::bench::to_json(m) << '\n';
  for (const auto& m : meds) std::cout << unimq::bench::to_json(m) << '\n';
  // With --metrics ab: throughput with the exporter over throughput without, per workload.
  for (const auto& with : meds) {
    const auto plus = with.workload.find("+metrics");
    if (plus == std::string::npos) continue;
    for (const auto& without : meds) {
      if (without.workload != with.workload.substr(0, plus)) continue;
      std::cout << "{\"backend\":\"" << with.backend << "\",\"workload\":\"" << without.workload
                << "\",\"size\":" << with.size
                << ",\"metrics_ratio\":" << with.msgs_per_s() / without.msgs_per_s() << "}\n";
    }
  }
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
