// TcpProxy against a tiny echo server: forwarding, cut, stall, refuse, counts, shutdown.
#include "tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace unimq::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// Echoes every byte back, one thread per connection; counts open connections.
class EchoServer {
 public:
  EchoServer() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("echo server: bind failed");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~EchoServer() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
    ::close(listen_fd_);
  }
  std::uint16_t port() const { return port_; }
  int open() const { return open_.load(); }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{.fd = listen_fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++open_;
      std::lock_guard lock(mutex_);
      fds_.push_back(fd);
      workers_.emplace_back([this, fd] { echo(fd); });
    }
  }
  void echo(int fd) {
    char buf[64 * 1024];
    for (;;) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      ssize_t sent = 0;
      while (sent < n) {
        const ssize_t m = ::send(fd, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (m <= 0) break;
        sent += m;
      }
      if (sent < n) break;
    }
    ::shutdown(fd, SHUT_RDWR);  // the peer sees the close now
    --open_;
    // The fd stays open until the destructor, so a shutdown() there never hits a reused fd.
  }

  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0};
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> workers_;
  std::thread acceptor_;

 public:
  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;
};

/// A blocking client socket, closed on destruction.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  /// Reads until `n` bytes arrived, the peer closed, or `timeout` passed.
  std::string recv(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    std::string out;
    const auto deadline = Clock::now() + timeout;
    while (out.size() < n) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[64 * 1024];
      const ssize_t got = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (got <= 0) break;
      out.append(buf, static_cast<std::size_t>(got));
    }
    return out;
  }
  /// Whether the peer closed (EOF or reset) within `timeout`; reading data first counts as no.
  bool closed_within(std::chrono::milliseconds timeout) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
    char c;
    return ::recv(fd_, &c, 1, MSG_DONTWAIT) <= 0;
  }
  /// Whether nothing is readable during `window` (the connection is open and silent).
  bool silent_for(std::chrono::milliseconds window) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    return ::poll(&p, 1, static_cast<int>(window.count())) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

/// A round trip of `text` through `c`; the echo arrives unchanged.
void expect_echo(Client& c, const std::string& text) {
  ASSERT_TRUE(c.send(text));
  EXPECT_EQ(c.recv(text.size()), text);
}

TEST(TcpProxy, ListensOnAnEphemeralLoopbackPort) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  EXPECT_NE(proxy.port(), 0);
  EXPECT_NE(proxy.port(), echo.port());
  EXPECT_EQ(proxy.target_port(), echo.port());
  EXPECT_EQ(proxy.connections(), 0u);
  EXPECT_EQ(proxy.accepted(), 0u);
}

TEST(TcpProxy, ForwardsBytesBothWaysAndCountsConnections) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client a(proxy.port());
  Client b(proxy.port());
  ASSERT_TRUE(a.connected() && b.connected());
  expect_echo(a, "hello");
  expect_echo(b, std::string("bin\0ary\r\n", 9));
  EXPECT_EQ(proxy.connections(), 2u);
  EXPECT_EQ(proxy.accepted(), 2u);
  EXPECT_EQ(echo.open(), 2);
}

TEST(TcpProxy, ForwardsFourMebibytesIntactUnderBackpressure) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client c(proxy.port());
  std::string data(4 << 20, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>((i * 131) % 251);
  // Send from another thread: the echo comes back while we are still sending.
  std::thread sender([&] { EXPECT_TRUE(c.send(data)); });
  const std::string back = c.recv(data.size(), 20s);
  sender.join();
  EXPECT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data);
}

TEST(TcpProxy, ClientCloseClosesTheTargetSide) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  {
    Client c(proxy.port());
    expect_echo(c, "x");
    EXPECT_EQ(echo.open(), 1);
  }
  EXPECT_TRUE(eventually([&] { return echo.open() == 0; }));
  EXPECT_TRUE(eventually([&] { return proxy.connections() == 0; }));
}

TEST(TcpProxy, CutClosesEveryConnectionAndKeepsListening) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client a(proxy.port());
  Client b(proxy.port());
  expect_echo(a, "a");
  expect_echo(b, "b");
  ASSERT_EQ(proxy.connections(), 2u);

  proxy.cut();
  EXPECT_EQ(proxy.connections(), 0u);  // synchronous: gone when cut() returns
  EXPECT_TRUE(a.closed_within(2s));
  EXPECT_TRUE(b.closed_within(2s));
  EXPECT_TRUE(eventually([&] { return echo.open() == 0; }));  // the target side too

  Client c(proxy.port());
  expect_echo(c, "after cut");
  EXPECT_EQ(proxy.connections(), 1u);
  EXPECT_EQ(proxy.accepted(), 3u);
}

