// A private Apache Kafka broker per test (KRaft, one process that is broker and controller),
// alone or as a node of a KafkaCluster.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "process.hpp"

namespace unimq::test {

/// A private Kafka broker for one test: its own free loopback ports (clients and controller)
/// and a temporary directory holding its configuration, its KRaft log directory and its output,
/// so it never meets another broker on the machine. It runs `java -cp <jars> kafka.Kafka` as a
/// ChildProcess whose PID is the JVM's, so kill9() hits exactly the broker. The jars are those
/// tools/kafka-broker/pom.xml pins: $UNIMQ_KAFKA_CLASSPATH (exported by scripts/lib/brokers.sh),
/// else the source tree's tools/kafka-broker/target/dependency (after `mvn
/// dependency:copy-dependencies` there). Starting takes seconds (about 5 on an idle machine).
/// Not thread-safe: one test thread drives it.
///
///     unimq::test::KafkaProcess kafka;
///     auto client = unimq::Client::connect(kafka.url());
///     kafka.kill9();
///     kafka.restart();  // same ports and log directory
class KafkaProcess {
 public:
  /// The java class path of the broker's jars.
  static std::string classpath();
  /// Whether java and the broker's jars are there.
  static bool available();

  /// Where a node of a cluster listens and who its peers are (KafkaCluster fills it in).
  struct Node {
    int id = 1;                         ///< node.id
    std::uint16_t port = 0;             ///< client listener on 127.0.0.1
    std::uint16_t controller_port = 0;  ///< controller listener on 127.0.0.1
    std::string voters;                 ///< controller.quorum.voters of the whole cluster
    int replicas = 1;                   ///< default and internal topics' replication factor
    /// The client port the broker advertises (a TcpProxy's, so clients talk to it through the
    /// proxy); 0: `port`.
    std::uint16_t advertised_port = 0;
  };

  /// Formats a log directory and starts the broker; waits until it accepts connections and has
  /// logged its start (at most 90 s). Throws std::runtime_error with the broker's output when it
  /// does not come up.
  KafkaProcess();
  /// A node of a cluster: configured and formatted with `cluster_id`, not started. Its peers
  /// must run too before it reports its start, so start() them all, then await_start() each.
  KafkaProcess(const Node& node, const std::string& cluster_id);
  /// Stops the broker (SIGTERM, then SIGKILL) and removes its directory.
  ~KafkaProcess();
  KafkaProcess(const KafkaProcess&) = delete;
  KafkaProcess& operator=(const KafkaProcess&) = delete;

  /// A cluster id for StorageTool format: 16 random bytes, URL-safe base64 without padding.
  static std::string random_cluster_id();

  /// The client port on 127.0.0.1; unchanged by restart().
  std::uint16_t port() const noexcept { return node_.port; }
  /// The node id (1 for a broker alone).
  int id() const noexcept { return node_.id; }
  /// `kafka://127.0.0.1:<port>`, plus `?<query>` when `query` is not empty.
  std::string url(std::string_view query = {}) const;
  /// `127.0.0.1:<port>`, for kcat and librdkafka.
  std::string bootstrap() const;
  /// The broker's directory (configuration, data/, output); unchanged by restart().
  const std::filesystem::path& dir() const noexcept { return dir_; }
  /// The JVM's process id; -1 while it is not running.
  pid_t pid() const noexcept { return server_.pid(); }
  /// How long the last start or restart took until the broker was ready.
  std::chrono::milliseconds last_start() const noexcept { return last_start_; }

  /// Starts the JVM (of a cluster node) without waiting; throws when it cannot be spawned.
  void start();
  /// Waits until the started broker is ready (at most 90 s); throws with its output when not.
  void await_start();

  /// Kills the broker with SIGKILL and reaps it: no shutdown, no flush, connections dropped.
  void kill9();
  /// Starts the broker again with the same ports and log directory (killing it first if it
  /// still runs) and waits until it is ready, i.e. recovered its logs.
  void restart();
  /// The end of the broker's output, for failure messages.
  std::string log() const;

 private:
  bool launch(std::string& why);
  bool spawn(std::string& why);
  bool await_ready(std::chrono::steady_clock::time_point started, std::string& why);
  bool format(const std::string& cluster_id, std::string& why) const;
  void write_config() const;

  std::filesystem::path dir_;
  Node node_;
  ChildProcess server_;
  std::chrono::steady_clock::time_point spawned_;
  std::chrono::milliseconds last_start_{0};
  int starts_ = 0;
};

}  // namespace unimq::test
