// hiredis in synchronous mode, but reads go through poll() first: a blocking read with a socket
// timeout would leave the context unusable, while poll lets a quiet subscriber wait for exactly
// as long as its caller allows and keep the connection.
#include "redis_link.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>

#include "internal/log.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {

void ReplyDeleter::operator()(redisReply* reply) const noexcept {
  freeReplyObject(reply);
}

bool is_error(const redisReply& reply) noexcept {
  return reply.type == REDIS_REPLY_ERROR;
}

std::string_view text(const redisReply& reply) noexcept {
  if (reply.str == nullptr) return {};
  return {reply.str, reply.len};
}

std::string_view error_text(const redisReply& reply) noexcept {
  return is_error(reply) ? text(reply) : std::string_view{};
}

namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

constexpr std::chrono::milliseconds first_backoff{100};

// hiredis writes with write(2), so a write to a connection the server closed raises SIGPIPE,
// whose default action kills the process. A library must not change the process's signal
// handling, so the signal is blocked on this thread while writing, and one raised meanwhile is
// taken off the pending set before the old mask comes back; write(2) then reports EPIPE.
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
};

}  // namespace

Link::Link(const Settings& settings, std::string role)
    : settings_(settings), role_(std::move(role)) {}

Link::~Link() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

void Link::drop(const std::string& reason) {
  if (ctx_ == nullptr) return;
  redisFree(ctx_);
  ctx_ = nullptr;
  detail::log_warn("redis " + role_ + " connection to " + settings_.display + " lost: " + reason);
  for (const auto& what : unawaited_) {
    detail::log_warn("redis " + role_ + ": " + what + ": no reply before the connection was lost");
  }
  unawaited_.clear();
}

void Link::close() {
  if (ctx_ == nullptr) return;
  // Commands sent without waiting (acknowledgements) are confirmed before the connection goes.
  try {
    if (!settle_unawaited(Clock::now() + settings_.command_timeout)) {
      drop("no reply within the command timeout");
    }
  } catch (const ConnectionError&) {  // dropped and logged by fail_io
  }
  if (ctx_ == nullptr) return;
  redisFree(ctx_);
  ctx_ = nullptr;
  detail::log_debug("redis " + role_ + " connection to " + settings_.display + " closed");
}

void Link::fail_io(const std::string& what) {
  std::string reason = what;
  if (ctx_ != nullptr && ctx_->err != 0) reason += std::string(": ") + ctx_->errstr;
  drop(reason);
  throw ConnectionError("redis " + role_ + " connection to " + settings_.display +
                        " failed: " + reason);
}

bool Link::ensure_connected() {
  if (ctx_ != nullptr) return false;
  const auto now = Clock::now();
  if (now < next_attempt_) {
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - now);
    throw ConnectionError("redis " + role_ + " connection to " + settings_.display +
                          " is down; next reconnect attempt in " + std::to_string(wait.count()) +
                          "ms");
  }
  try {
    connect_now();
  } catch (...) {
    backoff_ = std::min(std::max(backoff_ * 2, first_backoff), settings_.reconnect_max);
    next_attempt_ = Clock::now() + backoff_;
    throw;
  }
  backoff_ = std::chrono::milliseconds{0};
  if (ever_connected_) {
    detail::log_info("redis " + role_ + " connection to " + settings_.display + " restored");
  }
  ever_connected_ = true;
  return true;
}

void Link::connect_now() {
  redisContext* c = redisConnectWithTimeout(settings_.host.c_str(), settings_.port,
                                            to_timeval(settings_.connect_timeout));
  if (c == nullptr) {
    throw ConnectionError("redis: out of memory allocating a connection to " + settings_.display);
  }
  if (c->err != 0) {
    std::string why = c->errstr;
    redisFree(c);
    throw ConnectionError("redis " + role_ + ": cannot connect to " + settings_.display + ": " +
                          why);
  }
  // Bounds blocking writes; reads never block (they wait in poll()).
  redisSetTimeout(c, to_timeval(settings_.command_timeout));
  redisEnableKeepAlive(c);
  ctx_ = c;
  const auto check = [&](const Args& args, const char* what) {
    Reply r = command(args);
    if (is_error(*r)) {
      const std::string why(error_text(*r));
      drop(std::string(what) + " refused");
      throw ConnectionError("redis " + role_ + ": " + what + " on " + settings_.display +
                            " refused: " + why);
    }
  };
  if (!settings_.password.empty()) {
    Args auth;
    auth.add("AUTH");
    if (!settings_.username.empty()) auth.add(settings_.username);
    auth.add(settings_.password);
    check(auth, "authentication");
  }
  if (settings_.db != 0) {
    Args select;
    select.add("SELECT").own(std::to_string(settings_.db));
    check(select, "SELECT");
  }
  Args name;
  name.add("CLIENT").add("SETNAME").own("unimq-" + role_);
  command(name);  // a name only helps CLIENT LIST; failing to set it is harmless
}

void Link::append(const Args& args) {
  if (ctx_ == nullptr) throw ConnectionError("redis " + role_ + ": not connected");
  // hiredis 0.14 takes `const char**` but does not modify the array.
  if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()),
                             const_cast<const char**>(args.data_.data()),
                             args.sizes_.data()) != REDIS_OK) {
    fail_io("formatting a command");
  }
}

void Link::flush() {
  if (ctx_ == nullptr) throw ConnectionError("redis " + role_ + ": not connected");
  if (sdslen(ctx_->obuf) == 0) return;  // nothing queued: no signal-mask calls either
  const SigpipeGuard no_sigpipe;
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) fail_io("write");
  }
}

Reply Link::read(Clock::time_point deadline) {
  if (!settle_unawaited(deadline)) return nullptr;
  return read_next(deadline);
}

Reply Link::read_next(Clock::time_point deadline) {
  if (ctx_ == nullptr) throw ConnectionError("redis " + role_ + ": not connected");
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(ctx_->reader, &raw) != REDIS_OK) {
      fail_io(std::string("protocol error: ") + ctx_->reader->errstr);
    }
    if (raw != nullptr) return Reply(static_cast<redisReply*>(raw));
    const auto now = Clock::now();
    const auto left = deadline <= now
                          ? std::chrono::milliseconds{0}
                          : std::min(std::chrono::ceil<std::chrono::milliseconds>(deadline - now),
                                     std::chrono::milliseconds{60000});
    pollfd pfd{ctx_->fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      fail_io("poll");
    }
    if (ready == 0) return nullptr;
    if (redisBufferRead(ctx_) != REDIS_OK) fail_io("read");
  }
}

Reply Link::read_or_drop(Clock::time_point deadline) {
  Reply r = read(deadline);
  if (r) return r;
  drop("no reply within the command timeout");
  throw TimeoutError("redis " + role_ + ": " + settings_.display + " did not reply within " +
                     std::to_string(settings_.command_timeout.count()) + "ms");
}

Reply Link::command(const Args& args) {
  append(args);
  flush();
  return read_or_drop(Clock::now() + settings_.command_timeout);
}

void Link::queue_unawaited(const Args& args, std::string what) {
  append(args);
  unawaited_.push_back(std::move(what));
}

bool Link::settle_unawaited(Clock::time_point deadline) {
  if (unawaited_.empty()) return true;
  flush();
  while (!unawaited_.empty()) {
    Reply r = read_next(deadline);
    if (!r) return false;
    if (is_error(*r)) {
      detail::log_warn("redis " + role_ + ": " + unawaited_.front() +
                       " failed: " + std::string(error_text(*r)));
    }
    unawaited_.pop_front();
  }
  return true;
}

}  // namespace unimq::redis
