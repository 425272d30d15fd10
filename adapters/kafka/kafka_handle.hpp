// RAII over librdkafka's C handles, the configuration every handle starts from, and the mapping
// of librdkafka error codes to the driver's error kinds.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "kafka_settings.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::kafka {

/// What a librdkafka handle is for; decides the defaults make_conf() applies.
enum class Role {
  producer,  ///< Publishes (idempotent, acks=all, short linger).
  consumer,  ///< Reads a topic, as a group member or alone.
  admin,     ///< Creates topics and reads metadata.
};

/// Deletes librdkafka objects; each overload calls the matching destroy function.
struct RdDelete {
  void operator()(rd_kafka_conf_t* p) const noexcept { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_t* p) const noexcept { rd_kafka_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const noexcept {
    rd_kafka_topic_partition_list_destroy(p);
  }
  void operator()(rd_kafka_queue_t* p) const noexcept { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_event_t* p) const noexcept { rd_kafka_event_destroy(p); }
  void operator()(rd_kafka_headers_t* p) const noexcept { rd_kafka_headers_destroy(p); }
  void operator()(rd_kafka_topic_t* p) const noexcept { rd_kafka_topic_destroy(p); }
  void operator()(rd_kafka_message_t* p) const noexcept { rd_kafka_message_destroy(p); }
  void operator()(const rd_kafka_metadata_t* p) const noexcept { rd_kafka_metadata_destroy(p); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, RdDelete>;  ///< Owned conf.
using HandlePtr = std::unique_ptr<rd_kafka_t, RdDelete>;     ///< Owned handle.
using PartitionsPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, RdDelete>;  ///< Owned list.
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, RdDelete>;                      ///< Owned queue.
using EventPtr = std::unique_ptr<rd_kafka_event_t, RdDelete>;                      ///< Owned event.
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, RdDelete>;          ///< Owned headers.
using TopicPtr = std::unique_ptr<rd_kafka_topic_t, RdDelete>;              ///< Topic handle.
using MessagePtr = std::unique_ptr<rd_kafka_message_t, RdDelete>;          ///< Owned message.
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, RdDelete>;  ///< Owned metadata.

/// What librdkafka's callbacks of one handle report into (the handle's opaque). Thread-safe.
struct HandleState {
  std::string name;                ///< "producer", "consumer of 'orders'", ... for log lines.
  std::atomic<bool> fatal{false};  ///< librdkafka raised a fatal error; the handle is unusable.
  std::mutex mu;                   ///< Guards fatal_reason.
  std::string fatal_reason;        ///< librdkafka's description of the fatal error.
  void* owner = nullptr;           ///< The object the handle's own callbacks report to.

  /// The fatal error's description (empty when there was none).
  std::string fatal_text();
};

/// A configuration for `role`: the adapter's defaults, then the URL's kafka.<property> options,
/// then bootstrap.servers; log and error callbacks report into `state` (may be null while only
/// validating). Throws ConfigError with librdkafka's message for a property it refuses, and for
/// a property the adapter manages itself.
ConfPtr make_conf(const Settings& settings, Role role, HandleState* state);

/// Creates a handle of `type` from `conf` (consumed). Throws ConfigError with librdkafka's
/// message when the configuration is inconsistent.
HandlePtr make_handle(ConfPtr conf, rd_kafka_type_t type);

/// The driver's classification of a librdkafka error code.
driver::ErrorKind kind_of(rd_kafka_resp_err_t err) noexcept;

/// Throws the unimq::Error matching `err` with `what` and librdkafka's text of `err`.
[[noreturn]] void throw_error(rd_kafka_resp_err_t err, const std::string& what);

}  // namespace unimq::kafka
