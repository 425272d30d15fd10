// Three KafkaProcess nodes sharing one cluster id and controller quorum; leaders are read with
// a librdkafka metadata request.
#include "kafka_cluster.hpp"

#include <librdkafka/rdkafka.h>

#include <array>
#include <stdexcept>
#include <thread>

namespace unimq::test {

KafkaCluster::KafkaCluster() {
  const auto started = std::chrono::steady_clock::now();
  const auto ports = free_loopback_ports(2 * size);
  std::string voters;
  for (int i = 0; i < size; ++i) {
    if (i > 0) voters += ",";
    voters += std::to_string(i + 1) + "@127.0.0.1:" + std::to_string(ports[2 * i + 1]);
  }
  const std::string cluster_id = KafkaProcess::random_cluster_id();
  for (int i = 0; i < size; ++i) {
    KafkaProcess::Node node{.id = i + 1,
                            .port = ports[2 * i],
                            .controller_port = ports[2 * i + 1],
                            .voters = voters,
                            .replicas = size};
    nodes_.push_back(std::make_unique<KafkaProcess>(node, cluster_id));
  }
  // A node reports its start only once a quorum of controllers elected a leader: all first.
  for (auto& n : nodes_) n->start();
  for (auto& n : nodes_) n->await_start();
  start_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
}

KafkaCluster::~KafkaCluster() = default;

std::string KafkaCluster::bootstrap() const {
  std::string out;
  for (const auto& n : nodes_) out += (out.empty() ? "" : ",") + n->bootstrap();
  return out;
}

std::string KafkaCluster::url(std::string_view query) const {
  std::string out = "kafka://" + bootstrap();
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

KafkaProcess& KafkaCluster::node(int id) {
  if (id < 1 || id > size) throw std::out_of_range("no kafka node " + std::to_string(id));
  return *nodes_[static_cast<std::size_t>(id - 1)];
}

int KafkaCluster::leader(const std::string& topic, std::int32_t partition,
                         std::chrono::milliseconds timeout) const {
  std::string servers;
  for (const auto& n : nodes_) {
    if (n->pid() > 0) servers += (servers.empty() ? "" : ",") + n->bootstrap();
  }
  std::array<char, 512> err{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", servers.c_str(), err.data(), err.size()) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(err.data());
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err.data(), err.size());
  if (rk == nullptr) throw std::runtime_error(err.data());
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  int found = -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // Right after a kill the metadata may still name the dead node, or no leader (-1): asked
  // again until a node that runs leads.
  while (found < 0 && std::chrono::steady_clock::now() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      for (int t = 0; t < md->topic_cnt; ++t) {
        for (int p = 0; p < md->topics[t].partition_cnt; ++p) {
          const auto& part = md->topics[t].partitions[p];
          if (part.id != partition || part.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
          if (part.leader >= 1 && part.leader <= size &&
              nodes_[static_cast<std::size_t>(part.leader - 1)]->pid() > 0) {
            found = part.leader;
          }
        }
      }
      rd_kafka_metadata_destroy(md);
    }
    if (found < 0) std::this_thread::sleep_for(std::chrono::milliseconds{200});
  }
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return found;
}

}  // namespace unimq::test
