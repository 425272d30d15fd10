// librdkafka configuration and error mapping shared by the producer, consumer and admin handles.
#include "kafka_handle.hpp"

#include <algorithm>
#include <array>

#include "internal/log.hpp"
#include "unimq/error.hpp"

namespace unimq::kafka {
namespace {

// Properties the adapter sets itself: overriding them would break what it promises (offsets
// committed only once acknowledged, one group per consumer as the API names it).
constexpr std::array<std::string_view, 7> managed = {
    "bootstrap.servers",   "metadata.broker.list",     "group.id",
    "enable.auto.commit",  "enable.auto.offset.store", "test.mock.num.brokers",
    "enable.partition.eof"};

// librdkafka's logs go to the unimq logger; its levels are syslog's. Runs on librdkafka's
// threads, so nothing may throw out of it.
void on_log(const rd_kafka_t* rk, int level, const char* fac, const char* buf) noexcept {
  try {
    auto* state = static_cast<HandleState*>(rd_kafka_opaque(rk));
    const std::string text = "kafka " + (state != nullptr ? state->name : std::string("client")) +
                             ": " + fac + ": " + buf;
    // Level 3 (LOG_ERR) is mostly a broker connection failing, which librdkafka retries by
    // itself: a warning, like the disconnects it reports at level 4.
    if (level <= 2) {
      detail::log_error(text);
    } else if (level <= 4) {
      detail::log_warn(text);
    } else if (level == 5) {
      detail::log_info(text);
    } else {
      detail::log_debug(text);
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): a log line must never take the process down
  }
}

// Errors librdkafka does not tie to a request (broker down, fatal idempotence failure). Most are
// informational because librdkafka reconnects by itself; a fatal one makes the handle unusable,
// which the sender and receiver check for.
void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) noexcept {
  try {
    auto* state = static_cast<HandleState*>(opaque);
    const std::string name = state != nullptr ? state->name : std::string("client");
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      std::array<char, 512> buf{};
      const rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, buf.data(), buf.size());
      const std::string why = std::string(rd_kafka_err2name(orig)) + ": " + buf.data();
      if (state != nullptr) {
        std::lock_guard lock(state->mu);
        state->fatal_reason = why;
        state->fatal.store(true);
      }
      detail::log_error("kafka " + name + ": fatal error, the client is unusable: " + why);
      return;
    }
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    detail::log_warn("kafka " + name + ": " + rd_kafka_err2name(code) + ": " + reason);
  } catch (...) {  // NOLINT(bugprone-empty-catch): see on_log
  }
}

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
         const std::string& origin) {
  std::array<char, 512> err{};
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err.data(), err.size()) !=
      RD_KAFKA_CONF_OK) {
    throw ConfigError(origin + ": librdkafka refused property '" + name + "': " + err.data());
  }
}

}  // namespace

std::string HandleState::fatal_text() {
  std::lock_guard lock(mu);
  return fatal_reason;
}

ConfPtr make_conf(const Settings& settings, Role role, HandleState* state) {
  ConfPtr conf(rd_kafka_conf_new());
  const std::string origin = "broker URL '" + settings.display + "'";
  switch (role) {
    case Role::producer:
      // Idempotence: librdkafka retries without duplicating or reordering, and acks=all means a
      // confirmed message is on every in-sync replica. A short linger batches bursts without
      // holding a lone message back noticeably.
      set(conf.get(), "enable.idempotence", "true", origin);
      set(conf.get(), "acks", "all", origin);
      set(conf.get(), "linger.ms", "5", origin);
      // Messages without a key go to a random partition each, not to one partition per 10 ms
      // window (librdkafka's sticky default): the members of a group share the work even when
      // a burst is published within milliseconds.
      set(conf.get(), "sticky.partitioning.linger.ms", "0", origin);
      break;
    case Role::consumer:
      // A member found dead after 10 s (Kafka's default of 45 s leaves a crashed instance's
      // partitions idle that long); heartbeats often enough to learn of a rebalance quickly.
      set(conf.get(), "session.timeout.ms", "10000", origin);
      set(conf.get(), "heartbeat.interval.ms", "1000", origin);
      // Where a committed offset is gone (retention): start from the oldest message kept rather
      // than skip to the newest (at-least-once). New groups are positioned explicitly.
      set(conf.get(), "auto.offset.reset", "earliest", origin);
      break;
    case Role::admin:
      break;
  }
  for (const auto& [name, value] : settings.native) {
    if (std::find(managed.begin(), managed.end(), name) != managed.end()) {
      std::string why = origin;
      why += ": property 'kafka." + name;
      why +=
          "' is managed by unimq (hosts come from the URL, the group from the consumer options, "
          "offsets are committed once acknowledged)";
      throw ConfigError(why);
    }
    set(conf.get(), name, value, origin);
  }
  if (!settings.bootstrap.empty()) set(conf.get(), "bootstrap.servers", settings.bootstrap, origin);
  if (role == Role::consumer) {
    set(conf.get(), "enable.auto.commit", "false", origin);
    set(conf.get(), "enable.auto.offset.store", "false", origin);
  }
  if (state != nullptr) {
    rd_kafka_conf_set_opaque(conf.get(), state);
    rd_kafka_conf_set_log_cb(conf.get(), on_log);
    rd_kafka_conf_set_error_cb(conf.get(), on_error);
  }
  return conf;
}

HandlePtr make_handle(ConfPtr conf, rd_kafka_type_t type) {
  std::array<char, 512> err{};
  // rd_kafka_new takes the configuration only when it succeeds.
  HandlePtr rk(rd_kafka_new(type, conf.get(), err.data(), err.size()));
  if (!rk) throw ConfigError(std::string("kafka: cannot create client: ") + err.data());
  (void)conf.release();
  return rk;
}

driver::ErrorKind kind_of(rd_kafka_resp_err_t err) noexcept {
  using driver::ErrorKind;
  switch (err) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
      return ErrorKind::timeout;
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR:
    case RD_KAFKA_RESP_ERR_INVALID_PARTITIONS:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return ErrorKind::permanent;
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return ErrorKind::not_found;
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
      return ErrorKind::unauthorized;
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
      return ErrorKind::unsupported;
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
    case RD_KAFKA_RESP_ERR__DESTROY:
      return ErrorKind::closed;
    default:
      return ErrorKind::retryable;
  }
}

void throw_error(rd_kafka_resp_err_t err, const std::string& what) {
  const std::string text =
      what + ": " + rd_kafka_err2name(err) + " (" + rd_kafka_err2str(err) + ")";
  switch (kind_of(err)) {
    case driver::ErrorKind::timeout:
      throw TimeoutError(text);
    case driver::ErrorKind::permanent:
      throw ConfigError(text);
    case driver::ErrorKind::unsupported:
      throw UnsupportedError(text);
    case driver::ErrorKind::closed:
      throw ClosedError(text);
    default:
      throw ConnectionError(text);
  }
}

}  // namespace unimq::kafka
