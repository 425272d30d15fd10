// The `unimq` logger: redirect, re-level, silence.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "unimq/unimq.hpp"

namespace unimq {
namespace {

struct Captured {
  std::mutex mutex;
  std::vector<std::pair<LogLevel, std::string>> lines;
  std::size_t count_containing(const std::string& text) {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& [level, line] : lines) n += line.find(text) != std::string::npos;
    return n;
  }
};

class Log : public ::testing::Test {
 protected:
  void SetUp() override {
    set_log_handler([this](LogLevel level, std::string_view text) {
      std::lock_guard lock(captured_.mutex);
      captured_.lines.emplace_back(level, std::string(text));
    });
  }
  void TearDown() override {
    set_log_level(LogLevel::info);
    set_log_handler(nullptr);
  }
  Captured captured_;
};

TEST_F(Log, HandlerReceivesLinesWithTheirLevel) {
  set_log_level(LogLevel::info);
  Client::connect("memory://log-test").close();
  ASSERT_EQ(captured_.count_containing("connected to 'memory://log-test'"), 1u);
  std::lock_guard lock(captured_.mutex);
  for (const auto& [level, line] : captured_.lines) {
    if (line.find("connected to") != std::string::npos) {
      EXPECT_EQ(level, LogLevel::info);
    }
    EXPECT_TRUE(line.empty() || line.back() != '\n');
  }
}

TEST_F(Log, LevelFiltersAndOffSilences) {
  set_log_level(LogLevel::warn);
  Client::connect("memory://log-test").close();
  EXPECT_EQ(captured_.count_containing("connected to"), 0u);
  set_log_level(LogLevel::off);
  Client::connect("memory://log-test").close();
  {
    std::lock_guard lock(captured_.mutex);
    EXPECT_EQ(captured_.lines.size(), 0u);
  }
  set_log_level(LogLevel::debug);
  Client::connect("memory://log-test").close();
  EXPECT_EQ(captured_.count_containing("connected to 'memory://log-test'"), 1u);
  EXPECT_EQ(captured_.count_containing("memory: connected to broker 'log-test'"), 1u);  // debug
}

}  // namespace
}  // namespace unimq
