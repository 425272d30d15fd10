// The adapter's Link on a private redis-server: commands queued without waiting for their reply
// (the streams consumer's XACK) go out with the next write, their replies are read before a
// later command's, and close() or a lost connection accounts for them.
#include <mutex>
#include <string>
#include <vector>

#include "redis_fixture.hpp"
#include "redis_link.hpp"
#include "redis_settings.hpp"
#include "settings_parse.hpp"
#include "unimq/log.hpp"

namespace unimq::test {
namespace {

// A private redis-server per test and the warnings unimq logs meanwhile.
class RedisLink : public RedisTest {
 protected:
  void SetUp() override {
    RedisTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    settings_ = parse_url(redis::parse_settings, redis().url("command_timeout=2s"));
    set_log_handler([this](LogLevel level, std::string_view text) {
      if (level != LogLevel::warn) return;
      std::lock_guard lock(mutex_);
      warnings_.emplace_back(text);
    });
  }
  void TearDown() override {
    set_log_handler(nullptr);
    RedisTest::TearDown();
  }

  static redis::Args args(const std::vector<std::string_view>& words) {
    redis::Args a;
    for (auto w : words) a.add(w);
    return a;
  }
  std::vector<std::string> warnings() {
    std::lock_guard lock(mutex_);
    return warnings_;
  }

  redis::Settings settings_;

 private:
  std::mutex mutex_;
  std::vector<std::string> warnings_;
};

TEST_F(RedisLink, UnawaitedRepliesAreReadBeforeTheNextCommandsOwnAndErrorsAreLogged) {
  redis::Link link(settings_, "test");
  link.ensure_connected();
  link.queue_unawaited(args({"SET", "counter", "not a number"}), "setting the counter");
  link.queue_unawaited(args({"INCR", "counter"}), "incrementing the counter");
  const redis::Reply got = link.command(args({"GET", "counter"}));
  ASSERT_EQ(redis::text(*got), "not a number");
  const auto logged = warnings();
  ASSERT_EQ(logged.size(), 1u) << testing::PrintToString(logged);
  EXPECT_NE(logged[0].find("incrementing the counter failed: ERR value is not an integer"),
            std::string::npos)
      << logged[0];
}

TEST_F(RedisLink, CloseSendsQueuedCommandsAndWaitsForTheirReplies) {
  {
    redis::Link link(settings_, "test");
    link.ensure_connected();
    link.queue_unawaited(args({"SET", "closing", "sent"}), "setting the key");
    link.close();
  }
  EXPECT_EQ(redis().cli({"GET", "closing"}).out, "sent\n");
  EXPECT_TRUE(warnings().empty()) << testing::PrintToString(warnings());
}

TEST_F(RedisLink, ALostConnectionNamesTheCommandsWhoseRepliesDidNotCome) {
  redis::Link link(settings_, "test");
  link.ensure_connected();
  link.queue_unawaited(args({"XACK", "orders", "g", "1-1"}), "XACK of 1 messages");
  link.drop("cut by the test");
  const auto logged = warnings();
  ASSERT_EQ(logged.size(), 2u) << testing::PrintToString(logged);
  EXPECT_NE(logged[1].find("XACK of 1 messages: no reply before the connection was lost"),
            std::string::npos)
      << logged[1];
  // The next connection owes nothing: its first command gets its own reply.
  link.ensure_connected();
  EXPECT_EQ(redis::text(*link.command(args({"ECHO", "mine"}))), "mine");
}

}  // namespace
}  // namespace unimq::test
