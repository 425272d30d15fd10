// The `unimq` spdlog logger. One sink of our own forwards either to stderr or to the
// application's handler, so switching needs no change to the logger's sink list (which spdlog
// does not guard against concurrent logging).
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <mutex>

#include "internal/log.hpp"

namespace unimq {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

LogLevel from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return LogLevel::trace;
    case spdlog::level::debug:
      return LogLevel::debug;
    case spdlog::level::info:
      return LogLevel::info;
    case spdlog::level::warn:
      return LogLevel::warn;
    case spdlog::level::err:
    case spdlog::level::critical:
      return LogLevel::error;
    default:
      return LogLevel::off;
  }
}

class SwitchSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void set_handler(LogHandler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (handler_) {
      // A throwing handler must not take down a broker thread.
      try {
        handler_(from_spdlog(msg.level), std::string_view(msg.payload.data(), msg.payload.size()));
      } catch (...) {
      }
      return;
    }
    stderr_->log(msg);
  }
  void flush_() override { stderr_->flush(); }

 private:
  LogHandler handler_;
  std::shared_ptr<spdlog::sinks::stderr_color_sink_st> stderr_ =
      std::make_shared<spdlog::sinks::stderr_color_sink_st>();
};

struct Logging {
  std::shared_ptr<SwitchSink> sink = std::make_shared<SwitchSink>();
  std::shared_ptr<spdlog::logger> logger;
  Logging() {
    logger = std::make_shared<spdlog::logger>("unimq", sink);
    logger->set_level(spdlog::level::info);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [unimq] %l: %v");
    // Registering makes spdlog::get("unimq") work for applications that use spdlog directly;
    // an application may have registered its own "unimq" logger first, which then wins.
    try {
      spdlog::register_logger(logger);
    } catch (const spdlog::spdlog_ex&) {
      if (auto existing = spdlog::get("unimq")) logger = existing;
    }
  }
};

Logging& logging() {
  static Logging instance;
  return instance;
}

}  // namespace

void set_log_level(LogLevel level) {
  logging().logger->set_level(to_spdlog(level));
}

void set_log_handler(LogHandler handler) {
  logging().sink->set_handler(std::move(handler));
}

namespace detail {

bool log_enabled(LogLevel level) noexcept {
  return level != LogLevel::off && logging().logger->should_log(to_spdlog(level));
}

void log(LogLevel level, const std::string& text) {
  if (!log_enabled(level)) return;
  logging().logger->log(to_spdlog(level), "{}", text);
}

}  // namespace detail
}  // namespace unimq
