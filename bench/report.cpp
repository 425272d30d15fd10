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

bool same_series(const Measurement& a, const Measurement& b) {
  return a.backend == b.backend && a.impl == b.impl && a.workload == b.workload && a.size == b.size;
}

// The median of `values` (the two middle ones averaged for an even count).
double median_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const auto mid = values.size() / 2;
  return values.size() % 2 == 0 ? (values[mid - 1] + values[mid]) / 2 : values[mid];
}

std::string number(double v, int decimals = 3) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::vector<Measurement> medians(const std::vector<Measurement>& rounds) {
  std::vector<Measurement> out;
  for (const auto& first : rounds) {
    if (std::any_of(out.begin(), out.end(),
                    [&](const Measurement& m) { return same_series(m, first); })) {
      continue;
    }
    std::vector<double> secs, p50, p99, p999;
    for (const auto& m : rounds) {
      if (!same_series(m, first)) continue;
      secs.push_back(m.seconds);
      p50.push_back(m.p50_us);
      p99.push_back(m.p99_us);
      p999.push_back(m.p999_us);
    }
    // Every round moves the same number of messages, so the median time is the median rate.
    Measurement med = first;
    med.seconds = median_of(secs);
    med.p50_us = median_of(p50);
    med.p99_us = median_of(p99);
    med.p999_us = median_of(p999);
    med.round = 0;
    out.push_back(med);
  }
  return out;
}

void print_table_header(std::ostream& out) {
  char line[200];
  std::snprintf(line, sizeof line, "%-14s %-9s %-24s %-6s %6s %9s %9s %12s %9s  %s\n", "backend",
                "impl", "workload", "round", "size", "msgs", "seconds", "msgs/s", "MB/s",
                "p50/p99/p99.9 us");
  out << line;
}

void print_table_row(std::ostream& out, const Measurement& m) {
  char line[240];
  const std::string round = m.round == 0 ? "median" : std::to_string(m.round);
  std::string latency;
  if (m.is_latency()) latency = number(m.p50_us) + "/" + number(m.p99_us) + "/" + number(m.p999_us);
  std::snprintf(line, sizeof line, "%-14s %-9s %-24s %-6s %6zu %9llu %9.3f %12.0f %9.1f  %s\n",
                m.backend.c_str(), m.impl.c_str(), m.workload.c_str(), round.c_str(), m.size,
                static_cast<unsigned long long>(m.msgs), m.seconds, m.msgs_per_s(), m.mb_per_s(),
                latency.c_str());
  out << line;
}

std::string to_json(const Measurement& m) {
  char numbers[200];
  std::snprintf(numbers, sizeof numbers,
                "\"size\":%zu,\"msgs\":%llu,\"seconds\":%.6f,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f",
                m.size, static_cast<unsigned long long>(m.msgs), m.seconds, m.msgs_per_s(),
                m.mb_per_s());
  std::string latency;
  if (m.is_latency()) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  ",\"rate\":%.1f,\"p50_us\":%.3f,\"p99_us\":%.3f,\"p999_us\":%.3f", m.rate,
                  m.p50_us, m.p99_us, m.p999_us);
    latency = buf;
  }
  const std::string round = m.round == 0 ? "\"median\"" : std::to_string(m.round);
  return "{\"backend\":" + json_string(m.backend) + ",\"impl\":" + json_string(m.impl) +
         ",\"workload\":" + json_string(m.workload) + "," + numbers + latency +
         ",\"round\":" + round + "}";
}

std::vector<std::string> comparisons(const std::vector<Measurement>& meds) {
  std::vector<std::string> lines;
  const std::string metrics_suffix = "+metrics";
  for (const auto& a : meds) {
    for (const auto& b : meds) {
      if (a.backend != b.backend || a.size != b.size) continue;
      const std::string head = "{\"backend\":" + json_string(a.backend) +
                               ",\"workload\":" + json_string(b.workload) +
                               ",\"size\":" + std::to_string(a.size);
      if (a.impl == "unimq" && b.impl == "raw" && a.workload == b.workload) {
        const double ua = a.is_latency() ? a.p99_us : a.msgs_per_s();
        const double rb = b.is_latency() ? b.p99_us : b.msgs_per_s();
        lines.push_back(head + ",\"unimq\":" + number(ua) + ",\"raw\":" + number(rb) +
                        ",\"ratio\":" + number(rb > 0 ? ua / rb : 0, 4) + "}");
      } else if (a.impl == b.impl && a.workload == b.workload + metrics_suffix && !a.is_latency()) {
        const double without = b.msgs_per_s();
        lines.push_back(head + ",\"metrics_ratio\":" +
                        number(without > 0 ? a.msgs_per_s() / without : 0, 4) + "}");
      }
    }
  }
  return lines;
}

}  // namespace unimq::bench
