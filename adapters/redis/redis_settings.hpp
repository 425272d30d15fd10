// What a redis:// URL asks for, checked once when the connection opens.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "unimq/driver/broker_url.hpp"

namespace unimq::redis {

/// The two ways the adapter maps topics onto Redis.
enum class Mode {
  pubsub,   ///< PUBLISH / SUBSCRIBE: at-most-once broadcast.
  streams,  ///< XADD / XREADGROUP: at-least-once with consumer groups.
};

/// Parsed and validated redis:// URL. A plain value type.
struct Settings {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string username;  ///< ACL user (Redis 6+); empty = the default user.
  std::string password;  ///< AUTH password; empty = no AUTH.
  int db = 0;            ///< SELECTed database, from the URL path.
  Mode mode = Mode::pubsub;
  /// pub/sub: wrap key and headers in the unimq envelope; off publishes the bare payload.
  bool envelope = true;
  /// Streams: XADD trims to about this many entries (MAXLEN ~); 0 keeps everything.
  std::int64_t maxlen = 0;
  /// Streams: the longest a single XREADGROUP blocks, so acks and claims are never held up.
  std::chrono::milliseconds block{500};
  /// Streams: a pending message idle this long is claimed by another consumer of the group
  /// (its consumer died) and nacked messages become claimable after their delay.
  std::chrono::milliseconds claim_after{30000};
  /// How long establishing a connection (TCP, AUTH, SELECT) may take.
  std::chrono::milliseconds connect_timeout{5000};
  /// How long a reply may take before the connection is considered dead and replaced.
  std::chrono::milliseconds command_timeout{5000};
  /// Longest wait between reconnect attempts (the backoff starts at 100 ms and doubles).
  std::chrono::milliseconds reconnect_max{5000};
  /// The URL with the password masked, for messages.
  std::string display;
};

/// The query options a redis:// URL accepts.
const std::vector<std::string>& option_names();

/// Reads `url` into Settings. Throws ConfigError for rediss:// (no TLS in this hiredis), several
/// hosts, a bad database number or a bad option value.
Settings parse_settings(const driver::BrokerUrl& url);

}  // namespace unimq::redis
