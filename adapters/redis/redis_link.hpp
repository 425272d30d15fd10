// One hiredis connection, owned by one thread: connect with AUTH and SELECT, pipelined writes,
// reads with a deadline (poll, so a slow reply never wedges the context), reconnect backoff.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redis_settings.hpp"

struct redisContext;
struct redisReply;

namespace unimq::redis {

using Clock = std::chrono::steady_clock;

/// Frees a hiredis reply.
struct ReplyDeleter {
  void operator()(redisReply* reply) const noexcept;
};
/// An owned hiredis reply.
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

/// A command's arguments, pointing into strings that outlive the append() call.
class Args {
 public:
  /// Appends one argument (binary-safe).
  Args& add(std::string_view arg) {
    data_.push_back(arg.data());
    sizes_.push_back(arg.size());
    return *this;
  }
  /// Appends an argument the Args keeps alive itself (numbers, built strings).
  Args& own(std::string arg) {
    owned_.push_back(std::make_unique<std::string>(std::move(arg)));
    return add(*owned_.back());
  }
  /// Number of arguments.
  std::size_t size() const noexcept { return data_.size(); }
  /// Argument `i`.
  std::string_view operator[](std::size_t i) const { return {data_[i], sizes_[i]}; }
  /// Drops every argument.
  void clear() {
    data_.clear();
    sizes_.clear();
    owned_.clear();
  }

 private:
  friend class Link;
  std::vector<const char*> data_;
  std::vector<std::size_t> sizes_;
  std::vector<std::unique_ptr<std::string>> owned_;
};

/// One connection. Not thread-safe: exactly one thread uses a Link. Errors throw
/// ConnectionError (I/O, refused, auth) or TimeoutError (no reply in time); either way the
/// connection is dropped and the next ensure_connected() reconnects after the backoff.
class Link {
 public:
  /// `role` names the connection in logs and in CLIENT SETNAME ("publisher", "subscriber"...).
  Link(const Settings& settings, std::string role);
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  /// Whether a connection is up.
  bool connected() const noexcept { return ctx_ != nullptr; }
  /// Connects when not connected. When the last attempt failed less than the backoff ago,
  /// throws ConnectionError at once instead of hammering the server. Returns true when this
  /// call established a new connection (callers re-subscribe or re-create state then).
  bool ensure_connected();
  /// Closes a failed connection (if any), logging `reason` as a warning.
  void drop(const std::string& reason);
  /// Closes the connection (if any) on purpose, logging at debug level.
  void close();

  /// Queues a command in the output buffer (nothing is sent until flush()).
  void append(const Args& args);
  /// Writes the output buffer to the socket (no call at all when it is empty).
  void flush();
  /// Reads the next reply, waiting until `deadline`; nullptr when none arrived in time (the
  /// connection stays usable). Throws ConnectionError when the connection broke.
  Reply read(Clock::time_point deadline);
  /// Reads the next reply or throws TimeoutError (dropping the connection) at `deadline`.
  Reply read_or_drop(Clock::time_point deadline);
  /// Sends one command and returns its reply, within the command timeout.
  Reply command(const Args& args);
  /// Queues one command whose reply nobody waits for, which saves a round trip where the reply
  /// changes nothing the caller does next (XACK). It goes out with the next flush (or the next
  /// read, at the latest), and its reply is read before the reply of any later command; an
  /// error reply, or a connection lost before the reply came, is logged as a warning naming
  /// `what`.
  void queue_unawaited(const Args& args, std::string what);
  /// Sends what is queued and reads the replies of the unawaited commands until `deadline`;
  /// false when some did not come in time (they stay owed and the connection usable).
  bool settle_unawaited(Clock::time_point deadline);
  /// The settings this link connects with.
  const Settings& settings() const noexcept { return settings_; }

 private:
  void connect_now();
  [[noreturn]] void fail_io(const std::string& what);
  /// Reads the next reply off the socket, whoever it belongs to; nullptr at `deadline`.
  Reply read_next(Clock::time_point deadline);

  const Settings& settings_;
  std::string role_;
  redisContext* ctx_ = nullptr;
  Clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{0};
  bool ever_connected_ = false;
  std::deque<std::string> unawaited_;  // what each sent command whose reply is owed does
};

/// The error text of an error reply (empty for other replies).
std::string_view error_text(const redisReply& reply) noexcept;
/// Whether `reply` is an error reply.
bool is_error(const redisReply& reply) noexcept;
/// A bulk or status reply's bytes.
std::string_view text(const redisReply& reply) noexcept;

}  // namespace unimq::redis
