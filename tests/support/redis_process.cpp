// A private redis-server (a ChildProcess from process.hpp), redis-cli, and a raw RESP client.
#include "redis_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace unimq::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

bool is_executable(const std::filesystem::path& p) {
  return ::access(p.c_str(), X_OK) == 0 && !std::filesystem::is_directory(p);
}

}  // namespace

std::string redis_cli_binary() {
  if (const char* v = std::getenv("UNIMQ_REDIS_CLI"); v != nullptr && *v != '\0') return v;
  // A server given by path usually has its redis-cli next to it.
  const std::filesystem::path server = RedisProcess::server_binary();
  if (server.has_parent_path() && is_executable(server.parent_path() / "redis-cli")) {
    return (server.parent_path() / "redis-cli").string();
  }
  return "redis-cli";
}

ProcessResult redis_cli(std::uint16_t port, const std::vector<std::string>& args,
                        std::chrono::milliseconds timeout) {
  std::vector<std::string> argv{redis_cli_binary(), "-h", "127.0.0.1", "-p", std::to_string(port)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, timeout);
}

// ---- RedisProcess ------------------------------------------------------------------------------

std::string RedisProcess::server_binary() {
  return env_or("UNIMQ_REDIS_SERVER", "redis-server");
}

bool RedisProcess::available() {
  return !find_executable(server_binary()).empty();
}

RedisProcess::RedisProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)), dir_(make_temp_dir("unimq-redis-")) {
  // The chosen port may be taken by someone else between the probe and the server's bind:
  // then the server exits (or another process answers) and another port is tried.
  std::string why;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    if (launch(why)) return;
  }
  const std::string server_log = log();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("redis-server did not start: " + why + "\n" + server_log);
}

RedisProcess::~RedisProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string RedisProcess::url(std::string_view query) const {
  std::string out = "redis://127.0.0.1:" + std::to_string(port_);
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

bool RedisProcess::launch(std::string& why) {
  std::vector<std::string> argv{server_binary(), "--port",    std::to_string(port_),
                                "--bind",        "127.0.0.1", "--dir",
                                dir_.string(),   "--logfile", (dir_ / "redis.log").string(),
                                "--appendonly",  "yes",       "--appendfsync",
                                "always",        "--save",    "",
                                "--daemonize",   "no"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  // The server writes its own log (--logfile); its stdout and stderr are not needed.
  if (!server_.spawn(argv, "/dev/null", false, why)) return false;

  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    int code = 0;
    if (server_.exited(code)) {
      why = "redis-server exited with status " + std::to_string(code) + " (port " +
            std::to_string(port_) + ")";
      return false;
    }
    if (redis_answers_ping(port_, 200ms)) {
      // Make sure the PONG came from our child and not from a process that took the port.
      try {
        RespConnection c(port_);
        const auto info = c.command({"INFO", "server"}).str;
        if (info.find("process_id:" + std::to_string(server_.pid()) + "\r") != std::string::npos) {
          return true;
        }
        why = "port " + std::to_string(port_) + " is answered by another server";
      } catch (const std::exception& e) {
        why = e.what();
      }
      server_.kill9();
      return false;
    }
    std::this_thread::sleep_for(10ms);
  }
  why = "redis-server did not answer PING within 10 s (port " + std::to_string(port_) + ")";
  server_.kill9();
  return false;
}

void RedisProcess::kill9() {
  server_.kill9();
}

void RedisProcess::stop() {
  server_.stop();
}

void RedisProcess::restart() {
  kill9();
  std::string why;
  // A port is rarely still held right after the kill (a socket in use by a half-dead child):
  // retry briefly before giving up, since the port must stay the same.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (launch(why)) return;
    std::this_thread::sleep_for(200ms);
  }
  throw std::runtime_error("redis-server did not restart: " + why + "\n" + log());
}

std::string RedisProcess::log() const {
  std::ifstream in(dir_ / "redis.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ---- RespConnection ----------------------------------------------------------------------------

RespConnection::RespConnection(std::uint16_t port) : fd_(connect_loopback(port)) {
  if (fd_ < 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             std::strerror(errno));
  }
}

RespConnection::~RespConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void RespConnection::send(const std::vector<std::string>& command) {
  std::string out = "*" + std::to_string(command.size()) + "\r\n";
  for (const auto& arg : command) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd_, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("RESP send: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
}

std::optional<RespValue> RespConnection::parse(std::size_t& pos) {
  const auto eol = buffer_.find("\r\n", pos);
  if (eol == std::string::npos) return std::nullopt;
  if (eol == pos) throw std::runtime_error("RESP: empty line");
  const char type = buffer_[pos];
  const std::string line = buffer_.substr(pos + 1, eol - pos - 1);
  std::size_t next = eol + 2;
  RespValue v;
  auto number = [&] {
    try {
      return std::stoll(line);
    } catch (const std::exception&) {
      throw std::runtime_error("RESP: bad number '" + line + "'");
    }
  };
  switch (type) {
    case '+':
      v.type = RespValue::Type::simple;
      v.str = line;
      break;
    case '-':
      v.type = RespValue::Type::error;
      v.str = line;
      break;
    case ':':
      v.type = RespValue::Type::integer;
      v.integer = number();
      break;
    case '$': {
      const long long len = number();
      if (len < 0) {
        v.type = RespValue::Type::nil;
        break;
      }
      const auto n = static_cast<std::size_t>(len);
      if (buffer_.size() < next + n + 2) return std::nullopt;
      v.type = RespValue::Type::bulk;
      v.str = buffer_.substr(next, n);
      next += n + 2;
      break;
    }
    case '*': {
      const long long count = number();
      if (count < 0) {
        v.type = RespValue::Type::nil;
        break;
      }
      v.type = RespValue::Type::array;
      for (long long i = 0; i < count; ++i) {
        auto element = parse(next);
        if (!element) return std::nullopt;
        v.elements.push_back(std::move(*element));
      }
      break;
    }
    default:
      throw std::runtime_error(std::string("RESP: unexpected type byte '") + type + "'");
  }
  pos = next;
  return v;
}

std::optional<RespValue> RespConnection::read(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::size_t pos = 0;
    if (auto v = parse(pos)) {
      buffer_.erase(0, pos);
      return v;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return std::nullopt;
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno != EINTR) throw std::runtime_error("RESP poll failed");
    if (n <= 0) continue;
    char buf[16 * 1024];
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got == 0) throw std::runtime_error("RESP: connection closed by the server");
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw std::runtime_error(std::string("RESP recv: ") + std::strerror(errno));
    }
    buffer_.append(buf, static_cast<std::size_t>(got));
  }
}

RespValue RespConnection::command(const std::vector<std::string>& command,
                                  std::chrono::milliseconds timeout) {
  send(command);
  auto v = read(timeout);
  if (!v) throw std::runtime_error("RESP: no reply to " + command.front() + " in time");
  return std::move(*v);
}

bool redis_answers_ping(std::uint16_t port, std::chrono::milliseconds timeout) {
  const int fd = connect_loopback(port);
  if (fd < 0) return false;
  bool ok = false;
  static constexpr char kPing[] = "PING\r\n";
  if (::send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof kPing - 1)) {
    const auto deadline = Clock::now() + timeout;
    std::string reply;
    while (reply.find("\r\n") == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[256];
      const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got <= 0) break;
      reply.append(buf, static_cast<std::size_t>(got));
    }
    ok = reply.rfind("+PONG\r\n", 0) == 0;
  }
  ::close(fd);
  return ok;
}

}  // namespace unimq::test
