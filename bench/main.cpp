// unimq-bench: publish, publish -> consume and latency through the SDK, and through the broker's
// raw C client, against one broker URL. Prints a table (unless --json-only), then one JSON line
// per round, per median and per unimq/raw (or metrics on/off) comparison.
#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "impl.hpp"
#include "options.hpp"
#include "report.hpp"
#include "unimq/metrics.hpp"
#include "workloads.hpp"
#ifdef UNIMQ_BENCH_PROMETHEUS
#include "unimq/prometheus.hpp"
#endif

namespace {

using unimq::bench::Impl;
using unimq::bench::Measurement;
using unimq::bench::Options;

// Unique per run and implementation, so a durable broker never feeds an earlier run's leftovers
// into this one. Rounds share a topic (each subscription starts at its end): the memory broker
// keeps every topic until the process exits, and one topic per round would multiply what it
// retains.
std::string topic_name(const std::string& impl, const std::string& workload, std::size_t size) {
  const auto stamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  return "unimq-bench." + impl + "." + workload + "." + std::to_string(size) + "." +
         std::to_string(getpid()) + "." + std::to_string(stamp);
}

// The sink of `--metrics prometheus|ab`: the Prometheus exporter on a free loopback port.
std::shared_ptr<unimq::MetricsSink> prometheus_sink(const Options& o) {
  if (o.metrics == "off") return nullptr;
#ifdef UNIMQ_BENCH_PROMETHEUS
  return std::make_shared<unimq::prometheus::Exporter>("127.0.0.1:0");
#else
  throw std::invalid_argument("--metrics " + o.metrics +
                              ": this build has no unimq::prometheus (-DUNIMQ_WITH_PROMETHEUS=ON)");
#endif
}

// One implementation with metrics on or off; a round runs every pass.
struct Pass {
  Impl* impl;
  bool metrics_on;
};

std::vector<std::string> workloads_of(const Options& o) {
  if (o.workload != "all") return {o.workload};
  return {"publish", "publish_consume", "latency"};
}

Measurement run_workload(Impl& impl, const Options& o, const std::string& workload,
                         const unimq::bench::Run& run) {
  if (workload == "publish") return unimq::bench::run_publish(impl, o, run);
  if (workload == "publish_consume") return unimq::bench::run_publish_consume(impl, o, run);
  return unimq::bench::run_latency(impl, o, run);
}

int run(const Options& o) {
  const auto sink = prometheus_sink(o);
  const std::string backend = unimq::bench::backend_of(o.url);
  std::unique_ptr<Impl> unimq_impl;
  std::unique_ptr<Impl> raw_impl;
  if (o.impl != "raw") unimq_impl = unimq::bench::make_unimq_impl(o);
  if (o.impl != "unimq") {
    raw_impl = unimq::bench::make_raw_impl(backend, o);
    if (!raw_impl) {
      throw std::invalid_argument("--impl " + o.impl + ": no raw client for backend '" + backend +
                                  "' in this build");
    }
  }
  std::vector<Pass> passes;
  if (unimq_impl) {
    if (o.metrics != "prometheus") passes.push_back({unimq_impl.get(), false});
    if (o.metrics != "off") passes.push_back({unimq_impl.get(), true});
  }
  if (raw_impl) passes.push_back({raw_impl.get(), false});
  if (!o.json_only) {
    std::cout << "unimq-bench: " << o.url << " (" << backend << "), impl " << o.impl << ", "
              << o.messages << " messages per throughput round, " << o.latency_messages << " at "
              << o.rate << "/s per latency round, " << o.rounds << " round(s), batch_size "
              << o.batch_size << ", buffer_capacity " << o.buffer_capacity << ", max_in_flight "
              << o.max_in_flight << "\n\n";
    unimq::bench::print_table_header(std::cout);
  }
  std::vector<Measurement> results;
  std::map<std::string, std::string> topics;  // per pass, workload and size, shared by rounds
  for (unsigned round = 1; round <= o.rounds; ++round) {
    // A B, then B A: neither pass always runs first (cold caches, a longer memory log).
    if (round > 1) std::reverse(passes.begin(), passes.end());
    for (const std::size_t size : o.sizes) {
      for (const auto& pass : passes) {
        // Producers and consumers take the sink installed when they are created.
        unimq::set_metrics_sink(pass.metrics_on ? sink : nullptr);
        for (const auto& workload : workloads_of(o)) {
          const std::string series = pass.impl->name() + (pass.metrics_on ? "+metrics" : "") + "/" +
                                     workload + "/" + std::to_string(size);
          auto& topic = topics[series];
          if (topic.empty()) topic = topic_name(pass.impl->name(), workload, size);
          auto m = run_workload(*pass.impl, o, workload, {backend, topic, size});
          if (pass.metrics_on) m.workload += "+metrics";
          m.round = round;
          if (!o.json_only) unimq::bench::print_table_row(std::cout, m);
          std::cout.flush();
          results.push_back(std::move(m));
        }
      }
    }
  }
  unimq::set_metrics_sink(nullptr);
  const auto meds = unimq::bench::medians(results);
  if (!o.json_only) {
    std::cout << '\n';
    for (const auto& m : meds) unimq::bench::print_table_row(std::cout, m);
    std::cout << '\n';
  }
  for (const auto& m : results) std::cout << unimq::bench::to_json(m) << '\n';
  for (const auto& m : meds) std::cout << unimq::bench::to_json(m) << '\n';
  for (const auto& line : unimq::bench::comparisons(meds)) std::cout << line << '\n';
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
