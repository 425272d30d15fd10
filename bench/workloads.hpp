// The workloads, written once over bench::Impl so unimq and a raw client run the same loop. Each
// round uses a fresh topic name, so a durable broker never feeds one round's messages to another.
#pragma once

#include <string>

#include "impl.hpp"
#include "options.hpp"
#include "report.hpp"

namespace unimq::bench {

/// What one workload run is about.
struct Run {
  std::string backend;  ///< backend_of(url)
  std::string topic;
  std::size_t size = 0;  ///< payload bytes
};

/// Publishes o.messages with no consumer; timed from the first send to the last confirmation.
Measurement run_publish(Impl& impl, const Options& o, const Run& run);

/// One subscription, then o.messages published; timed from the first send to the last message
/// received. Throws std::runtime_error when a message is lost, duplicated or arrives altered.
Measurement run_publish_consume(Impl& impl, const Options& o, const Run& run);

/// o.latency_messages published at o.rate per second, each stamped with its send time; the
/// subscription records receive time minus send time. Reports p50, p99 and p99.9.
Measurement run_latency(Impl& impl, const Options& o, const Run& run);

}  // namespace unimq::bench
