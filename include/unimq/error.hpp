// Error types thrown by unimq. Every failure is an exception derived from
// unimq::Error; the ErrorCode says what the caller should do about it.
#pragma once

#include <stdexcept>
#include <string>

namespace unimq {

/// What went wrong, and therefore what the caller should do next.
enum class ErrorCode {
  config,       ///< Bad URL, option or config file: fix the input; retrying will not help.
  connection,   ///< The broker cannot be reached or the connection was lost: retry with backoff.
  timeout,      ///< An operation did not finish before its deadline: retry or raise the timeout.
  unsupported,  ///< The backend lacks a capability that was asked for: change backend or options.
  publish,      ///< The broker refused or failed a publish; `retryable()` says whether to retry.
  closed,       ///< The object was closed: create a new one.
  permanent,    ///< Thrown by a handler: the message can never succeed; dead-letter it now.
  malformed,    ///< Bytes from outside (envelope, header) could not be decoded: treat as poison.
  internal,     ///< A bug in unimq or an adapter: report it.
};

/// Returns the lowercase name of `code` ("config", "timeout", ...).
const char* to_string(ErrorCode code) noexcept;

/// Base of every unimq exception. Messages never contain secrets.
class Error : public std::runtime_error {
 public:
  /// Creates an error with a code and a human-readable message.
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  /// The error class, for programmatic handling.
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

/// Invalid input from the caller: URL, option, YAML key or value, header name. The message
/// names the key or value and what was expected.
class ConfigError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit ConfigError(const std::string& message) : Error(ErrorCode::config, message) {}
};

/// The broker could not be reached, or the connection broke.
class ConnectionError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit ConnectionError(const std::string& message) : Error(ErrorCode::connection, message) {}
};

/// A deadline passed (publish timeout, flush timeout, request timeout).
class TimeoutError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit TimeoutError(const std::string& message) : Error(ErrorCode::timeout, message) {}
};

/// A capability was requested that the backend does not have; the message names the capability.
class UnsupportedError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit UnsupportedError(const std::string& message) : Error(ErrorCode::unsupported, message) {}
};

/// The broker rejected a message or the publish failed for good after retries.
class PublishError : public Error {
 public:
  /// `retryable` tells whether publishing the same message again may succeed.
  PublishError(const std::string& message, bool retryable)
      : Error(ErrorCode::publish, message), retryable_(retryable) {}
  /// Whether publishing the same message again may succeed.
  bool retryable() const noexcept { return retryable_; }

 private:
  bool retryable_;
};

/// The client, producer or consumer was closed before or during the call.
class ClosedError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit ClosedError(const std::string& message) : Error(ErrorCode::closed, message) {}
};

/// Throw from a handler to skip retries: the message is dead-lettered after this attempt.
class PermanentError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit PermanentError(const std::string& message) : Error(ErrorCode::permanent, message) {}
};

/// Input from outside the process (an envelope, a header) is malformed; never retry it.
class MalformedError : public Error {
 public:
  /// Makes the error with `message` (what failed, without secrets).
  explicit MalformedError(const std::string& message) : Error(ErrorCode::malformed, message) {}
};

}  // namespace unimq
