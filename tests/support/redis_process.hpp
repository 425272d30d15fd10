// A private redis-server per test, redis-cli, and a raw RESP client.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "process.hpp"

namespace unimq::test {

/// The redis-cli binary: $UNIMQ_REDIS_CLI; else the redis-cli next to $UNIMQ_REDIS_SERVER when
/// that is a path; else "redis-cli" (looked up in PATH).
std::string redis_cli_binary();

/// Runs `redis-cli -h 127.0.0.1 -p <port> <args...>` (redis_cli_binary()). With stdout not a
/// terminal redis-cli prints raw replies, one value per line.
///
///     redis_cli(redis.port(), {"XADD", "s", "*", "payload", "hello"});
ProcessResult redis_cli(std::uint16_t port, const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout = std::chrono::seconds{10});

/// A private redis-server for one test: its own free loopback port and temporary data directory,
/// persistence that survives kill -9 (`--appendonly yes --appendfsync always --save ''`), and
/// control over its life. The binary is the environment variable UNIMQ_REDIS_SERVER, else
/// `redis-server` in PATH. Not thread-safe: one test thread drives it.
///
///     unimq::test::RedisProcess redis;
///     auto client = unimq::Client::connect(redis.url("mode=streams"));
///     redis.kill9();
///     redis.restart();  // same port, same data
class RedisProcess {
 public:
  /// The server binary: $UNIMQ_REDIS_SERVER or "redis-server".
  static std::string server_binary();
  /// Whether the server binary exists (an executable path, or a name found in PATH).
  static bool available();

  /// Starts the server and waits until it answers PING (at most 10 s). `extra_args` are appended
  /// to its command line (e.g. {"--maxmemory", "10mb"}). Throws std::runtime_error with the
  /// server's log when it does not come up.
  explicit RedisProcess(std::vector<std::string> extra_args = {});
  /// Stops the server (SIGTERM, SIGKILL after 5 s) and removes its data directory.
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  /// The port it listens on (127.0.0.1); unchanged by restart().
  std::uint16_t port() const noexcept { return port_; }
  /// `redis://127.0.0.1:<port>`, plus `?<query>` when `query` is not empty.
  std::string url(std::string_view query = {}) const;
  /// Its data directory (AOF files and redis.log); unchanged by restart().
  const std::filesystem::path& dir() const noexcept { return dir_; }
  /// The server's process id; -1 while it is not running.
  pid_t pid() const noexcept { return server_.pid(); }
  /// Whether the server process is running.
  bool running() const noexcept { return server_.running(); }

  /// Kills the server with SIGKILL and reaps it: no shutdown, no final fsync, every connection
  /// dropped. Does nothing when it is not running.
  void kill9();
  /// Stops the server with SIGTERM (an orderly shutdown), SIGKILL after 5 s.
  void stop();
  /// Starts the server again on the same port with the same data directory (killing it with
  /// SIGKILL first if it still runs) and waits until it answers PING, i.e. has loaded its AOF.
  void restart();

  /// Runs redis-cli against this server: `redis_cli(port(), args)`.
  ProcessResult cli(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds{10}) const {
    return redis_cli(port_, args, timeout);
  }
  /// The server's log file, for failure messages.
  std::string log() const;

 private:
  /// Spawns the server on port_; true when it answers PING as server_.
  bool launch(std::string& why);

  std::vector<std::string> extra_args_;
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  ChildProcess server_;
};

/// One reply of a RESP (Redis protocol) server.
struct RespValue {
  /// The reply's RESP type.
  enum class Type { simple, error, integer, bulk, nil, array };
  Type type = Type::nil;
  /// Text of a simple string, error or bulk string.
  std::string str;
  /// Value of an integer reply.
  long long integer = 0;
  /// Elements of an array reply.
  std::vector<RespValue> elements;
};

/// A raw RESP2 connection to 127.0.0.1:port: no client library, so tests can play a foreign
/// client (a plain SUBSCRIBE, a PING) and see exactly the bytes the server holds. Blocking and
/// not thread-safe.
///
///     RespConnection sub(redis.port());
///     sub.command({"SUBSCRIBE", "chan"});                 // the subscribe confirmation
///     auto msg = sub.read(5s);                            // ["message", "chan", payload]
class RespConnection {
 public:
  /// Connects; throws std::runtime_error when the connect fails.
  explicit RespConnection(std::uint16_t port);
  ~RespConnection();
  RespConnection(const RespConnection&) = delete;
  RespConnection& operator=(const RespConnection&) = delete;

  /// Sends one command as a RESP array of bulk strings (binary-safe).
  void send(const std::vector<std::string>& command);
  /// Reads one reply; nullopt when none is complete within `timeout`. Throws std::runtime_error
  /// when the server closed the connection or sent bytes that are not RESP.
  std::optional<RespValue> read(std::chrono::milliseconds timeout);
  /// Sends `command` and returns its reply; throws std::runtime_error when none comes in time.
  RespValue command(const std::vector<std::string>& command,
                    std::chrono::milliseconds timeout = std::chrono::seconds{5});

 private:
  /// Parses one reply from buffer_ at `pos`; nullopt when incomplete.
  std::optional<RespValue> parse(std::size_t& pos);

  int fd_ = -1;
  std::string buffer_;
};

/// Whether a server on 127.0.0.1:`port` answers a raw inline PING with +PONG within `timeout`
/// (a server still loading its AOF answers -LOADING, which is not ready).
bool redis_answers_ping(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace unimq::test
