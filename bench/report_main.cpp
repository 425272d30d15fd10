// unimq-bench-report: reads the JSON lines of unimq-bench and of the peers (bench/peers/) from
// stdin and prints, per backend, workload and size, the medians side by side with their ratios:
// a Markdown table, then one JSON line each,
// {"backend","workload","size","unimq","raw","ratio","watermill","peer_ratio"} (absent fields
// are omitted). Throughput compares msgs/s (ratio > 1: unimq is faster); latency compares p99
// in microseconds (ratio < 1: unimq is faster).
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <tuple>

namespace {

using Key = std::tuple<std::string, std::string, std::size_t>;  // backend, workload, size

std::string cell(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v >= 1000 ? "%.0f" : "%.1f", v);
  return buf;
}

std::string ratio_cell(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

}  // namespace

int main() {
  std::map<Key, std::map<std::string, double>> values;  // impl -> median
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty() || line.front() != '{') continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("impl") || !j.contains("round")) continue;
    if (!j["round"].is_string() || j["round"] != "median") continue;
    const std::string workload = j.value("workload", "");
    if (workload.find("+metrics") != std::string::npos) continue;
    const bool latency = workload == "latency";
    const double value = latency ? j.value("p99_us", 0.0) : j.value("msgs_per_s", 0.0);
    values[{j.value("backend", ""), workload, j.value("size", std::size_t{0})}]
          [j.value("impl", "")] = value;
  }
  std::cout << "| backend | workload | size | unimq | raw | unimq/raw | watermill | "
               "unimq/watermill |\n|---|---|---:|---:|---:|---:|---:|---:|\n";
  nlohmann::json lines = nlohmann::json::array();
  for (const auto& [key, by_impl] : values) {
    const auto& [backend, workload, size] = key;
    auto get = [&](const char* impl) {
      const auto it = by_impl.find(impl);
      return it == by_impl.end() ? -1.0 : it->second;
    };
    const double unimq = get("unimq"), raw = get("raw"), peer = get("watermill");
    nlohmann::json out{{"backend", backend}, {"workload", workload}, {"size", size}};
    std::string row = "| " + backend + " | " + workload +
                      (workload == "latency" ? " p99 us" : " msg/s") + " | " +
                      std::to_string(size) + " | ";
    row += (unimq >= 0 ? cell(unimq) : "") + " | " + (raw >= 0 ? cell(raw) : "") + " | ";
    if (unimq >= 0) out["unimq"] = unimq;
    if (raw >= 0) out["raw"] = raw;
    if (unimq > 0 && raw > 0) {
      out["ratio"] = unimq / raw;
      row += ratio_cell(unimq / raw);
    }
    row += " | " + (peer >= 0 ? cell(peer) : "") + " | ";
    if (peer >= 0) out["watermill"] = peer;
    if (unimq > 0 && peer > 0) {
      out["peer_ratio"] = unimq / peer;
      row += ratio_cell(unimq / peer);
    }
    std::cout << row << " |\n";
    lines.push_back(out);
  }
  std::cout << '\n';
  for (const auto& l : lines) std::cout << l.dump() << '\n';
  return 0;
}
