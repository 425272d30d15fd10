// The throughput workloads. The consumer subscribes before the first publish and starts at the
// end of the topic, so only this round's messages count even when the topic is reused.
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
