// A private rabbitmq-server node (a ChildProcess from process.hpp) and rabbitmqctl against it.
#include "rabbitmq_process.hpp"

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

// Booting takes seconds and each rabbitmqctl call a second of CPU; on a loaded machine both
// take several times longer.
constexpr auto boot_timeout = 90s;

std::string ctl_binary() {
  const std::filesystem::path server = RabbitmqProcess::server_binary();
  return (server.parent_path() / "rabbitmqctl").string();
}

}  // namespace

std::string RabbitmqProcess::server_binary() {
  return env_or("UNIMQ_RABBITMQ_SERVER", "/usr/lib/rabbitmq/bin/rabbitmq-server");
}

bool RabbitmqProcess::available() {
  const std::string server = server_binary();
  return ::access(server.c_str(), X_OK) == 0 && ::access(ctl_binary().c_str(), X_OK) == 0;
}

RabbitmqProcess::RabbitmqProcess(Options options)
    : dir_(make_temp_dir("unimq-rabbitmq-")), options_(options) {
  std::random_device rd;
  node_ =
      "unimq-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 1000000) + "@localhost";
  std::ofstream(dir_ / "enabled_plugins") << "[].\n";
  if (options_.tls) {
    try {
      make_tls_files();
    } catch (...) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
      throw;
    }
  }
  // A port may be taken by someone else between the probe and the node's bind: then the node
  // exits and other ports are tried.
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto ports = free_loopback_ports(3);
    port_ = ports[0];
    dist_port_ = ports[1];
    if (options_.tls) tls_port_ = ports[2];
    write_config();
    if (launch(why)) return;
  }
  const std::string server_log = log();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("rabbitmq-server did not start: " + why + "\n" + server_log);
}

RabbitmqProcess::~RabbitmqProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string RabbitmqProcess::url(std::string_view query) const {
  std::string out = "amqp://guest:guest@127.0.0.1:" + std::to_string(port_);
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

bool RabbitmqProcess::launch(std::string& why) {
  const std::string d = dir_.string();
  const std::vector<std::string> argv{
      "env",
      "HOME=" + d,
      "RABBITMQ_ALLOW_INPUT=1",  // exec the VM: the child's PID is the node's
      "RABBITMQ_SERVER_START_ARGS=-noinput",
      "RABBITMQ_NODENAME=" + node_,
      "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
      "RABBITMQ_NODE_PORT=" + std::to_string(port_),
      "RABBITMQ_DIST_PORT=" + std::to_string(dist_port_),
      "RABBITMQ_MNESIA_BASE=" + d + "/mnesia",
      "RABBITMQ_LOG_BASE=" + d + "/log",
      "RABBITMQ_ENABLED_PLUGINS_FILE=" + d + "/enabled_plugins",
      "RABBITMQ_PID_FILE=" + d + "/rabbitmq.pid",
      "RABBITMQ_CONFIG_FILE=" + d + "/rabbitmq.conf",
      server_binary()};
  const auto started = Clock::now();
  if (!server_.spawn(argv, d + "/server.out", true, why)) return false;
  const auto deadline = started + boot_timeout;
  while (Clock::now() < deadline) {
    int code = 0;
    if (server_.exited(code)) {
      why = "rabbitmq-server exited with status " + std::to_string(code) + " (port " +
            std::to_string(port_) + ")";
      return false;
    }
    // await_startup waits itself, up to its --timeout, once the node is reachable at all.
    if (ctl({"await_startup", "--timeout", "10"}, 20s).exit_code == 0) {
      last_start_ = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
      return true;
    }
    std::this_thread::sleep_for(300ms);
  }
  why = "rabbitmq-server did not boot within 90 s (port " + std::to_string(port_) + ")";
  server_.kill9();
  return false;
}

void RabbitmqProcess::make_tls_files() {
  const std::string d = dir_.string();
  std::ofstream(dir_ / "san.cnf") << "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/ca.key", "-out",
       d + "/ca.pem", "-days", "2", "-subj", "/CN=unimq test CA"},
      {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", d + "/server.key", "-out",
       d + "/server.csr", "-subj", "/CN=localhost"},
      {"openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey",
       d + "/ca.key", "-CAcreateserial", "-out", d + "/server.pem", "-days", "2", "-extfile",
       d + "/san.cnf"}};
  for (const auto& step : steps) {
    const auto r = run_process(step, 60s);
    if (r.exit_code != 0) {
      throw std::runtime_error("making the test certificates failed (" + step[1] + "): " + r.err);
    }
  }
}

void RabbitmqProcess::write_config() {
  std::ofstream conf(dir_ / "rabbitmq.conf");
  conf << "loopback_users.guest = true\n";
  if (!options_.tls) return;
  const std::string d = dir_.string();
  conf << "listeners.ssl.default = 127.0.0.1:" << tls_port_ << "\n"
       << "ssl_options.cacertfile = " << d << "/ca.pem\n"
       << "ssl_options.certfile = " << d << "/server.pem\n"
       << "ssl_options.keyfile = " << d << "/server.key\n"
       << "ssl_options.verify = verify_none\n"
       << "ssl_options.fail_if_no_peer_cert = false\n";
}

void RabbitmqProcess::kill9() {
  server_.kill9();
}

void RabbitmqProcess::stop() {
  if (!server_.running()) return;
  ctl({"stop"}, 60s);
  server_.stop();  // reaps it; SIGTERM, then SIGKILL, if it still runs
}

void RabbitmqProcess::restart() {
  server_.kill9();
  std::string why;
  if (!launch(why))
    throw std::runtime_error("rabbitmq-server did not restart: " + why + "\n" + log());
}

ProcessResult RabbitmqProcess::ctl(const std::vector<std::string>& args,
                                   std::chrono::milliseconds timeout) const {
  std::vector<std::string> argv{"env", "HOME=" + dir_.string(), ctl_binary(), "-q", "-n", node_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, timeout);
}

std::string RabbitmqProcess::log() const {
  std::ifstream in(dir_ / "log" / (node_ + ".log"));
  std::stringstream all;
  all << in.rdbuf();
  std::string text = all.str();
  constexpr std::size_t keep = 4000;
  if (text.size() > keep) text = "..." + text.substr(text.size() - keep);
  return text;
}

}  // namespace unimq::test
