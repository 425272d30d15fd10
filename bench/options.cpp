// Flag parsing: plain `--flag value` pairs, strict so a typo never silently runs the default.
#include "options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <iostream>
#include <stdexcept>
#include <string_view>

namespace unimq::bench {
namespace {

constexpr std::string_view kUsage = R"(usage: unimq-bench [flags]

Publish -> consume throughput through the unimq SDK: one producer, one consumer
(concurrency 1, auto ack). Rates are measured from the first publish to the last
message handled ("publish_consume") and, with no consumer, from the first publish
to the last broker confirmation ("publish"). MB/s counts payload bytes (10^6).

  --url URL             broker URL (default memory://)
  --messages N          messages per round (default 2000000)
  --size BYTES          payload size (default 100)
  --rounds N            rounds; the median is reported too (default 3)
  --json-only           print only the JSON lines
  --workload W          all, publish or publish_consume (default all)
  --batch-size N        producer batch_size (default 1024)
  --buffer-capacity N   producer buffer_capacity (default 1048576)
  --max-in-flight N     consumer max_in_flight (default 65536)
  --stall-seconds N     fail a round after N seconds without progress (default 30)
  --metrics M           off, prometheus (exporter installed) or ab (both per round, in
                        alternating order, with the with/without ratio of the medians; needs
                        -DUNIMQ_WITH_PROMETHEUS=ON) (default off)
)";

constexpr std::array<std::string_view, 10> kValueFlags = {
    "--url",        "--messages",        "--size",          "--rounds",        "--workload",
    "--batch-size", "--buffer-capacity", "--max-in-flight", "--stall-seconds", "--metrics"};

template <typename T>
T parse_number(std::string_view flag, std::string_view text, T min) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min) {
    throw std::invalid_argument(std::string(flag) + ": expected an integer >= " +
                                std::to_string(min) + ", got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      return std::nullopt;
    }
    if (flag == "--json-only") {
      o.json_only = true;
      continue;
    }
    if (std::find(kValueFlags.begin(), kValueFlags.end(), flag) == kValueFlags.end()) {
      throw std::invalid_argument("unknown flag '" + std::string(flag) + "' (see --help)");
    }
    if (i + 1 >= argc) throw std::invalid_argument(std::string(flag) + ": missing value");
    const std::string_view value = argv[++i];
    if (flag == "--url") {
      o.url = value;
    } else if (flag == "--workload") {
      if (value != "all" && value != "publish" && value != "publish_consume") {
        throw std::invalid_argument("--workload: expected all, publish or publish_consume, got '" +
                                    std::string(value) + "'");
      }
      o.workload = value;
    } else if (flag == "--messages") {
      o.messages = parse_number<std::uint64_t>(flag, value, 1);
    } else if (flag == "--size") {
      o.size = parse_number<std::size_t>(flag, value, 0);
    } else if (flag == "--rounds") {
      o.rounds = parse_number<unsigned>(flag, value, 1);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<std::size_t>(flag, value, 1);
    } else if (flag == "--buffer-capacity") {
      o.buffer_capacity = parse_number<std::size_t>(flag, value, 1);
    } else if (flag == "--max-in-flight") {
      o.max_in_flight = parse_number<std::uint32_t>(flag, value, 1);
    } else if (flag == "--stall-seconds") {
      o.stall_seconds = parse_number<unsigned>(flag, value, 1);
    } else if (flag == "--metrics") {
      if (value != "off" && value != "prometheus" && value != "ab") {
        throw std::invalid_argument("--metrics: expected off, prometheus or ab, got '" +
                                    std::string(value) + "'");
      }
      o.metrics = value;
    }
  }
  return o;
}

}  // namespace unimq::bench
