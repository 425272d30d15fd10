// Three private Apache Kafka brokers forming one KRaft cluster, for failover tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kafka_process.hpp"

namespace unimq::test {

/// A KRaft cluster of three KafkaProcess nodes on loopback, each broker and controller (so the
/// controller quorum survives the loss of any one), topics replicated three times with
/// `min.insync.replicas=2`. About 1.5 GiB of heap in all; starting takes several seconds more
/// than one broker. Not thread-safe: one test thread drives it.
///
///     unimq::test::KafkaCluster cluster;
///     auto client = unimq::Client::connect(cluster.url());
///     cluster.node(cluster.leader("orders", 0)).kill9();
class KafkaCluster {
 public:
  /// Nodes in the cluster.
  static constexpr int size = 3;

  /// Formats and starts the three nodes and waits until every one is ready (at most 90 s each).
  /// Throws std::runtime_error with the failing node's output when one does not come up.
  KafkaCluster();
  /// Stops every node and removes their directories.
  ~KafkaCluster();
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  /// `127.0.0.1:<port>,…` of all nodes, for librdkafka and kcat.
  std::string bootstrap() const;
  /// `kafka://` plus every node, plus `?<query>` when `query` is not empty.
  std::string url(std::string_view query = {}) const;
  /// The node with node.id `id` (1 to 3).
  KafkaProcess& node(int id);
  /// How long the start of all three nodes took until the last was ready.
  std::chrono::milliseconds start_time() const noexcept { return start_time_; }

  /// The node id that leads `partition` of `topic` now, asked of the nodes that still run
  /// (a metadata request); -1 when no leader is known within `timeout`.
  int leader(const std::string& topic, std::int32_t partition,
             std::chrono::milliseconds timeout = std::chrono::seconds{10}) const;

 private:
  std::vector<std::unique_ptr<KafkaProcess>> nodes_;
  std::chrono::milliseconds start_time_{0};
};

}  // namespace unimq::test
