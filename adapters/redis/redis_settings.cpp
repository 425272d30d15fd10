// redis:// URL parsing: every option is checked here, so a typo fails at connect, not later.
#include "redis_settings.hpp"

#include <charconv>

#include "unimq/error.hpp"

namespace unimq::redis {

const std::vector<std::string>& option_names() {
  static const std::vector<std::string> names = {
      "mode",        "envelope",        "maxlen",          "block",
      "claim_after", "connect_timeout", "command_timeout", "reconnect_max"};
  return names;
}

namespace {

int parse_db(const driver::BrokerUrl& url) {
  if (url.path.empty()) return 0;
  int db = -1;
  const char* end = url.path.data() + url.path.size();
  auto [ptr, ec] = std::from_chars(url.path.data(), end, db);
  if (ec != std::errc{} || ptr != end || db < 0 || db > 1000000) {
    throw ConfigError("broker URL '" + url.redacted() +
                      "': the path must be a database number (redis://host:port/0), not '" +
                      url.path + "'");
  }
  return db;
}

}  // namespace

Settings parse_settings(const driver::BrokerUrl& url) {
  if (url.scheme == "rediss") {
    throw ConfigError("broker URL '" + url.redacted() +
                      "': rediss:// (TLS) is not supported: the hiredis this build uses (0.14) "
                      "has no TLS; use redis:// on a trusted network or a TLS tunnel");
  }
  Settings s;
  s.display = url.redacted();
  if (url.hosts.size() > 1) {
    throw ConfigError("broker URL '" + s.display +
                      "': redis takes one host (Redis Cluster and Sentinel are not supported)");
  }
  if (!url.hosts.empty()) {
    if (!url.hosts.front().host.empty()) s.host = url.hosts.front().host;
    if (url.hosts.front().port != 0) s.port = url.hosts.front().port;
  }
  s.username = url.username;
  s.password = url.password;
  s.db = parse_db(url);
  s.mode = url.option_choice("mode", "pubsub", {"pubsub", "streams"}) == "streams" ? Mode::streams
                                                                                   : Mode::pubsub;
  s.envelope = url.option_bool("envelope", true);
  s.maxlen = url.option_int("maxlen", 0, 0, std::int64_t{1} << 62);
  s.block = url.option_positive_duration("block", s.block);
  s.claim_after = url.option_positive_duration("claim_after", s.claim_after);
  s.connect_timeout = url.option_positive_duration("connect_timeout", s.connect_timeout);
  s.command_timeout = url.option_positive_duration("command_timeout", s.command_timeout);
  s.reconnect_max = url.option_positive_duration("reconnect_max", s.reconnect_max);
  if (s.mode == Mode::pubsub) {
    for (const char* streams_only : {"maxlen", "block", "claim_after"}) {
      if (url.option(streams_only)) {
        throw ConfigError("broker URL '" + s.display + "': option '" + streams_only +
                          "' applies to mode=streams only");
      }
    }
  } else if (url.option("envelope")) {
    throw ConfigError("broker URL '" + s.display +
                      "': option 'envelope' applies to mode=pubsub only (Streams keep key and "
                      "headers as fields)");
  }
  return s;
}

}  // namespace unimq::redis
