// A private rabbitmq-server node per test, and rabbitmqctl against it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"

namespace unimq::test {

/// A private RabbitMQ node for one test: its own free loopback ports (AMQP and Erlang
/// distribution), a unique node name and a temporary directory holding its Erlang cookie (HOME),
/// data, logs and pid file, so it never meets another node on the machine. It runs in the
/// foreground as a ChildProcess whose PID is the Erlang VM's own (RABBITMQ_ALLOW_INPUT makes the
/// start script exec the VM; -noinput keeps it from reading stdin), so kill9() hits exactly the
/// node. The server script is $UNIMQ_RABBITMQ_SERVER, else /usr/lib/rabbitmq/bin/rabbitmq-server
/// (not the /usr/sbin wrapper, which switches to the rabbitmq user and fails as root);
/// rabbitmqctl is taken from the same directory. Starting takes seconds (about 4 on an idle
/// machine, 10 on a busy one). Not thread-safe: one test thread drives it.
///
///     unimq::test::RabbitmqProcess rabbit;
///     auto client = unimq::Client::connect(rabbit.url());
///     rabbit.kill9();
///     rabbit.restart();  // same ports, node name and data
class RabbitmqProcess {
 public:
  /// How the node is set up.
  struct Options {
    /// Also listen for AMQP over TLS on tls_port(), with a server certificate for `localhost`
    /// (and 127.0.0.1) signed by a test CA made for this node (ca_file(), by the openssl CLI).
    bool tls = false;
  };

  /// The server script: $UNIMQ_RABBITMQ_SERVER or /usr/lib/rabbitmq/bin/rabbitmq-server.
  static std::string server_binary();
  /// Whether the server script exists and is executable.
  static bool available();

  /// Starts the node and waits until it has booted (at most 90 s). Throws std::runtime_error
  /// with the node's log when it does not come up.
  explicit RabbitmqProcess(Options options);
  /// A node without TLS.
  RabbitmqProcess() : RabbitmqProcess(Options{}) {}
  /// Stops the node (rabbitmqctl stop, then SIGTERM/SIGKILL) and removes its directory.
  ~RabbitmqProcess();
  RabbitmqProcess(const RabbitmqProcess&) = delete;
  RabbitmqProcess& operator=(const RabbitmqProcess&) = delete;

  /// The AMQP port on 127.0.0.1; unchanged by restart().
  std::uint16_t port() const noexcept { return port_; }
  /// The AMQPS port on 127.0.0.1 with Options::tls; 0 otherwise.
  std::uint16_t tls_port() const noexcept { return tls_port_; }
  /// The PEM file of the CA that signed the node's certificate (Options::tls).
  std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }
  /// `amqp://guest:guest@127.0.0.1:<port>`, plus `?<query>` when `query` is not empty.
  std::string url(std::string_view query = {}) const;
  /// The Erlang node name, e.g. `unimq-1234-5@localhost`.
  const std::string& node() const noexcept { return node_; }
  /// The node's directory (HOME, mnesia/, log/); unchanged by restart().
  const std::filesystem::path& dir() const noexcept { return dir_; }
  /// The Erlang VM's process id; -1 while it is not running.
  pid_t pid() const noexcept { return server_.pid(); }
  /// How long the last start or restart took until the node had booted.
  std::chrono::milliseconds last_start() const noexcept { return last_start_; }

  /// Kills the node with SIGKILL and reaps it: no shutdown, every connection dropped.
  void kill9();
  /// Stops the node in order (rabbitmqctl stop), SIGTERM/SIGKILL if that fails.
  void stop();
  /// Starts the node again with the same ports, name and data (killing it first if it still
  /// runs) and waits until it has booted, i.e. recovered its queues.
  void restart();

  /// Runs `rabbitmqctl -q -n <node> <args...>` with this node's cookie.
  ProcessResult ctl(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds{30}) const;
  /// The end of the node's log file, for failure messages.
  std::string log() const;

 private:
  bool launch(std::string& why);
  void make_tls_files();
  void write_config();

  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  std::uint16_t dist_port_ = 0;
  std::uint16_t tls_port_ = 0;
  Options options_;
  std::string node_;
  ChildProcess server_;
  std::chrono::milliseconds last_start_{0};
};

}  // namespace unimq::test
