// A private Apache Kafka broker (a ChildProcess from process.hpp) run from the jars of
// tools/kafka-broker/pom.xml, with the settings scripts/lib/brokers.sh gives the harness broker.
#include "kafka_process.hpp"

#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace unimq::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A JVM start and the log recovery after a kill -9 take seconds; on a loaded machine several
// times longer.
constexpr auto boot_timeout = 90s;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  return all.str();
}

}  // namespace

std::string KafkaProcess::classpath() {
  return env_or("UNIMQ_KAFKA_CLASSPATH", UNIMQ_KAFKA_DEFAULT_CLASSPATH);
}

bool KafkaProcess::available() {
  const std::filesystem::path jars = std::filesystem::path(classpath()).parent_path();
  std::error_code ec;
  if (find_executable("java").empty() || !std::filesystem::is_directory(jars, ec)) return false;
  for (const auto& entry : std::filesystem::directory_iterator(jars, ec)) {
    if (entry.path().filename().string().rfind("kafka_2.13-", 0) == 0) return true;
  }
  return false;
}

std::string KafkaProcess::random_cluster_id() {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string out;
  // Not '-' first: StorageTool would read the id as an option (1 format in 64 failed so).
  out += alphabet[rd() % 62];
  for (int i = 1; i < 22; ++i) out += alphabet[rd() % 64];
  // The last character carries only 2 of the 128 bits: keep its low 4 bits zero.
  out.back() = alphabet[(rd() % 4) * 16];
  return out;
}

KafkaProcess::KafkaProcess() : dir_(make_temp_dir("unimq-kafka-")) {
  // A port may be taken by someone else between the probe and the broker's bind: then the
  // broker exits and other ports are tried.
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto ports = free_loopback_ports(2);
    node_.port = ports[0];
    node_.controller_port = ports[1];
    node_.voters = "1@127.0.0.1:" + std::to_string(node_.controller_port);
    if (!format(random_cluster_id(), why)) break;
    if (launch(why)) return;
  }
  const std::string output = log();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("kafka did not start: " + why + "\n" + output);
}

KafkaProcess::KafkaProcess(const Node& node, const std::string& cluster_id)
    : dir_(make_temp_dir("unimq-kafka-")), node_(node) {
  std::string why;
  if (!format(cluster_id, why)) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    throw std::runtime_error("kafka node " + std::to_string(node_.id) + ": " + why);
  }
}

bool KafkaProcess::format(const std::string& cluster_id, std::string& why) const {
  write_config();
  std::error_code ec;
  std::filesystem::remove_all(dir_ / "data", ec);
  const auto formatted =
      run_process({"java", "-cp", classpath(),
                   "-Dlog4j.configuration=file:" + (dir_ / "log4j.properties").string(),
                   "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c",
                   (dir_ / "server.properties").string()},
                  60s);
  if (formatted.exit_code == 0) return true;
  why = "formatting the log directory failed: " + formatted.out + formatted.err;
  return false;
}

