// A named topic of a client: the factory of producers and consumers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "unimq/consumer.hpp"
#include "unimq/consumer_options.hpp"
#include "unimq/producer.hpp"
#include "unimq/producer_options.hpp"

namespace unimq {

namespace detail {
class ClientCore;
}

/// Settings of a topic that brokers need when creating it.
struct TopicOptions {
  std::uint32_t partitions = 1;   ///< Kafka partitions.
  std::uint16_t replication = 1;  ///< Kafka replication factor.
};

/// A topic of a client. A cheap copyable handle; thread-safe.
class Topic {
 public:
  /// The topic name.
  const std::string& name() const noexcept { return name_; }
  /// Opens a producer for this topic.
  Producer producer(const ProducerOptions& options = {}) const;
  /// Creates a consumer for this topic (call start() or run() on it). Throws ConfigError for
  /// invalid options and UnsupportedError when the backend lacks what they need.
  Consumer consumer(const ConsumerOptions& options = {}) const;

  /// Made by Client::topic().
  Topic(std::shared_ptr<detail::ClientCore> client, std::string name, TopicOptions options);

 private:
  std::shared_ptr<detail::ClientCore> client_;
  std::string name_;
  TopicOptions options_;
};

}  // namespace unimq
