// RedisProcess, run_process/redis_cli and RespConnection against a real private redis-server.
// Skipped when no redis-server binary exists, unless UNIMQ_REQUIRE_BROKERS=1 (then it fails).
#include "redis_process.hpp"
#include "require_broker.hpp"

#include <signal.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

class RedisProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (RedisProcess::available()) return;
    missing_broker(RedisProcess::server_binary() +
                   " not found (set UNIMQ_REDIS_SERVER or install redis-server)");
  }
};

TEST(RunProcess, CapturesStdoutStderrAndExitCode) {
  auto r = run_process({"sh", "-c", "printf 'out\\n'; printf 'err' >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err");
}

TEST(RunProcess, PassesArgumentsWithoutAShell) {
  auto r = run_process({"printf", "%s|", "a b", "", "*", "$HOME"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "a b||*|$HOME|");
}

TEST(RunProcess, KillsAChildThatOutlivesItsTimeout) {
  const auto start = std::chrono::steady_clock::now();
  auto r = run_process({"sh", "-c", "echo started; exec sleep 30"}, 300ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, 128 + SIGKILL);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RunProcess, ReportsAMissingBinary) {
  auto r = run_process({"/nonexistent/unimq-no-such-binary"});
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_NE(r.err.find("unimq-no-such-binary"), std::string::npos) << r.err;
}

TEST_F(RedisProcessTest, StartsOnAPrivatePortWithAppendOnlyPersistence) {
  RedisProcess redis;
  EXPECT_TRUE(redis.running());
  EXPECT_GT(redis.pid(), 0);
  EXPECT_NE(redis.port(), 0);
  EXPECT_NE(redis.port(), 6379);
  EXPECT_EQ(redis.url(), "redis://127.0.0.1:" + std::to_string(redis.port()));
  EXPECT_EQ(redis.url("mode=streams"),
            "redis://127.0.0.1:" + std::to_string(redis.port()) + "?mode=streams");
  EXPECT_TRUE(std::filesystem::is_directory(redis.dir()));
  EXPECT_TRUE(redis_answers_ping(redis.port(), 1s));

  auto aof = redis.cli({"CONFIG", "GET", "appendonly"});
  EXPECT_EQ(aof.exit_code, 0) << aof.err;
  EXPECT_EQ(aof.out, "appendonly\nyes\n");
  EXPECT_EQ(redis.cli({"CONFIG", "GET", "appendfsync"}).out, "appendfsync\nalways\n");
  EXPECT_EQ(redis.cli({"CONFIG", "GET", "save"}).out, "save\n\n");
  EXPECT_EQ(redis.cli({"CONFIG", "GET", "dir"}).out,
            "dir\n" + std::filesystem::canonical(redis.dir()).string() + "\n");
}

TEST_F(RedisProcessTest, TwoServersGetDifferentPortsAndDirectories) {
  RedisProcess a;
  RedisProcess b;
  EXPECT_NE(a.port(), b.port());
  EXPECT_NE(a.dir(), b.dir());
  EXPECT_EQ(a.cli({"SET", "k", "a"}).out, "OK\n");
  EXPECT_EQ(b.cli({"GET", "k"}).out, "\n");  // nil prints as an empty line
}

TEST_F(RedisProcessTest, DataSurvivesKill9AndRestartOnTheSamePort) {
  RedisProcess redis;
  const auto port = redis.port();
  const auto dir = redis.dir();
  const auto old_pid = redis.pid();
  ASSERT_EQ(redis.cli({"XADD", "s", "1-1", "payload", "kept"}).out, "1-1\n");

  redis.kill9();
  EXPECT_FALSE(redis.running());
  EXPECT_EQ(redis.pid(), -1);
  EXPECT_FALSE(redis_answers_ping(port, 200ms));
  EXPECT_NE(::kill(old_pid, 0), 0);  // reaped, not a zombie

  redis.restart();
  EXPECT_TRUE(redis.running());
  EXPECT_NE(redis.pid(), old_pid);
  EXPECT_EQ(redis.port(), port);
  EXPECT_EQ(redis.dir(), dir);
  EXPECT_EQ(redis.cli({"XRANGE", "s", "-", "+"}).out, "1-1\npayload\nkept\n");
}

TEST_F(RedisProcessTest, RestartWhileRunningKillsTheOldServerFirst) {
  RedisProcess redis;
  const auto old_pid = redis.pid();
  ASSERT_EQ(redis.cli({"SET", "k", "v"}).out, "OK\n");
  redis.restart();
  EXPECT_NE(redis.pid(), old_pid);
  EXPECT_EQ(redis.cli({"GET", "k"}).out, "v\n");
}

TEST_F(RedisProcessTest, DestructorStopsTheServerAndRemovesItsDirectory) {
  std::filesystem::path dir;
  pid_t pid = -1;
  std::uint16_t port = 0;
  {
    RedisProcess redis;
    dir = redis.dir();
    pid = redis.pid();
    port = redis.port();
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_FALSE(redis_answers_ping(port, 200ms));
}

TEST_F(RedisProcessTest, ExtraArgumentsReachTheServer) {
  RedisProcess redis({"--maxmemory", "12mb"});
  EXPECT_EQ(redis.cli({"CONFIG", "GET", "maxmemory"}).out, "maxmemory\n12582912\n");
}

TEST_F(RedisProcessTest, RedisCliFailsCleanlyWhenTheServerIsDown) {
  RedisProcess redis;
  redis.kill9();
  auto r = redis.cli({"PING"}, 5s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.out, "PONG\n");
}

TEST_F(RedisProcessTest, RespConnectionSpeaksEveryReplyType) {
  RedisProcess redis;
  RespConnection c(redis.port());
  auto pong = c.command({"PING"});
  EXPECT_EQ(pong.type, RespValue::Type::simple);
  EXPECT_EQ(pong.str, "PONG");

  const std::string binary("a\0b\r\nc", 6);
  EXPECT_EQ(c.command({"SET", "bin", binary}).str, "OK");
  auto got = c.command({"GET", "bin"});
  EXPECT_EQ(got.type, RespValue::Type::bulk);
  EXPECT_EQ(got.str, binary);

  EXPECT_EQ(c.command({"GET", "missing"}).type, RespValue::Type::nil);
  auto n = c.command({"INCR", "n"});
  EXPECT_EQ(n.type, RespValue::Type::integer);
  EXPECT_EQ(n.integer, 1);
  auto err = c.command({"NOSUCHCOMMAND"});
  EXPECT_EQ(err.type, RespValue::Type::error);
  EXPECT_EQ(err.str.rfind("ERR", 0), 0u) << err.str;

  c.command({"XADD", "s", "1-1", "payload", "p", "key", "k"});
  auto range = c.command({"XRANGE", "s", "-", "+"});
  ASSERT_EQ(range.type, RespValue::Type::array);
  ASSERT_EQ(range.elements.size(), 1u);
  ASSERT_EQ(range.elements[0].elements.size(), 2u);
  EXPECT_EQ(range.elements[0].elements[0].str, "1-1");
  const auto& fields = range.elements[0].elements[1].elements;
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[0].str, "payload");
  EXPECT_EQ(fields[1].str, "p");
  EXPECT_EQ(fields[2].str, "key");
  EXPECT_EQ(fields[3].str, "k");
}

TEST_F(RedisProcessTest, RespConnectionReceivesPubSubMessages) {
  RedisProcess redis;
  RespConnection sub(redis.port());
  auto confirm = sub.command({"SUBSCRIBE", "chan"});
  ASSERT_EQ(confirm.elements.size(), 3u);
  EXPECT_EQ(confirm.elements[0].str, "subscribe");
  EXPECT_FALSE(sub.read(100ms).has_value());  // nothing yet: read times out

  EXPECT_EQ(redis.cli({"PUBLISH", "chan", "hi"}).out, "1\n");
  auto msg = sub.read(5s);
  ASSERT_TRUE(msg.has_value());
  ASSERT_EQ(msg->elements.size(), 3u);
  EXPECT_EQ(msg->elements[0].str, "message");
  EXPECT_EQ(msg->elements[1].str, "chan");
  EXPECT_EQ(msg->elements[2].str, "hi");

  redis.kill9();
  EXPECT_THROW(sub.read(5s), std::runtime_error);  // the server closed the connection
}

}  // namespace
}  // namespace unimq::test