KafkaProcess::~KafkaProcess() {
  server_.stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string KafkaProcess::url(std::string_view query) const {
  std::string out = "kafka://" + bootstrap();
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

std::string KafkaProcess::bootstrap() const {
  return "127.0.0.1:" + std::to_string(node_.port);
}

void KafkaProcess::write_config() const {
  const std::string d = dir_.string();
  std::ofstream conf(dir_ / "server.properties");
  const int replicas = node_.replicas;
  conf << "node.id=" << node_.id << "\n"
       << "process.roles=broker,controller\n"
       << "listeners=PLAINTEXT://127.0.0.1:" << node_.port
       << ",CONTROLLER://127.0.0.1:" << node_.controller_port << "\n"
       << "advertised.listeners=PLAINTEXT://127.0.0.1:"
       << (node_.advertised_port != 0 ? node_.advertised_port : node_.port) << "\n"
       << "controller.listener.names=CONTROLLER\n"
       << "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
       << "inter.broker.listener.name=PLAINTEXT\n"
       << "controller.quorum.voters=" << node_.voters << "\n"
       << "log.dirs=" << d << "/data\n"
       << "num.partitions=1\n"
       << "default.replication.factor=" << replicas
       << "\n"
       // With replicas, a write is acknowledged once two of them have it (acks=all), so the
       // loss of any one node loses no acknowledged record.
       << "min.insync.replicas=" << (replicas > 1 ? 2 : 1) << "\n"
       << "offsets.topic.replication.factor=" << replicas << "\n"
       << "offsets.topic.num.partitions=1\n"
       << "transaction.state.log.replication.factor=" << replicas << "\n"
       << "transaction.state.log.min.isr=" << (replicas > 1 ? 2 : 1) << "\n"
       << "group.initial.rebalance.delay.ms=0\n"
       << "auto.create.topics.enable=false\n";
  std::ofstream(dir_ / "log4j.properties")
      << "log4j.rootLogger=INFO, stdout\n"
      << "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
      << "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
      << "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
      << "log4j.logger.org.apache.kafka=WARN\n"
      << "log4j.logger.state.change.logger=WARN\n";
}

bool KafkaProcess::launch(std::string& why) {
  const auto started = Clock::now();
  return spawn(why) && await_ready(started, why);
}

bool KafkaProcess::spawn(std::string& why) {
  const std::string d = dir_.string();
  const std::vector<std::string> argv{"java",
                                      "-Xms256m",
                                      "-Xmx512m",
                                      "-Djava.awt.headless=true",
                                      "-Dlog4j.configuration=file:" + d + "/log4j.properties",
                                      "-Dkafka.logs.dir=" + d + "/logs",
                                      "-cp",
                                      classpath(),
                                      "kafka.Kafka",
                                      d + "/server.properties"};
  ++starts_;
  spawned_ = Clock::now();
  // Every start appends to the same output: await_ready counts the "started" lines.
  return server_.spawn(argv, d + "/server.out", true, why);
}

bool KafkaProcess::await_ready(Clock::time_point started, std::string& why) {
  const std::string output = (dir_ / "server.out").string();
  const std::string where =
      "(node " + std::to_string(node_.id) + ", port " + std::to_string(node_.port) + ")";
  const auto deadline = started + boot_timeout;
  while (Clock::now() < deadline) {
    int code = 0;
    if (server_.exited(code)) {
      why = "kafka exited with status " + std::to_string(code) + " " + where;
      return false;
    }
    const std::string text = read_file(output);
    int started_lines = 0;
    for (std::size_t at = text.find("Kafka Server started"); at != std::string::npos;
         at = text.find("Kafka Server started", at + 1)) {
      ++started_lines;
    }
    if (started_lines >= starts_) {
      const int fd = connect_loopback(node_.port);
      if (fd >= 0) {
        ::close(fd);
        last_start_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        return true;
      }
    }
    // The JVM reports readiness only in its log; there is nothing to wait on.
    std::this_thread::sleep_for(100ms);
  }
  why = "kafka did not start within 90 s " + where;
  server_.kill9();
  return false;
}

void KafkaProcess::start() {
  std::string why;
  if (!spawn(why)) throw std::runtime_error("kafka node " + std::to_string(node_.id) + ": " + why);
}

void KafkaProcess::await_start() {
  std::string why;
  if (!await_ready(spawned_, why)) throw std::runtime_error(why + "\n" + log());
}

void KafkaProcess::kill9() {
  server_.kill9();
}

void KafkaProcess::restart() {
  server_.kill9();
  std::string why;
  if (!launch(why)) throw std::runtime_error("kafka did not restart: " + why + "\n" + log());
}

std::string KafkaProcess::log() const {
  std::string text = read_file(dir_ / "server.out");
  constexpr std::size_t keep = 4000;
  if (text.size() > keep) text = "..." + text.substr(text.size() - keep);
  return text;
}

}  // namespace unimq::test
