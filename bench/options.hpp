// Command-line settings of unimq-bench.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace unimq::bench {

struct Options {
  std::string url = "memory://";
  std::uint64_t messages = 2'000'000;
  std::vector<std::size_t> sizes{100};  // payload bytes; every size runs every workload
  unsigned rounds = 3;
  bool json_only = false;
  // Which implementations run: "unimq", "raw" (the broker's C client) or "ab" (both, per round).
  std::string impl = "unimq";
  // Latency workload: publish rate (msgs/s) and messages per round.
  double rate = 5000;
  std::uint64_t latency_messages = 20'000;
  // Which workloads run: "all", "publish", "publish_consume" or "latency" (one alone is easier
  // to profile).
  std::string workload = "all";
  // Producer and consumer tuning; defaults chosen for throughput, flags exist so a backend whose
  // sweet spot differs can be measured without recompiling. Measured on memory:// (2 cores):
  // batches above ~1024 got slower (the producer moves a whole batch under its lock). The count
  // limit is large so that the byte limit, left at the library's default, is what bounds the
  // buffer: measured 2026-11-24 (NATS core and Redis, 100 B to 64 KiB), 4 to 8 MiB buffered ran
  // faster and with a fraction of the CPU and page faults of 32 MiB or of no byte limit, since
  // every message buffered while the publisher runs ahead is memory touched afresh.
  std::size_t batch_size = 1024;
  std::size_t buffer_capacity = 1 << 20;
  std::size_t buffer_bytes = 0;  // 0: the library's default
  std::uint32_t max_in_flight = 1 << 16;
  // How publish and publish_consume hand the payload over: "shared" (every message shares one
  // payload, as the raw clients send from one buffer; unimq::Message's shared payload) or "copy"
  // (every message copies it, as a Message built from bytes does). The latency workload stamps
  // each message, so it always copies.
  std::string payload = "shared";
  // Seconds without any progress before a round is declared stuck (a lost message must fail the
  // run, not hang it).
  unsigned stall_seconds = 30;
  // Metrics while measuring: "off" (no sink), "prometheus" (the Prometheus exporter installed)
  // or "ab" (each round runs off, then with the exporter, as "<workload>+metrics", and the
  // medians' ratio is reported).
  std::string metrics = "off";
};

/// Parses argv. Prints usage and returns nullopt on --help; throws std::invalid_argument naming
/// the flag on bad input.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace unimq::bench
