// A private nats-server or cluster (a ChildProcess from process.hpp), HTTP GET for its monitoring
// endpoints, and a raw NATS protocol client.
#include "nats_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace unimq::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A name unique to this test process: "<prefix>-<pid>-<n>".
std::string unique_name(const char* prefix) {
  static std::atomic<unsigned> counter{0};
  return std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

std::size_t size_of_file(const std::filesystem::path& p) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(p, ec);
  return ec ? 0 : static_cast<std::size_t>(n);
}

/// Sends all of `bytes`; throws on failure.
void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

int millis_left(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(left);
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> split_blanks(std::string_view line) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

std::size_t parse_size(const std::string& s) {
  std::size_t pos = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (pos != s.size() || s.empty()) throw std::runtime_error("NATS: bad size '" + s + "'");
  return static_cast<std::size_t>(v);
}

/// Whether `json` has `"field"` followed by `:` and the string value `"value"`.
bool json_has(const std::string& json, std::string_view field, std::string_view value) {
  const std::string key = "\"" + std::string(field) + "\"";
  const std::string val = "\"" + std::string(value) + "\"";
  for (auto at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    std::size_t i = at + key.size();
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t')) ++i;
    if (i >= json.size() || json[i] != ':') continue;
    ++i;
    while (i < json.size() && (json[i] == ' ' || json[i] == '\n' || json[i] == '\t')) ++i;
    if (json.compare(i, val.size(), val) == 0) return true;
  }
  return false;
}

/// The integer after `"field":` at its first occurrence in `json`; -1 when absent.
long json_int(const std::string& json, std::string_view field) {
  const std::string key = "\"" + std::string(field) + "\"";
  auto at = json.find(key);
  if (at == std::string::npos) return -1;
  at = json.find(':', at + key.size());
  if (at == std::string::npos) return -1;
  char* end = nullptr;
  const long v = std::strtol(json.c_str() + at + 1, &end, 10);
  return end == json.c_str() + at + 1 ? -1 : v;
}

/// How often `needle` occurs in `haystack`.
std::size_t occurrences(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// HTTP

HttpReply http_get(std::uint16_t port, std::string_view path, std::chrono::milliseconds timeout) {
  HttpReply reply;
  const int fd = connect_loopback(port);
  if (fd < 0) return reply;
  const auto deadline = Clock::now() + timeout;
  std::string raw;
  bool complete = false;
  try {
    send_all(fd, "GET " + std::string(path) + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    // HTTP/1.0 without keep-alive: the server closes the connection after the body.
    while (!complete) {
      const int left = millis_left(deadline);
      if (left == 0) break;
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      const int n = ::poll(&p, 1, left);
      if (n < 0 && errno != EINTR) break;
      if (n <= 0) continue;
      char buf[16 * 1024];
      const ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got == 0) complete = true;
      if (got < 0 && errno != EINTR && errno != EAGAIN) break;
      if (got > 0) raw.append(buf, static_cast<std::size_t>(got));
    }
  } catch (const std::exception&) {
    complete = false;
  }
  ::close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (!complete || raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string::npos) return reply;
  const auto space = raw.find(' ');
  if (space == std::string::npos || space + 4 > raw.size()) return reply;
  try {
    reply.status = std::stoi(raw.substr(space + 1, 3));
  } catch (const std::exception&) {
    return reply;
  }
  reply.body = raw.substr(head_end + 4);
  return reply;
}

// ---------------------------------------------------------------------------------------------
// NatsProcess

std::string NatsProcess::server_binary() {
  return env_or("UNIMQ_NATS_SERVER", "nats-server");
}

bool NatsProcess::available() {
  return !find_executable(server_binary()).empty();
}

NatsProcess::NatsProcess(std::vector<std::string> extra_args)
    : extra_args_(std::move(extra_args)),
      dir_(make_temp_dir("unimq-nats-")),
      server_name_(unique_name("unimq-test")) {
  // A chosen port may be taken by someone else between the probe and the server's bind: then
  // the server exits with "address already in use" and other ports are tried.
  std::string why;
  for (int attempt = 0; attempt < 5; ++attempt) {
    const auto ports = free_loopback_ports(2);
    port_ = ports[0];
    monitor_port_ = ports[1];
    const auto log_start = size_of_file(dir_ / "nats.log");
    if (spawn(why) && wait_ready(Clock::now() + 20s, why)) return;
    std::ifstream in(dir_ / "nats.log");
    in.seekg(static_cast<std::streamoff>(log_start));
    const std::string attempt_log((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    if (attempt_log.find("address already in use") == std::string::npos) break;
  }
  const std::string server_log = log();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  throw std::runtime_error("nats-server did not start: " + why + "\n" + server_log);
}

NatsProcess::NatsProcess(std::uint16_t port, std::uint16_t monitor_port, Route route)
    : dir_(make_temp_dir("unimq-nats-")),
      server_name_(unique_name("unimq-test")),
      port_(port),
      monitor_port_(monitor_port),
      cluster_port_(route.port),
      route_(std::move(route)) {}

NatsProcess::~NatsProcess() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string NatsProcess::host_port() const {
  return "127.0.0.1:" + std::to_string(port_);
}

std::string NatsProcess::url(std::string_view query) const {
  std::string out = "nats://" + host_port();
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

std::vector<std::string> NatsProcess::argv() const {
  std::vector<std::string> argv{server_binary(),
                                "-a",
                                "127.0.0.1",
                                "-p",
                                std::to_string(port_),
                                "-m",
                                std::to_string(monitor_port_),
                                "-js",
                                "-sd",
                                (dir_ / "js").string(),
                                "--server_name",
                                server_name_,
                                "--ports_file_dir",
                                dir_.string()};
  if (cluster_port_ != 0) {
    std::string routes;
    for (const auto peer : route_.peers) {
      if (!routes.empty()) routes += ',';
      routes += "nats://127.0.0.1:" + std::to_string(peer);
    }
    argv.insert(argv.end(), {"--cluster_name", route_.cluster_name, "--cluster",
                             "nats://127.0.0.1:" + std::to_string(cluster_port_)});
    if (!routes.empty()) argv.insert(argv.end(), {"--routes", routes});
  }
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  return argv;
}

bool NatsProcess::spawn(std::string& why) {
  // Ports files of killed servers stay behind; the one for the new pid must be new.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.path().extension() == ".ports") std::filesystem::remove(entry.path(), ec);
  }
  if (find_executable(server_binary()).empty()) {
    why = "cannot start " + server_binary() + ": not found (set UNIMQ_NATS_SERVER)";
    return false;
  }
  // The server gets SIGKILL when the thread that starts it ends (see the class comment).
  return server_.spawn(argv(), (dir_ / "nats.log").string(), true, why);
}

bool NatsProcess::wait_ready(Clock::time_point deadline, std::string& why) {
  if (!server_.running()) {
    why = "nats-server is not running";
    return false;
  }
  // The ports file is written by this very process once it listens on its ports, so a server
  // someone else started on the port meanwhile cannot pass for ours; /healthz then says
  // whether JetStream is ready (stores recovered; in a cluster, a meta leader known).
  const auto ports_file = dir_ / ("nats-server_" + std::to_string(server_.pid()) + ".ports");
  std::string last_health;
  while (Clock::now() < deadline) {
    int code = 0;
    if (server_.exited(code)) {
      why = "nats-server exited with status " + std::to_string(code) + " (port " +
            std::to_string(port_) + ", monitoring " + std::to_string(monitor_port_) + ")";
      return false;
    }
    if (std::filesystem::exists(ports_file)) {
      const auto h = http_get(monitor_port_, "/healthz", 1s);
      if (h.status == 200) return true;
      last_health = std::to_string(h.status) + " " + h.body;
    }
    std::this_thread::sleep_for(20ms);
  }
  why = "nats-server (port " + std::to_string(port_) + ") was not ready in time; last /healthz: " +
        (last_health.empty() ? std::string("none (no ports file yet)") : last_health);
  kill9();
  return false;
}

bool NatsProcess::healthy(std::chrono::milliseconds timeout) const {
  return running() && http_get(monitor_port_, "/healthz", timeout).status == 200;
}

void NatsProcess::kill9() {
  server_.kill9();
}

void NatsProcess::stop() {
  server_.stop();
}

void NatsProcess::restart() {
  kill9();
  std::string why;
  // The ports must stay the same; a port is rarely still held right after the kill, so retry
  // briefly before giving up.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (spawn(why) && wait_ready(Clock::now() + 30s, why)) return;
    std::this_thread::sleep_for(200ms);
  }
  throw std::runtime_error("nats-server did not restart: " + why + "\n" + log());
}

std::string NatsProcess::log() const {
  std::ifstream in(dir_ / "nats.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool NatsProcess::port_was_taken() const {
  return log().find("address already in use") != std::string::npos;
}

// ---------------------------------------------------------------------------------------------
// NatsCluster

NatsCluster::NatsCluster(std::size_t size) {
  if (size == 0) throw std::invalid_argument("NatsCluster: size must be at least 1");
  std::string why;
  for (int attempt = 0; attempt < 3; ++attempt) {
    nodes_.clear();
    const auto ports = free_loopback_ports(3 * size);  // client, monitoring, route per member
    const std::string cluster_name = unique_name("unimq-cluster");
    for (std::size_t i = 0; i < size; ++i) {
      NatsProcess::Route route{.cluster_name = cluster_name, .port = ports[3 * i + 2], .peers = {}};
      for (std::size_t j = 0; j < size; ++j) {
        if (j != i) route.peers.push_back(ports[3 * j + 2]);
      }
      nodes_.push_back(std::unique_ptr<NatsProcess>(
          new NatsProcess(ports[3 * i], ports[3 * i + 1], std::move(route))));
    }
    // Start every member before waiting for any: a JetStream member is not healthy until a
    // quorum of members elected a meta leader.
    bool ok = true;
    for (auto& n : nodes_) ok = n->spawn(why) && ok;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (std::size_t i = 0; ok && i < nodes_.size(); ++i) {
      if (!nodes_[i]->wait_ready(deadline, why)) {
        why = "member " + std::to_string(i) + ": " + why;
        ok = false;
      }
    }
    if (ok && wait_meshed(deadline, why)) return;
    bool taken = false;
    for (auto& n : nodes_) {
      n->kill9();
      taken = taken || n->port_was_taken();
    }
    if (!taken) break;
  }
  std::string logs;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    logs += "--- member " + std::to_string(i) + " log:\n" + nodes_[i]->log();
  }
  nodes_.clear();
  throw std::runtime_error("nats cluster did not start: " + why + "\n" + logs);
}

NatsCluster::~NatsCluster() = default;

bool NatsCluster::wait_meshed(Clock::time_point deadline, std::string& why) const {
  // /healthz only says a member knows a JetStream meta leader, which a quorum is enough for:
  // a member can be healthy while a route to another is still being retried (nats-server retries
  // a refused route once a second), and NATS forwards a message over one route only, so a missing
  // route loses messages between those two members. The meta leader also needs every peer
  // current before it can place a stream on all of them.
  const auto others = static_cast<long>(nodes_.size()) - 1;
  std::string last;
  while (Clock::now() < deadline) {
    bool routed = true;
    bool placed = others == 0;
    for (std::size_t i = 0; i < nodes_.size() && routed; ++i) {
      const auto routez = nodes_[i]->monitor("/routez", 1s);
      const long routes = routez.status == 200 ? json_int(routez.body, "num_routes") : -1;
      if (routes != others) {
        routed = false;
        last = "member " + std::to_string(i) + " has " + std::to_string(routes) + " of " +
               std::to_string(others) + " routes";
      }
      const auto jsz = nodes_[i]->monitor("/jsz", 1s);
      if (jsz.status == 200 && json_has(jsz.body, "leader", nodes_[i]->server_name()) &&
          static_cast<long>(occurrences(jsz.body, "\"current\": true")) == others) {
        placed = true;
      }
    }
    if (routed && placed) return true;
    if (routed) last = "the JetStream meta leader does not list every other member as current";
    std::this_thread::sleep_for(50ms);
  }
  why = "the cluster did not become a full mesh in time: " + last;
  return false;
}

std::vector<std::string> NatsCluster::client_urls() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) out.push_back(n->url());
  return out;
}

std::string NatsCluster::url(std::string_view query, std::vector<std::size_t> members) const {
  if (members.empty()) {
    for (std::size_t i = 0; i < nodes_.size(); ++i) members.push_back(i);
  }
  std::string out = "nats://";
  for (std::size_t k = 0; k < members.size(); ++k) {
    if (k > 0) out += ',';
    out += nodes_.at(members[k])->host_port();
  }
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

std::vector<std::size_t> NatsCluster::nodes_with_client(std::string_view field,
                                                        std::string_view value) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i]->running()) continue;
    const auto r = nodes_[i]->monitor("/connz", 2s);
    if (r.status == 200 && json_has(r.body, field, value)) out.push_back(i);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// NatsConnection

