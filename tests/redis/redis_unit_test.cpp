// Redis adapter pieces that need no server: URL settings, the stream field layout, error-reply
// classification and the refusal of rediss://.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <cstring>

#include "redis_connection.hpp"
#include "redis_settings.hpp"
#include "settings_parse.hpp"
#include "stream_fields.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {
namespace {

using namespace std::chrono_literals;

Settings parse(const std::string& url) {
  return test::parse_url(parse_settings, url);
}

std::string config_error(const std::string& url) {
  return test::config_error(parse_settings, url);
}

TEST(RedisSettings, DefaultsArePubSubOnPort6379) {
  const Settings s = parse("redis://cache.internal");
  EXPECT_EQ(s.host, "cache.internal");
  EXPECT_EQ(s.port, 6379);
  EXPECT_EQ(s.db, 0);
  EXPECT_EQ(s.mode, Mode::pubsub);
  EXPECT_TRUE(s.envelope);
  EXPECT_EQ(s.claim_after, 30s);
  EXPECT_EQ(s.command_timeout, 5s);
}

TEST(RedisSettings, EveryOptionIsRead) {
  const Settings s = parse(
      "redis://bob:pw@example.org:7000/3?mode=streams&maxlen=1000&block=250ms&claim_after=2s&"
      "connect_timeout=1s&command_timeout=3s&reconnect_max=750ms");
  EXPECT_EQ(s.host, "example.org");
  EXPECT_EQ(s.port, 7000);
  EXPECT_EQ(s.username, "bob");
  EXPECT_EQ(s.password, "pw");
  EXPECT_EQ(s.db, 3);
  EXPECT_EQ(s.mode, Mode::streams);
  EXPECT_EQ(s.maxlen, 1000);
  EXPECT_EQ(s.block, 250ms);
  EXPECT_EQ(s.claim_after, 2s);
  EXPECT_EQ(s.connect_timeout, 1s);
  EXPECT_EQ(s.command_timeout, 3s);
  EXPECT_EQ(s.reconnect_max, 750ms);
  EXPECT_EQ(s.display.find("pw"), std::string::npos) << s.display;
}

TEST(RedisSettings, BadValuesAreConfigErrorsNamingThem) {
  EXPECT_NE(config_error("rediss://h").find("TLS"), std::string::npos);
  EXPECT_NE(config_error("redis://h/x").find("database number"), std::string::npos);
  EXPECT_NE(config_error("redis://h/-1").find("database number"), std::string::npos);
  EXPECT_NE(config_error("redis://a,b").find("one host"), std::string::npos);
  EXPECT_NE(config_error("redis://h?mode=cluster").find("mode"), std::string::npos);
  EXPECT_NE(config_error("redis://h?mode=streams&maxlen=-1").find("maxlen"), std::string::npos);
  EXPECT_NE(config_error("redis://h?command_timeout=0ms").find("command_timeout"),
            std::string::npos);
  EXPECT_NE(config_error("redis://h?maxlen=5").find("mode=streams only"), std::string::npos);
  EXPECT_NE(config_error("redis://h?mode=streams&envelope=off").find("mode=pubsub only"),
            std::string::npos);
  EXPECT_NE(config_error("rediss://u:secret@h").find("u:***@"), std::string::npos);
}

// Builds a hiredis array reply of bulk strings, as XRANGE returns for an entry's fields.
class FieldReply {
 public:
  explicit FieldReply(std::vector<std::string> items) : items_(std::move(items)) {
    for (auto& item : items_) {
      auto& r = elements_.emplace_back();
      r.type = REDIS_REPLY_STRING;
      r.str = item.data();
      r.len = item.size();
    }
    for (auto& e : elements_) pointers_.push_back(&e);
    array_.type = REDIS_REPLY_ARRAY;
    array_.elements = pointers_.size();
    array_.element = pointers_.data();
  }
  const redisReply& reply() const { return array_; }

 private:
  std::vector<std::string> items_;
  std::vector<redisReply> elements_;
  std::vector<redisReply*> pointers_;
  redisReply array_{};
};

TEST(RedisStreamFields, DecodeReadsPayloadKeyPrefixedAndPlainFields) {
  FieldReply r({"payload", std::string("a\0b", 3), "key", "k1", "h:trace", "t-1", "data", "x"});
  const Message m = stream_fields::decode(r.reply());
  EXPECT_EQ(m.payload(), std::string("a\0b", 3));
  EXPECT_EQ(m.key(), "k1");
  EXPECT_EQ(m.headers().get("trace"), "t-1");
  EXPECT_EQ(m.headers().get("data"), "x");
  EXPECT_EQ(m.headers().size(), 2u);
}

TEST(RedisStreamFields, HeadersNamedLikeReservedFieldsDoNotClash) {
  Message m("body");
  m.key("k").header("payload", "p").header("key", "kk");
  Args args;
  stream_fields::append(args, m);
  std::vector<std::string> fields;
  for (std::size_t i = 0; i < args.size(); ++i) fields.emplace_back(args[i]);
  EXPECT_EQ(fields, (std::vector<std::string>{"payload", "body", "key", "k", "h:payload", "p",
                                              "h:key", "kk"}));
  // The header "payload" does not overwrite the payload on the way back.
  FieldReply r(fields);
  EXPECT_EQ(stream_fields::decode(r.reply()), m);
}

TEST(RedisStreamFields, OddFieldCountIsMalformed) {
  FieldReply r({"payload", "x", "key"});
  EXPECT_THROW(stream_fields::decode(r.reply()), MalformedError);
}

TEST(RedisErrors, TransientRepliesAreRetryableOthersAreNot) {
  EXPECT_EQ(classify_error("OOM command not allowed"), driver::ErrorKind::retryable);
  EXPECT_EQ(classify_error("LOADING Redis is loading"), driver::ErrorKind::retryable);
  EXPECT_EQ(classify_error("READONLY You can't write"), driver::ErrorKind::retryable);
  EXPECT_EQ(classify_error("NOAUTH Authentication required."), driver::ErrorKind::unauthorized);
  EXPECT_EQ(classify_error("WRONGPASS invalid"), driver::ErrorKind::unauthorized);
  EXPECT_EQ(classify_error("NOGROUP No such key"), driver::ErrorKind::not_found);
  EXPECT_EQ(classify_error("WRONGTYPE Operation against a key"), driver::ErrorKind::permanent);
  EXPECT_EQ(classify_error("ERR syntax error"), driver::ErrorKind::permanent);
  EXPECT_EQ(classify_error(""), driver::ErrorKind::permanent);
}

}  // namespace
}  // namespace unimq::redis
