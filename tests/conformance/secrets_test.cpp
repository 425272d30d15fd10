// Passwords in broker URLs never reach logs, exception messages or accessors.
#include <mutex>

#include "fixture.hpp"

namespace unimq::test {
namespace {

constexpr const char* password = "Pa55-s3cret-xyzzy";

/// `url` with user info carrying `password` (replacing any existing user info).
std::string with_credentials(const std::string& url) {
  const auto sep = url.find("://");
  std::string rest = url.substr(sep + 3);
  if (const auto at = rest.find('@'); at != std::string::npos && at < rest.find_first_of("/?")) {
    rest = rest.substr(at + 1);
  }
  return url.substr(0, sep + 3) + "unimq-user:" + password + "@" + rest;
}

/// `url` with an option no adapter accepts, so connecting fails before any network I/O.
std::string with_option_for_secrets(const std::string& url) {
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "no_such_option=1";
}

/// `url` with its authority (user info too) replaced by a loopback port nothing listens on.
std::string with_dead_port(const std::string& url) {
  const auto sep = url.find("://");
  const auto end = url.find_first_of("/?", sep + 3);
  return url.substr(0, sep + 3) + "127.0.0.1:1" + (end == std::string::npos ? "" : url.substr(end));
}

class LogCapture {
 public:
  LogCapture() {
    set_log_level(LogLevel::trace);
    set_log_handler([this](LogLevel, std::string_view text) {
      std::lock_guard lock(mutex_);
      text_ += std::string(text) + "\n";
    });
  }
  ~LogCapture() {
    set_log_handler(nullptr);
    set_log_level(LogLevel::info);
  }
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 private:
  std::mutex mutex_;
  std::string text_;
};

TEST_P(Conformance, PasswordsNeverAppearInErrorsOrLogs) {
  LogCapture logs;
  std::vector<std::string> attempts = {
      with_option_for_secrets(with_credentials(GetParam().url)),
  };
  const bool network = GetParam().url.rfind("memory:", 0) != 0;
  // Credentials last: with_dead_port() replaces the user info along with the hosts.
  if (network) attempts.push_back(with_credentials(with_dead_port(GetParam().url)));
  for (const auto& url : attempts) {
    ASSERT_NE(url.find(password), std::string::npos) << "the test must carry the password";
    try {
      Client::connect(url);
      ADD_FAILURE() << "connecting should fail";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find(password), std::string::npos) << e.what();
      // The URL is shown, redacted: the user can still see which broker failed.
      EXPECT_NE(std::string(e.what()).find("unimq-user:***@"), std::string::npos) << e.what();
    }
    const std::string yaml = "broker: \"" + url + "\"\nconsumers: {c: {topic: t, colour: red}}\n";
    try {
      Client::from_config(Config::parse(yaml));
      ADD_FAILURE() << "config should fail";
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find(password), std::string::npos) << e.what();
    }
  }
  // A working client does not show it either.
  if (!network) {
    const std::string ok = with_credentials(GetParam().url);
    try {
      Client client = Client::connect(ok);
      EXPECT_EQ(client.url().find(password), std::string::npos) << client.url();
      client.close();
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()).find(password), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(logs.text().find(password), std::string::npos) << logs.text();
}

}  // namespace
}  // namespace unimq::test
