// Error replies -> ErrorKind. Redis prefixes an error with a code word; the transient ones are
// retried by the producer's policy, the rest fail the message.
#include <array>
#include <string_view>

#include "redis_connection.hpp"

namespace unimq::redis {

driver::ErrorKind classify_error(std::string_view text) noexcept {
  const std::string_view code = text.substr(0, text.find(' '));
  // Server busy, loading its data set, out of memory (may free up), replica promoted, cluster
  // reconfiguring: all pass.
  static constexpr std::array<std::string_view, 7> transient = {
      "OOM", "LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN"};
  for (auto t : transient) {
    if (code == t) return driver::ErrorKind::retryable;
  }
  if (code == "NOAUTH" || code == "WRONGPASS" || code == "NOPERM") {
    return driver::ErrorKind::unauthorized;
  }
  if (code == "NOGROUP") return driver::ErrorKind::not_found;
  return driver::ErrorKind::permanent;
}

}  // namespace unimq::redis
