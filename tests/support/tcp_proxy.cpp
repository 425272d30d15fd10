// The fault-injecting TCP proxy: one poll() thread over the listener and every connection pair.
#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace unimq::test {
namespace {

/// Bytes buffered per direction before the proxy stops reading from the sending side.
constexpr std::size_t kMaxBuffered = 256 * 1024;

[[noreturn]] void throw_errno(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), "TcpProxy: " + what);
}

void set_nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

/// Closes `fd` so that the peer gets a TCP reset instead of an orderly FIN.
void close_with_reset(int fd) {
  linger l{.l_onoff = 1, .l_linger = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

/// Connects to 127.0.0.1:`port`; -1 on failure. Loopback connects complete or fail at once.
int connect_target(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  auto addr = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  set_nonblocking(fd);
  return fd;
}

}  // namespace

/// One proxied connection: the accepted client socket and the socket to the target.
struct TcpProxy::Pair {
  /// One direction of the pair: bytes read from `from`, waiting to be written to `to`.
  struct Side {
    int fd = -1;
    std::string out;       // bytes waiting to be written to this side
    bool eof = false;      // this side closed its write half (we read EOF)
    bool shut = false;     // we shut down our write half towards this side
    short revents = 0;     // poll result of this iteration
    std::size_t slot = 0;  // index in the pollfd array, or npos
  };
  Side client;
  Side server;
  bool dead = false;

  ~Pair() {
    if (client.fd >= 0) ::close(client.fd);
    if (server.fd >= 0) ::close(server.fd);
  }
  void reset() {
    close_with_reset(client.fd);
    close_with_reset(server.fd);
    client.fd = server.fd = -1;
  }
};

TcpProxy::TcpProxy(std::uint16_t target_port) : target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) throw_errno("socket");
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto addr = loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 128) != 0) {
    const int saved = errno;
    ::close(listen_fd_);
    errno = saved;
    throw_errno("bind/listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    const int saved = errno;
    ::close(listen_fd_);
    errno = saved;
    throw_errno("pipe");
  }
  wake_read_ = fds[0];
  wake_write_ = fds[1];
  thread_ = std::thread([this] { loop(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  wake();
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
}

void TcpProxy::wake() const {
  const char b = 1;
  // A full pipe already guarantees a wake-up, so a failed write needs no handling.
  [[maybe_unused]] auto n = ::write(wake_write_, &b, 1);
}

void TcpProxy::control(const std::function<void()>& change) {
  std::unique_lock lock(mutex_);
  change();
  const auto ticket = ++requested_;
  wake();
  served_cv_.wait(lock, [&] { return served_ >= ticket; });
}

void TcpProxy::cut() {
  control([this] { cut_pending_ = true; });
}

void TcpProxy::cut_after(std::size_t bytes) {
  control([this, bytes] {
    // A budget of 0 means "none armed" to the loop; no bytes to let through is a cut now.
    if (bytes == 0) cut_pending_ = true;
    cut_budget_ = bytes;
    ++cut_arming_;
  });
}

void TcpProxy::stall(bool on) {
  control([this, on] { stalled_ = on; });
}

void TcpProxy::refuse(bool on) {
  control([this, on] { refusing_ = on; });
}

void TcpProxy::loop() {
  std::vector<std::unique_ptr<Pair>> pairs;
  std::vector<pollfd> fds;
  constexpr std::size_t npos = static_cast<std::size_t>(-1);
  // Resets every connection, both sides; called with mutex_ held, as a control request.
  auto reset_all = [&] {
    for (auto& p : pairs) p->reset();
    pairs.clear();
    connections_ = 0;
  };

  while (!stop_) {
    // Apply control requests made since the last iteration, then report them served: from
    // here on this iteration sees the new settings.
    bool stalled = false;
    bool refusing = false;
    std::size_t budget = 0;  // of an armed cut_after(), counted down as bytes go to clients
    std::size_t budget_before = 0;
    std::uint64_t arming = 0;
    {
      std::lock_guard lock(mutex_);
      if (cut_pending_) {
        reset_all();
        cut_pending_ = false;
      }
      stalled = stalled_;
      refusing = refusing_;
      budget = budget_before = cut_budget_;
      arming = cut_arming_;
      served_ = requested_;
    }
    served_cv_.notify_all();

    fds.clear();
    fds.push_back({.fd = wake_read_, .events = POLLIN, .revents = 0});
    fds.push_back({.fd = listen_fd_, .events = POLLIN, .revents = 0});
    for (auto& p : pairs) {
      for (auto [self, other] : {std::pair{&p->client, &p->server}, {&p->server, &p->client}}) {
        self->slot = npos;
        self->revents = 0;
        if (stalled) continue;
        short events = 0;
        if (!self->eof && other->out.size() < kMaxBuffered) events |= POLLIN;
        if (!self->out.empty()) events |= POLLOUT;
        // A socket polled for nothing would still report POLLHUP on every call: leave it out.
        if (events == 0) continue;
        self->slot = fds.size();
        fds.push_back({.fd = self->fd, .events = events, .revents = 0});
      }
    }

    if (::poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) {
      char buf[64];
      while (::read(wake_read_, buf, sizeof buf) > 0) {
      }
    }
    if (stop_) break;
    // A control request that arrived during poll() is applied first: a cut() must not race with
    // bytes forwarded on connections it is about to close.
    {
      std::lock_guard lock(mutex_);
      if (served_ != requested_) continue;
    }

    if ((fds[1].revents & POLLIN) != 0) {
      for (;;) {
        const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (client < 0) break;
        ++accepted_;
        if (refusing) {
          ::close(client);
          continue;
        }
        const int server = connect_target(target_port_);
        if (server < 0) {
          ::close(client);
          continue;
        }
        const int one = 1;
        ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        set_nonblocking(client);
        auto p = std::make_unique<Pair>();
        p->client.fd = client;
        p->server.fd = server;
        pairs.push_back(std::move(p));
        ++connections_;
      }
    }

    for (auto& p : pairs) {
      for (auto [self, other] : {std::pair{&p->client, &p->server}, {&p->server, &p->client}}) {
        if (self->slot != npos) self->revents = fds[self->slot].revents;
      }
      for (auto [self, other] : {std::pair{&p->client, &p->server}, {&p->server, &p->client}}) {
        if (p->dead || self->revents == 0) continue;
        if ((self->revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !self->eof) {
          char buf[64 * 1024];
          const ssize_t n = ::recv(self->fd, buf, sizeof buf, 0);
          if (n > 0) {
            other->out.append(buf, static_cast<std::size_t>(n));
          } else if (n == 0) {
            self->eof = true;
          } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            p->dead = true;
          }
        }
        if ((self->revents & (POLLOUT | POLLERR | POLLHUP)) != 0 && !self->out.empty()) {
          // An armed cut lets through to a client only what is left of its budget.
          const bool counted = budget_before > 0 && self == &p->client;
          const std::size_t len = counted ? std::min(budget, self->out.size()) : self->out.size();
          const ssize_t n = len == 0 ? 0 : ::send(self->fd, self->out.data(), len, MSG_NOSIGNAL);
          if (n > 0) {
            self->out.erase(0, static_cast<std::size_t>(n));
            if (counted) budget -= static_cast<std::size_t>(n);
          } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            p->dead = true;
          }
        }
      }
      // Propagate an orderly close once everything read before it was written.
      for (auto [self, other] : {std::pair{&p->client, &p->server}, {&p->server, &p->client}}) {
        if (self->eof && other->out.empty() && !other->shut) {
          ::shutdown(other->fd, SHUT_WR);
          other->shut = true;
        }
      }
      if (p->client.eof && p->server.eof && p->client.out.empty() && p->server.out.empty()) {
        p->dead = true;
      }
    }
    const auto before = pairs.size();
    std::erase_if(pairs, [](const auto& p) { return p->dead; });
    connections_ -= before - pairs.size();
    if (budget != budget_before) {
      std::lock_guard lock(mutex_);
      // Unless armed anew meanwhile (that budget starts next iteration), what is left is kept,
      // and the cut comes once nothing is.
      if (arming == cut_arming_) {
        cut_budget_ = budget;
        if (budget == 0) reset_all();
      }
    }
  }
  pairs.clear();
  connections_ = 0;
}

}  // namespace unimq::test