std::optional<std::string> NatsMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

NatsConnection::NatsConnection(std::uint16_t port, std::chrono::milliseconds timeout) {
  fd_ = connect_loopback(port);
  if (fd_ < 0) {
    throw std::runtime_error("NATS: cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             std::strerror(errno));
  }
  try {
    const auto deadline = Clock::now() + timeout;
    while (info_.empty()) {
      if (!pump(deadline)) throw std::runtime_error("NATS: no INFO from the server in time");
    }
    send_raw(
        "CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,"
        "\"protocol\":1,\"name\":\"unimq-test-raw\",\"lang\":\"raw\",\"version\":\"0\"}\r\n");
    flush(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

NatsConnection::~NatsConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void NatsConnection::send_raw(std::string_view bytes) {
  send_all(fd_, bytes);
}

void NatsConnection::subscribe(std::string_view subject, std::string_view sid,
                               std::string_view queue) {
  std::string cmd = "SUB " + std::string(subject) + " ";
  if (!queue.empty()) cmd += std::string(queue) + " ";
  cmd += std::string(sid) + "\r\n";
  send_raw(cmd);
}

void NatsConnection::unsubscribe(std::string_view sid) {
  send_raw("UNSUB " + std::string(sid) + "\r\n");
}

void NatsConnection::publish(std::string_view subject, std::string_view payload,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view reply) {
  std::string cmd;
  std::string target = std::string(subject);
  if (!reply.empty()) target += " " + std::string(reply);
  if (headers.empty()) {
    cmd = "PUB " + target + " " + std::to_string(payload.size()) + "\r\n";
    cmd += payload;
  } else {
    std::string block = "NATS/1.0\r\n";
    for (const auto& [k, v] : headers) block += k + ": " + v + "\r\n";
    block += "\r\n";
    cmd = "HPUB " + target + " " + std::to_string(block.size()) + " " +
          std::to_string(block.size() + payload.size()) + "\r\n" + block;
    cmd += payload;
  }
  cmd += "\r\n";
  send_raw(cmd);
}

void NatsConnection::flush(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  send_raw("PING\r\n");
  const auto target = ++pings_sent_;
  while (pongs_ < target) {
    if (!pump(deadline)) throw std::runtime_error("NATS: no PONG from the server in time");
  }
}

std::optional<NatsMessage> NatsConnection::read(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (messages_.empty()) {
    if (!pump(deadline)) return std::nullopt;
  }
  NatsMessage m = std::move(messages_.front());
  messages_.pop_front();
  return m;
}

NatsMessage NatsConnection::request(std::string_view subject, std::string_view payload,
                                    std::chrono::milliseconds timeout) {
  const auto n = next_inbox_++;
  const std::string inbox = "_INBOX.unimqtest." + std::to_string(::getpid()) + "." +
                            std::to_string(reinterpret_cast<std::uintptr_t>(this)) + "." +
                            std::to_string(n);
  const std::string sid = "req" + std::to_string(n);
  subscribe(inbox, sid);
  publish(subject, payload, {}, inbox);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    for (auto it = messages_.begin(); it != messages_.end(); ++it) {
      if (it->sid == sid) {
        NatsMessage m = std::move(*it);
        messages_.erase(it);
        unsubscribe(sid);
        return m;
      }
    }
    if (!pump(deadline)) {
      unsubscribe(sid);
      throw std::runtime_error("NATS: no reply to a request on " + std::string(subject) +
                               " in time");
    }
  }
}

bool NatsConnection::pump(Clock::time_point deadline) {
  for (;;) {
    bool handled = false;
    while (handle_frame()) handled = true;
    if (handled) return true;
    const int left = millis_left(deadline);
    if (left == 0) return false;
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    const int n = ::poll(&p, 1, left);
    if (n < 0 && errno != EINTR) throw std::runtime_error("NATS: poll failed");
    if (n <= 0) continue;
    char buf[16 * 1024];
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got == 0) throw std::runtime_error("NATS: connection closed by the server");
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw std::runtime_error(std::string("NATS recv: ") + std::strerror(errno));
    }
    buffer_.append(buf, static_cast<std::size_t>(got));
  }
}

bool NatsConnection::handle_frame() {
  const auto eol = buffer_.find("\r\n");
  if (eol == std::string::npos) return false;
  const std::string line = buffer_.substr(0, eol);
  std::size_t consumed = eol + 2;
  const auto tokens = split_blanks(line);
  if (tokens.empty()) throw std::runtime_error("NATS: empty protocol line");
  std::string op = tokens[0];
  for (auto& c : op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));

  if (op == "INFO") {
    info_ = trim(std::string_view(line).substr(4));
  } else if (op == "PING") {
    send_raw("PONG\r\n");
  } else if (op == "PONG") {
    ++pongs_;
  } else if (op == "+OK") {
  } else if (op == "-ERR") {
    throw std::runtime_error("NATS: server error: " + line);
  } else if (op == "MSG" || op == "HMSG") {
    const bool with_headers = op == "HMSG";
    // MSG <subject> <sid> [reply] <#bytes>; HMSG <subject> <sid> [reply] <#hdr> <#total>
    const std::size_t fixed = with_headers ? 5 : 4;
    if (tokens.size() != fixed && tokens.size() != fixed + 1) {
      throw std::runtime_error("NATS: bad " + op + " line '" + line + "'");
    }
    NatsMessage m;
    m.has_headers = with_headers;
    m.subject = tokens[1];
    m.sid = tokens[2];
    if (tokens.size() == fixed + 1) m.reply = tokens[3];
    const std::size_t total = parse_size(tokens.back());
    const std::size_t header_size = with_headers ? parse_size(tokens[tokens.size() - 2]) : 0;
    if (header_size > total) throw std::runtime_error("NATS: header longer than message");
    if (buffer_.size() < consumed + total + 2) return false;
    const std::string block = buffer_.substr(consumed, header_size);
    m.payload = buffer_.substr(consumed + header_size, total - header_size);
    if (buffer_.compare(consumed + total, 2, "\r\n") != 0) {
      throw std::runtime_error("NATS: message not followed by CRLF");
    }
    consumed += total + 2;
    if (with_headers) {
      std::istringstream in(block);
      std::string hline;
      bool first = true;
      while (std::getline(in, hline)) {
        if (!hline.empty() && hline.back() == '\r') hline.pop_back();
        if (first) {
          if (hline.rfind("NATS/1.0", 0) != 0) {
            throw std::runtime_error("NATS: header block without NATS/1.0: '" + hline + "'");
          }
          m.status = trim(std::string_view(hline).substr(8));
          first = false;
          continue;
        }
        if (hline.empty()) break;
        const auto colon = hline.find(':');
        if (colon == std::string::npos) continue;
        m.headers.emplace_back(hline.substr(0, colon),
                               trim(std::string_view(hline).substr(colon + 1)));
      }
    }
    messages_.push_back(std::move(m));
  } else {
    throw std::runtime_error("NATS: unexpected protocol line '" + line + "'");
  }
  buffer_.erase(0, consumed);
  return true;
}

}  // namespace unimq::test
