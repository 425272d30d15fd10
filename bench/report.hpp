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
  std::string backend;   // "memory", "kafka", ...
  std::string workload;  // "publish" or "publish_consume"
  std::size_t size = 0;  // payload bytes per message
  std::uint64_t msgs = 0;
  double seconds = 0;
  unsigned round = 0;  // 1-based; 0 marks the median over rounds

  double msgs_per_s() const { return seconds > 0 ? static_cast<double>(msgs) / seconds : 0; }
  double mb_per_s() const { return msgs_per_s() * static_cast<double>(size) / 1e6; }
};

/// The median (by seconds) of each workload's rounds, in first-seen workload order.
std::vector<Measurement> medians(const std::vector<Measurement>& rounds);

void print_table_header(std::ostream& out);
void print_table_row(std::ostream& out, const Measurement& m);
/// One line of JSON, no trailing newline; `round` is "median" for a median.
std::string to_json(const Measurement& m);

}  // namespace unimq::bench
