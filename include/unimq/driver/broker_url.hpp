// The parsed form of a broker URL, handed to adapters.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace unimq::driver {

/// One `host[:port]` of a URL; port 0 means "the scheme's default".
struct HostPort {
  std::string host;        ///< Host name or address; IPv6 without brackets.
  std::uint16_t port = 0;  ///< Port, or 0 when the URL gave none.
  /// Equal when host and port are equal.
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

/// `scheme://[user[:pass]@]host[:port][,host2[:port]…][/path][?opt=v&…]`, percent-decoded.
/// Parsing checks syntax only; which options a scheme accepts is checked by the adapter registry.
/// A plain value type.
struct BrokerUrl {
  std::string scheme;                                        ///< Lowercase scheme.
  std::string username;                                      ///< Decoded user name, may be empty.
  std::string password;                                      ///< Decoded password, may be empty.
  std::vector<HostPort> hosts;                               ///< At least one for network brokers.
  std::string path;                                          ///< Decoded path without leading '/'.
  std::vector<std::pair<std::string, std::string>> options;  ///< Query options, in order.

  /// Parses `url`; throws ConfigError naming the offending part. Duplicate options are an error.
  static BrokerUrl parse(std::string_view url);

  /// The value of option `name`, or nullopt.
  std::optional<std::string_view> option(std::string_view name) const;
  /// Option `name` as a string, or `fallback`.
  std::string option_string(std::string_view name, std::string_view fallback) const;
  /// Option `name` as a boolean (`true|false|1|0|yes|no|on|off`); ConfigError otherwise.
  bool option_bool(std::string_view name, bool fallback) const;
  /// Option `name` as an integer within [min, max]; ConfigError otherwise.
  std::int64_t option_int(std::string_view name, std::int64_t fallback, std::int64_t min,
                          std::int64_t max) const;
  /// Option `name` as a duration (`250ms`, `5s`, `1m`, `1h`, `100us`); ConfigError otherwise.
  std::chrono::milliseconds option_duration(std::string_view name,
                                            std::chrono::milliseconds fallback) const;
  /// Option `name` as a duration longer than zero (timeouts, intervals); ConfigError otherwise.
  std::chrono::milliseconds option_positive_duration(std::string_view name,
                                                     std::chrono::milliseconds fallback) const;
  /// Option `name` as one of `allowed`; ConfigError listing them otherwise.
  std::string option_choice(std::string_view name, std::string_view fallback,
                            const std::vector<std::string_view>& allowed) const;
  /// Options whose name starts with `prefix`, with the prefix removed (`kafka.linger.ms`).
  std::vector<std::pair<std::string, std::string>> options_with_prefix(
      std::string_view prefix) const;

  /// The URL as text with the password replaced by `***`, safe for logs and errors.
  std::string redacted() const;
};

}  // namespace unimq::driver
