// A private nats-server (or a 3-node cluster) per test, its HTTP monitoring endpoints, and a raw
// NATS protocol client.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "process.hpp"

namespace unimq::test {

/// The answer of an HTTP GET.
struct HttpReply {
  /// HTTP status code; -1 when no complete answer came (refused, closed, timed out).
  int status = -1;
  /// The body.
  std::string body;
};

/// `GET <path>` on http://127.0.0.1:`port` (HTTP/1.0, no client library), e.g. a nats-server's
/// monitoring endpoints: "/healthz", "/varz", "/connz?subs=1", "/routez", "/jsz".
HttpReply http_get(std::uint16_t port, std::string_view path,
                   std::chrono::milliseconds timeout = std::chrono::seconds{5});

/// A private nats-server for one test: its own free loopback ports (client and monitoring, plus
/// a route port in a cluster) and temporary directory, JetStream on with its file store in that
/// directory, and control over its life. The binary is the environment variable
/// UNIMQ_NATS_SERVER, else `nats-server` in PATH. Not thread-safe: one test thread drives it.
/// The server gets SIGKILL when the thread that started (or last restarted) it ends, so a test
/// that crashes or is killed leaves no server behind: start and restart it from the test's own
/// thread, not from a short-lived helper thread.
///
///     unimq::test::NatsProcess nats;
///     auto client = unimq::Client::connect(nats.url("jetstream=true"));
///     nats.kill9();
///     nats.restart();  // same port, same JetStream store
class NatsProcess {
 public:
  /// The server binary: $UNIMQ_NATS_SERVER or "nats-server".
  static std::string server_binary();
  /// Whether the server binary exists (an executable path, or a name found in PATH).
  static bool available();

  /// Starts the server and waits until it is ready: listening (it wrote its ports file) and
  /// /healthz answers 200, which includes JetStream (at most 20 s). `extra_args` are appended to
  /// its command line (e.g. {"--max_payload", "4096"}). Throws std::runtime_error with the
  /// server's log when it does not come up.
  explicit NatsProcess(std::vector<std::string> extra_args = {});
  /// Stops the server (SIGTERM, SIGKILL after 5 s) and removes its directory.
  ~NatsProcess();
  NatsProcess(const NatsProcess&) = delete;
  NatsProcess& operator=(const NatsProcess&) = delete;

  /// The client port (127.0.0.1); unchanged by restart().
  std::uint16_t port() const noexcept { return port_; }
  /// The HTTP monitoring port (127.0.0.1); unchanged by restart().
  std::uint16_t monitor_port() const noexcept { return monitor_port_; }
  /// The route (cluster) port; 0 for a standalone server.
  std::uint16_t cluster_port() const noexcept { return cluster_port_; }
  /// Its --server_name, unique per process and test run.
  const std::string& server_name() const noexcept { return server_name_; }
  /// `127.0.0.1:<port>`, one server of a multi-server URL.
  std::string host_port() const;
  /// `nats://127.0.0.1:<port>`, plus `?<query>` when `query` is not empty.
  std::string url(std::string_view query = {}) const;
  /// Its directory (nats.log, the ports file, js/ = the JetStream store); unchanged by
  /// restart().
  const std::filesystem::path& dir() const noexcept { return dir_; }
  /// The server's process id; -1 while it is not running.
  pid_t pid() const noexcept { return server_.pid(); }
  /// Whether the server process is running (started and not yet killed or stopped by this
  /// object).
  bool running() const noexcept { return server_.running(); }

  /// Kills the server with SIGKILL and reaps it: no shutdown, every connection dropped, what the
  /// store did not write yet is lost. Does nothing when it is not running.
  void kill9();
  /// Stops the server with SIGTERM (an orderly shutdown), SIGKILL after 5 s.
  void stop();
  /// Starts the server again on the same ports with the same store (killing it with SIGKILL
  /// first if it still runs) and waits until it is ready, i.e. has recovered its streams (and,
  /// in a cluster, sees a JetStream meta leader).
  void restart();
  /// Whether /healthz answers 200 right now.
  bool healthy(std::chrono::milliseconds timeout = std::chrono::seconds{2}) const;
  /// GET `path` on its monitoring port.
  HttpReply monitor(std::string_view path,
                    std::chrono::milliseconds timeout = std::chrono::seconds{5}) const {
    return http_get(monitor_port_, path, timeout);
  }
  /// The server's log (every start appends to it), for failure messages.
  std::string log() const;

 private:
  friend class NatsCluster;
  /// Route settings of a cluster member.
  struct Route {
    std::string cluster_name;
    std::uint16_t port = 0;
    std::vector<std::uint16_t> peers;  ///< route ports of the other members
  };
  /// A cluster member, not started yet (NatsCluster picks the ports and starts all members
  /// before waiting for any, since none is healthy before a JetStream quorum is up).
  NatsProcess(std::uint16_t port, std::uint16_t monitor_port, Route route);

  std::vector<std::string> argv() const;
  /// Spawns the server on the current ports; false with `why` when it cannot be spawned.
  bool spawn(std::string& why);
  /// Waits until the spawned server is ready; on failure (exited, timed out) the server is
  /// killed and `why` says what happened.
  bool wait_ready(std::chrono::steady_clock::time_point deadline, std::string& why);
  /// Whether the log shows a bind failure (another process took a port).
  bool port_was_taken() const;

