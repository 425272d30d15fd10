// The raw C clients, one per broker, each configured as unimq's adapter configures the same
// client: same pipeline window, confirms, acks and prefetch. Built when the adapter is.
#pragma once

#include <memory>

#include "impl.hpp"

namespace unimq::bench {

/// hiredis: PUBLISH / SUBSCRIBE (mode=pubsub) or XADD / XREADGROUP + XACK (mode=streams).
std::unique_ptr<Impl> make_raw_redis(const Options& o);
/// cnats: core publish + flush round trip / subscription, or js_PublishAsync / pull fetch + ack.
std::unique_ptr<Impl> make_raw_nats(const Options& o);
/// rabbitmq-c: persistent basic.publish with confirms / basic.consume, manual ack, same prefetch.
std::unique_ptr<Impl> make_raw_rabbitmq(const Options& o);
/// librdkafka: rd_kafka_producev with the adapter's linger and acks / a group consumer.
std::unique_ptr<Impl> make_raw_kafka(const Options& o);

}  // namespace unimq::bench
