// Adapter unit tests read a URL into the adapter's Settings and check the ConfigError texts of
// bad ones; these two helpers do both for any adapter's parse_settings().
#pragma once

#include <string>

#include "unimq/driver/broker_url.hpp"
#include "unimq/error.hpp"

namespace unimq::test {

/// `parse_settings(BrokerUrl::parse(url))` for the adapter whose parse_settings is given.
template <typename ParseSettings>
auto parse_url(ParseSettings parse_settings, const std::string& url) {
  return parse_settings(driver::BrokerUrl::parse(url));
}

/// The ConfigError text parsing `url` raises, or "no ConfigError".
template <typename ParseSettings>
std::string config_error(ParseSettings parse_settings, const std::string& url) {
  try {
    parse_url(parse_settings, url);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no ConfigError";
}

}  // namespace unimq::test