  std::vector<std::string> extra_args_;
  std::filesystem::path dir_;
  std::string server_name_;
  std::uint16_t port_ = 0;
  std::uint16_t monitor_port_ = 0;
  std::uint16_t cluster_port_ = 0;
  Route route_;
  ChildProcess server_;
};

/// A cluster of private nats-servers on loopback, every member routed to every other, JetStream
/// on in each (distinct server names, one store directory each), one cluster name. The
/// constructor returns once every member is ready (/healthz 200), every member has a route to
/// every other and the JetStream meta leader lists all others as current. Members are killed and
/// restarted through node(i).
///
///     unimq::test::NatsCluster cluster;              // 3 nodes
///     auto client = unimq::Client::connect(cluster.url("jetstream=false"));
///     cluster.node(0).kill9();
class NatsCluster {
 public:
  /// Starts `size` members (at least 1) and waits until all are ready (at most 30 s). Throws
  /// std::runtime_error with the members' logs when they do not come up.
  explicit NatsCluster(std::size_t size = 3);
  ~NatsCluster();
  NatsCluster(const NatsCluster&) = delete;
  NatsCluster& operator=(const NatsCluster&) = delete;

  std::size_t size() const noexcept { return nodes_.size(); }
  NatsProcess& node(std::size_t i) { return *nodes_.at(i); }
  const NatsProcess& node(std::size_t i) const { return *nodes_.at(i); }
  /// `nats://127.0.0.1:<port>` of each member, in member order.
  std::vector<std::string> client_urls() const;
  /// One multi-server URL: `nats://127.0.0.1:P1,127.0.0.1:P2,...[?query]` over the members in
  /// `members` (default: all).
  std::string url(std::string_view query = {}, std::vector<std::size_t> members = {}) const;
  /// The running members whose /connz lists a client connection whose string field `field` is
  /// `value`: ("name", "unimq") finds connections by name, ("lang", "C") the cnats ones.
  std::vector<std::size_t> nodes_with_client(std::string_view field, std::string_view value) const;

 private:
  /// Waits until the members form a full mesh (see the class comment); false with `why` when
  /// the deadline passes first.
  bool wait_meshed(std::chrono::steady_clock::time_point deadline, std::string& why) const;

  std::vector<std::unique_ptr<NatsProcess>> nodes_;
};

/// One message a NatsConnection received.
struct NatsMessage {
  std::string subject;
  std::string sid;
  /// Reply subject; empty when none.
  std::string reply;
  /// Whether it came as HMSG (with a header block).
  bool has_headers = false;
  /// The header block's status line after "NATS/1.0" (e.g. "503" for no responders); empty
  /// when none.
  std::string status;
  /// Headers in wire order, values with surrounding blanks removed; names keep their case.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  /// The first value of header `name` (exact, case-sensitive match); nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

/// A raw NATS protocol connection to 127.0.0.1:port: no client library, so a test can play a
/// foreign client and see exactly what the server relays (HMSG header blocks included).
/// Answers the server's PINGs while it reads. Blocking and not thread-safe.
///
///     NatsConnection sub(nats.port());
///     sub.subscribe("orders", "1");
///     sub.flush();                              // the server has the subscription
///     auto m = sub.read(5s);                    // the next MSG/HMSG
///     auto r = sub.request("$JS.API.INFO", "");  // request/reply over a private inbox
class NatsConnection {
 public:
  /// Connects, reads the server's INFO, sends CONNECT (headers on, verbose off) and waits for
  /// the PONG of a PING. Throws std::runtime_error when any of that fails within `timeout`.
  explicit NatsConnection(std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds{5});
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  /// The JSON of the server's INFO line.
  const std::string& info() const noexcept { return info_; }

  /// SUB `subject` [`queue`] `sid`.
  void subscribe(std::string_view subject, std::string_view sid, std::string_view queue = {});
  /// UNSUB `sid`.
  void unsubscribe(std::string_view sid);
  /// PUB (or HPUB when `headers` is not empty) of `payload` to `subject`, with `reply` when not
  /// empty.
  void publish(std::string_view subject, std::string_view payload,
               const std::vector<std::pair<std::string, std::string>>& headers = {},
               std::string_view reply = {});
  /// PING and wait for its PONG: everything sent before was processed by the server. Messages
  /// arriving meanwhile are kept for read(). Throws std::runtime_error on timeout.
  void flush(std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// The next message; nullopt when none arrives within `timeout`. Throws std::runtime_error
  /// when the server closed the connection or sent -ERR or bytes that are not NATS protocol.
  std::optional<NatsMessage> read(std::chrono::milliseconds timeout);
  /// Publishes `payload` to `subject` with a fresh inbox as reply subject and returns the first
  /// message to that inbox (a JetStream API reply, a PubAck). Throws std::runtime_error when
  /// none comes within `timeout`. Messages of other subscriptions arriving meanwhile are kept.
  NatsMessage request(std::string_view subject, std::string_view payload,
                      std::chrono::milliseconds timeout = std::chrono::seconds{5});

 private:
  void send_raw(std::string_view bytes);
  /// Reads more bytes (until `deadline`) and handles every complete frame in the buffer;
  /// false when the deadline passed without a new frame.
  bool pump(std::chrono::steady_clock::time_point deadline);
  /// Handles one complete frame at the start of buffer_; false when incomplete.
  bool handle_frame();

  int fd_ = -1;
  std::string buffer_;
  std::string info_;
  std::deque<NatsMessage> messages_;
  std::uint64_t pongs_ = 0;
  std::uint64_t pings_sent_ = 0;
  std::uint64_t next_inbox_ = 0;
};

}  // namespace unimq::test
