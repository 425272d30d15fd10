// Which backend a URL selects, and the raw client that goes with it.
#include <stdexcept>

#include "impl.hpp"
#include "raw/raw_clients.hpp"
#include "unimq/driver/broker_url.hpp"

namespace unimq::bench {

std::string backend_of(const std::string& url) {
  const auto u = driver::BrokerUrl::parse(url);
  if (u.scheme == "redis" || u.scheme == "rediss") {
    return u.option_string("mode", "pubsub") == "streams" ? "redis_streams" : "redis";
  }
  if (u.scheme == "nats" || u.scheme == "tls") {
    return u.option_bool("jetstream", false) ? "jetstream" : "nats";
  }
  if (u.scheme == "amqp" || u.scheme == "amqps") {
    return u.option_string("queue_type", "classic") == "quorum" ? "rabbitmq_quorum" : "rabbitmq";
  }
  return u.scheme;  // memory, kafka
}

std::unique_ptr<Impl> make_raw_impl(const std::string& backend, const Options& o) {
#ifdef UNIMQ_BENCH_RAW_REDIS
  if (backend == "redis" || backend == "redis_streams") return make_raw_redis(o);
#endif
#ifdef UNIMQ_BENCH_RAW_NATS
  if (backend == "nats" || backend == "jetstream") return make_raw_nats(o);
#endif
#ifdef UNIMQ_BENCH_RAW_RABBITMQ
  if (backend == "rabbitmq" || backend == "rabbitmq_quorum") return make_raw_rabbitmq(o);
#endif
#ifdef UNIMQ_BENCH_RAW_KAFKA
  if (backend == "kafka") return make_raw_kafka(o);
#endif
  (void)backend;
  (void)o;
  return nullptr;
}

}  // namespace unimq::bench
