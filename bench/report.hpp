// Measurements and their two renderings: a human table and one JSON line each. The JSON schema is
// shared with the peer benchmarks (bench/peers/), so results of every implementation can be
// compared by one script.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace unimq::bench {

struct Measurement {
  std::string backend;         // "memory", "redis_streams", ...
  std::string impl = "unimq";  // "unimq" or "raw" (the peers print "watermill")
  std::string workload;        // "publish", "publish_consume" or "latency" (+"+metrics")
  std::size_t size = 0;        // payload bytes per message
  std::uint64_t msgs = 0;
  double seconds = 0;
  unsigned round = 0;  // 1-based; 0 marks the median over rounds
  // Latency only: the publish rate (msgs/s) and the percentiles of send-to-receive time.
  double rate = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;

  bool is_latency() const { return workload.rfind("latency", 0) == 0; }
  double msgs_per_s() const { return seconds > 0 ? static_cast<double>(msgs) / seconds : 0; }
  double mb_per_s() const { return msgs_per_s() * static_cast<double>(size) / 1e6; }
};

/// The median of each (backend, impl, workload, size)'s rounds, in first-seen order: by seconds
/// for throughput, each percentile on its own for latency.
std::vector<Measurement> medians(const std::vector<Measurement>& rounds);

void print_table_header(std::ostream& out);
void print_table_row(std::ostream& out, const Measurement& m);
/// One line of JSON, no trailing newline; `round` is "median" for a median.
std::string to_json(const Measurement& m);

/// unimq against raw per workload and size, from medians: one JSON line each,
/// {"backend","workload","size","unimq","raw","ratio"} with msgs/s for throughput (ratio
/// unimq/raw, higher is better) and p99 in microseconds for latency (ratio unimq/raw, lower is
/// better). With `metrics` the pairs are "<workload>+metrics" against "<workload>" of unimq and
/// the line is {"backend","workload","size","metrics_ratio"}.
std::vector<std::string> comparisons(const std::vector<Measurement>& meds);

}  // namespace unimq::bench
