// Reads a consumer group's committed offsets straight from the broker (OffsetFetch through a
// librdkafka handle that never joins the group), for tests that check what unimq committed.
#pragma once

#include <librdkafka/rdkafka.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace unimq::test {

/// What the broker holds for one partition of a group.
struct Committed {
  std::int64_t offset = -1;  ///< The committed offset; negative when there is none.
  std::string metadata;      ///< The metadata committed with it.
};

/// `host:port,...` of a `kafka://host:port,...?options` URL.
inline std::string bootstrap_of(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  return rest.substr(0, rest.find_first_of("/?"));
}

/// A standalone librdkafka consumer with the group's id; it only fetches committed offsets.
/// Not thread-safe.
class OffsetReader {
 public:
  /// A reader of `group`'s offsets on the brokers of `url`.
  OffsetReader(const std::string& url, const std::string& group) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::array<char, 512> err{};
    const std::string bootstrap = bootstrap_of(url);
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err.data(), err.size()) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "group.id", group.c_str(), err.data(), err.size()) !=
            RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err.data(), err.size()) !=
            RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(err.data());
    }
    rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err.data(), err.size()));
    if (!rk_) {
      rd_kafka_conf_destroy(conf);
      throw std::runtime_error(err.data());
    }
  }

  /// The group's committed offset and metadata of `topic` partition `partition`.
  Committed committed(const std::string& topic, std::int32_t partition) {
    std::unique_ptr<rd_kafka_topic_partition_list_t,
                    decltype(&rd_kafka_topic_partition_list_destroy)>
        list(rd_kafka_topic_partition_list_new(1), &rd_kafka_topic_partition_list_destroy);
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
    const rd_kafka_resp_err_t err = rd_kafka_committed(rk_.get(), list.get(), 10000);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error(std::string("OffsetFetch failed: ") + rd_kafka_err2str(err));
    }
    Committed out;
    const auto& tp = list->elems[0];
    out.offset = tp.offset;
    if (tp.metadata != nullptr) {
      out.metadata.assign(static_cast<const char*>(tp.metadata), tp.metadata_size);
    }
    return out;
  }

 private:
  struct Destroy {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
  };
  std::unique_ptr<rd_kafka_t, Destroy> rk_;
};

}  // namespace unimq::test
