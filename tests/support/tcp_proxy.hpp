// A TCP proxy that a test controls, to inject network faults between a client and a broker.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace unimq::test {

/// Forwards every connection made to 127.0.0.1:port() to 127.0.0.1:<target port>, and lets a
/// test break the path: cut() resets every open connection, stall(true) stops forwarding bytes
/// while keeping the sockets open (a black-holed network: the client's writes succeed into its
/// kernel buffer and no reply ever comes), refuse(true) accepts new connections and closes them
/// at once (a broker that is down behind a load balancer).
///
/// One I/O thread runs a poll() loop over the listener and every connection pair; the control
/// calls are thread-safe and take effect before they return (cut() returns once every
/// connection it saw is closed). Bytes are forwarded unchanged, in both directions; when one
/// side closes, what is still buffered for the other side is written, then its write half is
/// shut down. The destructor stops the thread and closes every socket.
///
///     unimq::test::TcpProxy proxy(redis.port());
///     auto client = unimq::Client::connect("redis://127.0.0.1:" + std::to_string(proxy.port()));
///     proxy.stall(true);   // publishes now time out
///     proxy.stall(false);
///     proxy.cut();         // the client reconnects through the proxy
class TcpProxy {
 public:
  /// Listens on an ephemeral port of 127.0.0.1, forwarding to 127.0.0.1:`target_port`. The
  /// target need not be up yet: a connection is made to it when a client connects, and the
  /// client's connection is closed when that fails. Throws std::system_error when the listening
  /// socket cannot be set up.
  explicit TcpProxy(std::uint16_t target_port);
  /// Stops the I/O thread and closes every socket.
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  /// The port the proxy listens on (127.0.0.1).
  std::uint16_t port() const noexcept { return port_; }
  /// The port it forwards to.
  std::uint16_t target_port() const noexcept { return target_port_; }

  /// Closes every current connection with a TCP reset on both sides (the client sees
  /// ECONNRESET or EOF), and keeps listening. Returns once they are closed.
  void cut();
  /// Arms a cut that comes in the middle of the traffic: once `bytes` more bytes were written
  /// to the clients (from the target), every connection is reset as by cut(), with the rest of
  /// what the target sent undelivered. Returns at once; one arming at a time.
  void cut_after(std::size_t bytes);
  /// `true`: stops reading and writing on every connection, current and new, keeping the
  /// sockets open; `false`: resumes forwarding, including what queued meanwhile. While stalled
  /// new connections are still accepted and connected to the target, but carry no bytes.
  void stall(bool on);
  /// `true`: new connections are accepted and closed at once; current ones are kept.
  void refuse(bool on);

  /// Connections currently proxied (client side accepted and target side connected).
  std::size_t connections() const noexcept { return connections_.load(); }
  /// Client connections accepted since construction, refused ones included.
  std::size_t accepted() const noexcept { return accepted_.load(); }

 private:
  struct Pair;
  void loop();
  void wake() const;
  /// Applies `change` to the settings under the lock and waits until the I/O thread saw it.
  void control(const std::function<void()>& change);

  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;

  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> connections_{0};
  std::atomic<std::size_t> accepted_{0};

  // Settings and requests handed to the I/O thread under `mutex_`. Each control call takes a
  // ticket (`requested_`) and waits until the I/O thread has applied it (`served_`).
  std::mutex mutex_;
  std::condition_variable served_cv_;
  bool stalled_ = false;
  bool refusing_ = false;
  bool cut_pending_ = false;
  std::size_t cut_budget_ = 0;    // bytes to clients before an armed cut; 0 = none armed
  std::uint64_t cut_arming_ = 0;  // counts cut_after() calls
  std::uint64_t requested_ = 0;
  std::uint64_t served_ = 0;

  std::thread thread_;
};

}  // namespace unimq::test
