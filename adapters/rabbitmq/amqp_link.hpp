// One rabbitmq-c connection with one channel, owned by one thread (rabbitmq-c connections are not
// thread-safe): connect with host fail-over and backoff, login, channel open, topology calls,
// frame waits with a deadline. Any protocol or socket error drops the connection; the owner
// reconnects through ensure_connected() and redoes its channel setup.
#pragma once

#include <amqp.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "rabbitmq_settings.hpp"
#include "unimq/error.hpp"
#include "write_deadline.hpp"

namespace unimq::rabbitmq {

using Clock = std::chrono::steady_clock;

/// The channel every link uses; each link is one connection with one channel.
inline constexpr amqp_channel_t channel = 1;

/// AMQP reply codes the adapter reacts to.
namespace reply_code {
inline constexpr int access_refused = 403;
inline constexpr int not_found = 404;
inline constexpr int resource_locked = 405;
inline constexpr int precondition_failed = 406;
inline constexpr int no_route = 312;
}  // namespace reply_code

/// A broker's channel.close or connection.close, or a failed call, as an exception: `code` is
/// the AMQP reply code (0 for socket and library errors).
class AmqpError : public ConnectionError {
 public:
  AmqpError(int code, const std::string& what) : ConnectionError(what), code_(code) {}
  /// The AMQP reply code, or 0.
  int code() const noexcept { return code_; }

 private:
  int code_;
};

/// One connection. Not thread-safe. Errors throw AmqpError after dropping the connection.
class Link {
 public:
  /// `role` names the connection in logs and in the broker's connection list.
  Link(const Settings& settings, std::string role);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  /// Whether a connection is up.
  bool connected() const noexcept { return conn_ != nullptr; }
  /// Connects when not connected, trying each host of the URL once, starting after the one
  /// that failed last. Within the backoff after an attempt where every host failed, throws
  /// AmqpError at once instead of hammering the brokers. Returns true when this call made a new
  /// connection (the caller redoes its channel setup).
  bool ensure_connected();
  /// Closes a failed connection (if any), logging `reason` as a warning.
  void drop(const std::string& reason);
  /// Closes the connection (if any) on purpose.
  void close();
  /// When the next reconnect attempt may be made (in the past when one may be made now).
  Clock::time_point next_attempt() const noexcept { return next_attempt_; }
  /// Lets the next ensure_connected() try at once, without the backoff (a connection that was
  /// idle, not failing).
  void retry_now() noexcept { next_attempt_ = {}; }
  /// The raw connection, for the owner's protocol calls; null when not connected.
  amqp_connection_state_t raw() const noexcept { return conn_; }

  /// Checks the reply of the last synchronous call; throws AmqpError (dropping) on failure.
  void check_rpc(const char* what);
  /// Checks `reply`, the result of a call that returns its own (amqp_read_message); throws
  /// AmqpError (dropping) on failure. Such calls leave the last synchronous call's reply as it
  /// was, so check_rpc() would not see their failure.
  void check_reply(const amqp_rpc_reply_t& reply, const char* what);
  /// Checks the status of an asynchronous call (publish, ack); throws on failure.
  void check_status(int status, const char* what);
  /// Runs `write`, a rabbitmq-c call that sends frames and returns a status (basic.publish),
  /// and checks that status. rabbitmq-c waits for room in the socket buffer with no timeout;
  /// here a write still blocked after `timeout` (a broker that stopped reading) has its socket
  /// shut down, so it fails, and this throws AmqpError (dropping the connection).
  template <class Write>
  void write_within(std::chrono::milliseconds timeout, const char* what, Write&& write) {
    int status = AMQP_STATUS_OK;
    bool stalled = false;
    {
      // Disarmed before check_status() can drop (and close) the connection.
      const WriteDeadline deadline(amqp_get_sockfd(conn_), Clock::now() + timeout);
      status = write();
      stalled = status != AMQP_STATUS_OK && deadline.expired();
    }
    if (stalled) fail_stalled(what, timeout);
    check_status(status, what);
  }

  /// Declares a durable topic exchange.
  void declare_exchange(std::string_view name);
  /// Deletes exchange `name` (and its bindings); throws on failure.
  void delete_exchange(std::string_view name);
  /// Declares a queue; empty name = server-named, exclusive and auto-deleted (broadcast).
  /// Returns the queue's name.
  std::string declare_queue(std::string_view name, const amqp_table_t& args);
  /// Binds `queue` to `exchange` with `routing_key`.
  void bind(std::string_view queue, std::string_view exchange, std::string_view routing_key);

  /// Waits for the next frame until `deadline` (heartbeats are sent and checked meanwhile).
  /// nullopt when none came in time. A broker's connection.close or a socket error throws.
  std::optional<amqp_frame_t> wait_frame(Clock::time_point deadline);
  /// Answers a channel.close from the broker with close-ok and reopens the channel; returns the
  /// error the broker gave (reply code and text).
  AmqpError reopen_channel(const amqp_frame_t& close_frame);

  /// The settings this link connects with.
  const Settings& settings() const noexcept { return settings_; }

 private:
  void connect_now();
  [[noreturn]] void fail(int code, const std::string& what);
  [[noreturn]] void fail_stalled(const char* what, std::chrono::milliseconds timeout);

  const Settings& settings_;
  std::string role_;
  amqp_connection_state_t conn_ = nullptr;
  std::size_t next_host_ = 0;
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  bool ever_connected_ = false;
};

/// The text of a channel.close or connection.close method (`<code> <text>`).
std::string close_text(const amqp_frame_t& frame);
/// The reply code of a channel.close or connection.close method frame.
int close_code(const amqp_frame_t& frame);

}  // namespace unimq::rabbitmq
