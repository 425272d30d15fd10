// The throughput workloads. Each round uses a fresh topic, so every round starts from the same
// broker state (an empty topic) and leftovers of an earlier run never count.
#pragma once

#include <string>

#include "options.hpp"
#include "report.hpp"
#include "unimq/client.hpp"

namespace unimq::bench {

/// Publishes o.messages with no consumer; timed from the first publish to the last broker
/// confirmation.
Measurement run_publish(const Client& client, const Options& o, const std::string& topic);

/// One producer and one consumer (concurrency 1, auto ack); timed from the first publish to the
/// last message handled. Throws std::runtime_error when a message is lost, duplicated or fails.
Measurement run_publish_consume(const Client& client, const Options& o, const std::string& topic);

}  // namespace unimq::bench
