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

// 16 random bytes in URL-safe base64 without padding: what StorageTool random-uuid prints.
std::string cluster_id() {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::string out;
  for (int i = 0; i < 22; ++i) out += alphabet[rd() % 64];
  // The last character carries only 2 of the 128 bits: keep its low 4 bits zero.
  out.back() = alphabet[(rd() % 4) * 16];
  return out;
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

KafkaProcess::KafkaProcess() : dir_(make_temp_dir("unimq-kafka-")) {
  // A port may be taken by someone else between the probe and the broker's bind: then the
  // broker exits and other ports are tried.
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto ports = free_loopback_ports(2);
    port_ = ports[0];
    controller_port_ = ports[1];
    write_config();
    std::error_code ec;
    std::filesystem::remove_all(dir_ / "data", ec);
    const auto formatted =
        run_process({"java", "-cp", classpath(),
                     "-Dlog4j.configuration=file:" + (dir_ / "log4j.properties").string(),
                     "kafka.tools.StorageTool", "format", "-t", cluster_id(), "-c",
                     (dir_ / "server.properties").string()},
                    60s);
    if (formatted.exit_code != 0) {
      why = "formatting the log directory failed: " + formatted.out + formatted.err;
      break;
    }
    if (launch(why)) return;
  }
  const std::string output = log();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("kafka did not start: " + why + "\n" + output);
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
  return "127.0.0.1:" + std::to_string(port_);
}

void KafkaProcess::write_config() const {
  const std::string d = dir_.string();
  std::ofstream conf(dir_ / "server.properties");
  conf << "node.id=1\n"
       << "process.roles=broker,controller\n"
       << "listeners=PLAINTEXT://127.0.0.1:" << port_
       << ",CONTROLLER://127.0.0.1:" << controller_port_ << "\n"
       << "advertised.listeners=PLAINTEXT://127.0.0.1:" << port_ << "\n"
       << "controller.listener.names=CONTROLLER\n"
       << "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
       << "inter.broker.listener.name=PLAINTEXT\n"
       << "controller.quorum.voters=1@127.0.0.1:" << controller_port_ << "\n"
       << "log.dirs=" << d << "/data\n"
       << "num.partitions=1\n"
       << "offsets.topic.replication.factor=1\n"
       << "offsets.topic.num.partitions=1\n"
       << "transaction.state.log.replication.factor=1\n"
       << "transaction.state.log.min.isr=1\n"
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
  const auto started = Clock::now();
  ++starts_;
  const std::string output = d + "/server.out";
  // Every start appends to the same output: count the "started" lines, not just find one.
  if (!server_.spawn(argv, output, true, why)) return false;
  const auto deadline = started + boot_timeout;
  while (Clock::now() < deadline) {
    int code = 0;
    if (server_.exited(code)) {
      why = "kafka exited with status " + std::to_string(code) + " (port " + std::to_string(port_) +
            ")";
      return false;
    }
    const std::string text = read_file(output);
    int started_lines = 0;
    for (std::size_t at = text.find("Kafka Server started"); at != std::string::npos;
         at = text.find("Kafka Server started", at + 1)) {
      ++started_lines;
    }
    if (started_lines >= starts_) {
      const int fd = connect_loopback(port_);
      if (fd >= 0) {
        ::close(fd);
        last_start_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        return true;
      }
    }
    // The JVM reports readiness only in its log; there is nothing to wait on.
    std::this_thread::sleep_for(100ms);
  }
  why = "kafka did not start within 90 s (port " + std::to_string(port_) + ")";
  server_.kill9();
  return false;
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
