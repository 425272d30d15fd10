// The adapter registry's URL check (driver::check_url): scheme and option names, no connection.
#include <gtest/gtest.h>

#include <string>

#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/error.hpp"

using unimq::ConfigError;
using unimq::driver::BrokerUrl;
using unimq::driver::check_url;

namespace {

// The ConfigError text check_url throws for `url`; empty when it accepts it.
std::string check_error(const std::string& url) {
  try {
    check_url(BrokerUrl::parse(url));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

}  // namespace

TEST(CheckUrl, AcceptsALinkedSchemeWithKnownOptions) {
  EXPECT_EQ(check_error("memory://"), "");
  EXPECT_EQ(check_error("memory://shop?max_messages=10"), "");
}

TEST(CheckUrl, RefusesASchemeWithoutAdapterNamingItAndTheAvailableOnes) {
  const std::string error = check_error("mqtt://broker:1883");
  EXPECT_NE(error.find("scheme 'mqtt' has no adapter in this build"), std::string::npos) << error;
  EXPECT_NE(error.find("available: "), std::string::npos) << error;
  EXPECT_NE(error.find("memory"), std::string::npos) << error;
}

TEST(CheckUrl, RefusesAnUnknownOptionNamingItAndTheAcceptedOnes) {
  const std::string error = check_error("memory://?max_mesages=10");
  EXPECT_NE(error.find("unknown option 'max_mesages' for memory"), std::string::npos) << error;
  EXPECT_NE(error.find("accepted: max_messages"), std::string::npos) << error;
}

TEST(CheckUrl, DoesNotConnectSoOptionValuesAreLeftToTheAdapter) {
  // The value is only parsed when connecting: check_url passes, open_connection refuses it.
  const auto url = BrokerUrl::parse("memory://?max_messages=lots");
  EXPECT_NO_THROW(check_url(url));
  EXPECT_THROW((void)unimq::driver::open_connection(url), ConfigError);
}

TEST(CheckUrl, RedactsThePasswordInItsErrors) {
  const std::string error = check_error("mqtt://user:hunter2@broker:1883");
  EXPECT_EQ(error.find("hunter2"), std::string::npos) << error;
  EXPECT_NE(error.find("user:***@"), std::string::npos) << error;
}
