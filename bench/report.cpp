// Rendering of measurements; printf-style formatting keeps the columns and JSON numbers fixed.
#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <ostream>
#include <string>

namespace unimq::bench {
namespace {

// Backend and workload names are ours or a URL scheme; escaping keeps the line valid anyway.
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + '"';
}

}  // namespace

std::vector<Measurement> medians(const std::vector<Measurement>& rounds) {
  std::vector<std::string> workloads;
  for (const auto& m : rounds) {
    if (std::find(workloads.begin(), workloads.end(), m.workload) == workloads.end()) {
      workloads.push_back(m.workload);
    }
  }
  std::vector<Measurement> out;
  for (const auto& w : workloads) {
    std::vector<Measurement> same;
    std::copy_if(rounds.begin(), rounds.end(), std::back_inserter(same),
                 [&](const Measurement& m) { return m.workload == w; });
    std::sort(same.begin(), same.end(),
              [](const Measurement& a, const Measurement& b) { return a.seconds < b.seconds; });
    // Every round moves the same number of messages, so the median time is the median rate; with
    // an even count the two middle times are averaged.
    Measurement med = same[same.size() / 2];
    if (same.size() % 2 == 0) med.seconds = (med.seconds + same[same.size() / 2 - 1].seconds) / 2;
    med.round = 0;
    out.push_back(med);
  }
  return out;
}

void print_table_header(std::ostream& out) {
  char line[160];
  std::snprintf(line, sizeof line, "%-8s %-16s %-6s %6s %10s %9s %14s %10s\n", "backend",
                "workload", "round", "size", "msgs", "seconds", "msgs/s", "MB/s");
  out << line;
}

void print_table_row(std::ostream& out, const Measurement& m) {
  char line[200];
  const std::string round = m.round == 0 ? "median" : std::to_string(m.round);
  std::snprintf(line, sizeof line, "%-8s %-16s %-6s %6zu %10llu %9.3f %14.0f %10.1f\n",
                m.backend.c_str(), m.workload.c_str(), round.c_str(), m.size,
                static_cast<unsigned long long>(m.msgs), m.seconds, m.msgs_per_s(), m.mb_per_s());
  out << line;
}

std::string to_json(const Measurement& m) {
  char numbers[160];
  std::snprintf(numbers, sizeof numbers,
                "\"size\":%zu,\"msgs\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f",
                m.size, static_cast<unsigned long long>(m.msgs), m.seconds, m.msgs_per_s(),
                m.mb_per_s());
  const std::string round = m.round == 0 ? "\"median\"" : std::to_string(m.round);
  return "{\"backend\":" + json_string(m.backend) +
         ",\"impl\":\"unimq\",\"workload\":" + json_string(m.workload) + "," + numbers +
         ",\"round\":" + round + "}";
}

}  // namespace unimq::bench
