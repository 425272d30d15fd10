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

The same workloads through unimq and, with --impl raw|ab, through the broker's raw C
client with equal settings (same batching, confirms, acks and prefetch):
  publish          one publisher, no consumer: first send to last broker confirmation
  publish_consume  one subscription (one consumer, ack after each message), then one
                   publisher: first send to last message received
  latency          --latency-messages sent at --rate per second, each stamped with its
                   send time: p50/p99/p99.9 of send-to-receive time
MB/s counts payload bytes (10^6). Each round uses fresh topics.

  --url URL             broker URL (default memory://)
  --impl I              unimq, raw, or ab (both per round, in alternating order, with the
                        unimq/raw ratio of the medians) (default unimq)
  --messages N          messages per throughput round (default 2000000)
  --size BYTES          payload size (default 100); --sizes 100,1024,65536 runs several
  --rounds N            rounds; the median is reported too (default 3)
  --json-only           print only the JSON lines
  --workload W          all, publish, publish_consume or latency (default all)
  --rate R              latency: messages per second (default 5000)
  --latency-messages N  latency: messages per round (default 20000)
  --batch-size N        producer batch_size (default 1024); raw: the pipeline window
  --buffer-capacity N   producer buffer_capacity (default 1048576)
  --buffer-bytes N      producer buffer_bytes (default: the library's)
  --max-in-flight N     consumer max_in_flight (default 65536); raw: the prefetch
  --stall-seconds N     fail a round after N seconds without progress (default 30)
  --payload P           publish, publish_consume: shared (every message shares one payload,
                        as the raw clients send one buffer) or copy (each message copies it)
                        (default shared)
  --metrics M           off, prometheus (exporter installed) or ab (both per round, in
                        alternating order, with the with/without ratio of the medians; needs
                        -DUNIMQ_WITH_PROMETHEUS=ON) (default off)
)";

constexpr std::array<std::string_view, 16> kValueFlags = {"--url",
                                                          "--messages",
                                                          "--size",
                                                          "--sizes",
                                                          "--rounds",
                                                          "--workload",
                                                          "--batch-size",
                                                          "--buffer-capacity",
                                                          "--buffer-bytes",
                                                          "--max-in-flight",
                                                          "--stall-seconds",
                                                          "--metrics",
                                                          "--impl",
                                                          "--rate",
                                                          "--latency-messages",
                                                          "--payload"};

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
      if (value != "all" && value != "publish" && value != "publish_consume" &&
          value != "latency") {
        throw std::invalid_argument(
            "--workload: expected all, publish, publish_consume or latency, got '" +
            std::string(value) + "'");
      }
      o.workload = value;
    } else if (flag == "--impl") {
      if (value != "unimq" && value != "raw" && value != "ab") {
        throw std::invalid_argument("--impl: expected unimq, raw or ab, got '" +
                                    std::string(value) + "'");
      }
      o.impl = value;
    } else if (flag == "--sizes") {
      o.sizes.clear();
      std::string_view rest = value;
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        o.sizes.push_back(parse_number<std::size_t>(flag, rest.substr(0, comma), 0));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      }
      if (o.sizes.empty()) throw std::invalid_argument("--sizes: expected e.g. 100,1024");
    } else if (flag == "--rate") {
      o.rate = static_cast<double>(parse_number<std::uint64_t>(flag, value, 1));
    } else if (flag == "--latency-messages") {
      o.latency_messages = parse_number<std::uint64_t>(flag, value, 1);
    } else if (flag == "--messages") {
      o.messages = parse_number<std::uint64_t>(flag, value, 1);
    } else if (flag == "--size") {
      o.sizes = {parse_number<std::size_t>(flag, value, 0)};
    } else if (flag == "--rounds") {
      o.rounds = parse_number<unsigned>(flag, value, 1);
    } else if (flag == "--batch-size") {
      o.batch_size = parse_number<std::size_t>(flag, value, 1);
    } else if (flag == "--buffer-capacity") {
      o.buffer_capacity = parse_number<std::size_t>(flag, value, 1);
    } else if (flag == "--buffer-bytes") {
      o.buffer_bytes = parse_number<std::size_t>(flag, value, 1);
    } else if (flag == "--max-in-flight") {
      o.max_in_flight = parse_number<std::uint32_t>(flag, value, 1);
    } else if (flag == "--stall-seconds") {
      o.stall_seconds = parse_number<unsigned>(flag, value, 1);
    } else if (flag == "--payload") {
      if (value != "shared" && value != "copy") {
        throw std::invalid_argument("--payload: expected shared or copy, got '" +
                                    std::string(value) + "'");
      }
      o.payload = value;
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
