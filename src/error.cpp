// Names of error codes and driver error kinds.
#include "unimq/error.hpp"

#include "unimq/driver/driver.hpp"

namespace unimq {

const char* to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::config:
      return "config";
    case ErrorCode::connection:
      return "connection";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::unsupported:
      return "unsupported";
    case ErrorCode::publish:
      return "publish";
    case ErrorCode::closed:
      return "closed";
    case ErrorCode::permanent:
      return "permanent";
    case ErrorCode::malformed:
      return "malformed";
    case ErrorCode::internal:
      return "internal";
  }
  return "unknown";
}

namespace driver {
const char* to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::retryable:
      return "retryable";
    case ErrorKind::permanent:
      return "permanent";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::unauthorized:
      return "unauthorized";
    case ErrorKind::unsupported:
      return "unsupported";
    case ErrorKind::closed:
      return "closed";
    case ErrorKind::timeout:
      return "timeout";
  }
  return "unknown";
}
}  // namespace driver

}  // namespace unimq