// The client gets the first 100 000 bytes of the echo, then the reset: a connection cut in the
// middle of what the server sends (the client may see the reset before reading them all, as a
// kernel may drop unread bytes on a reset, but never more).
TEST(TcpProxy, CutAfterLetsItsBudgetThroughToTheClientThenResets) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client c(proxy.port());
  expect_echo(c, "x");
  proxy.cut_after(100'000);
  const std::string data(1 << 20, 'd');
  std::thread sender([&] { c.send(data); });  // fails once the connection is reset
  const std::string back = c.recv(data.size(), 5s);
  sender.join();
  EXPECT_LE(back.size(), 100'000u);
  EXPECT_TRUE(back == data.substr(0, back.size()));
  EXPECT_TRUE(eventually([&] { return proxy.connections() == 0; }));
  EXPECT_TRUE(eventually([&] { return echo.open() == 0; }));
  Client after(proxy.port());  // and the proxy keeps listening, without a cut armed
  expect_echo(after, std::string(200'000, 'a'));
}

TEST(TcpProxy, CutAfterNoBytesResetsAtOnce) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client c(proxy.port());
  expect_echo(c, "x");
  proxy.cut_after(0);
  EXPECT_TRUE(eventually([&] { return proxy.connections() == 0; }));
  EXPECT_TRUE(eventually([&] { return echo.open() == 0; }));
  Client after(proxy.port());  // nothing stays armed
  expect_echo(after, std::string(200'000, 'a'));
}

TEST(TcpProxy, StallHoldsBytesBothWaysUntilResumed) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client c(proxy.port());
  expect_echo(c, "before");

  proxy.stall(true);
  ASSERT_TRUE(c.send("held"));
  EXPECT_TRUE(c.silent_for(300ms));  // no echo, and no close either
  EXPECT_EQ(proxy.connections(), 1u);
  EXPECT_EQ(echo.open(), 1);

  proxy.stall(false);
  EXPECT_EQ(c.recv(4, 2s), "held");
  expect_echo(c, "after");
}

TEST(TcpProxy, StallAlsoHoldsNewConnections) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  proxy.stall(true);
  Client c(proxy.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("new"));
  EXPECT_TRUE(c.silent_for(300ms));
  EXPECT_TRUE(eventually([&] { return proxy.connections() == 1; }));
  proxy.stall(false);
  EXPECT_EQ(c.recv(3, 2s), "new");
}

TEST(TcpProxy, StallHoldsBackTheServersReplyToo) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client c(proxy.port());
  expect_echo(c, "warm");
  // The request gets through, then the stall hits before the reply is forwarded: whatever
  // happens in between, no reply may arrive while stalled.
  ASSERT_TRUE(c.send("req"));
  proxy.stall(true);
  const std::string early = c.recv(3, 300ms);
  EXPECT_TRUE(c.silent_for(300ms));
  proxy.stall(false);
  EXPECT_EQ(early + c.recv(3 - early.size(), 2s), "req");
}

TEST(TcpProxy, RefuseClosesNewConnectionsAndKeepsCurrentOnes) {
  EchoServer echo;
  TcpProxy proxy(echo.port());
  Client old(proxy.port());
  expect_echo(old, "old");

  proxy.refuse(true);
  Client refused(proxy.port());
  ASSERT_TRUE(refused.connected());  // the kernel accepts; the proxy closes it at once
  EXPECT_TRUE(refused.closed_within(2s));
  EXPECT_TRUE(eventually([&] { return proxy.accepted() == 2; }));
  EXPECT_EQ(proxy.connections(), 1u);
  EXPECT_EQ(echo.open(), 1);  // the target never saw it
  expect_echo(old, "still works");

  proxy.refuse(false);
  Client fresh(proxy.port());
  expect_echo(fresh, "fresh");
  EXPECT_EQ(proxy.connections(), 2u);
}

TEST(TcpProxy, TargetDownClosesTheClient) {
  std::uint16_t dead_port = 0;
  {
    EchoServer gone;  // take a port, then free it: nobody listens there afterwards
    dead_port = gone.port();
  }
  TcpProxy proxy(dead_port);
  Client c(proxy.port());
  ASSERT_TRUE(c.connected());
  EXPECT_TRUE(c.closed_within(2s));
  EXPECT_EQ(proxy.connections(), 0u);
}

TEST(TcpProxy, DestructorClosesOpenAndStalledConnectionsPromptly) {
  EchoServer echo;
  auto proxy = std::make_unique<TcpProxy>(echo.port());
  Client c(proxy->port());
  expect_echo(c, "x");
  proxy->stall(true);
  ASSERT_TRUE(c.send("never"));
  const auto start = Clock::now();
  proxy.reset();
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_TRUE(c.closed_within(2s));
}

}  // namespace
}  // namespace unimq::test
