// Header-name rules and their enforcement at publish.
#include "unimq/header_rules.hpp"

#include <gtest/gtest.h>

#include "unimq/unimq.hpp"

namespace unimq {
namespace {

std::string error_of(std::string_view name, bool allow_reserved = false) {
  try {
    validate_header_name(name, allow_reserved);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(HeaderRules, AcceptsPortableNames) {
  for (const char* name : {"a", "trace-id", "X_Custom.1", "grüße", "東京", "traceparent"}) {
    EXPECT_EQ(error_of(name), "") << name;
  }
  EXPECT_EQ(error_of(std::string(255, 'n')), "");
}

TEST(HeaderRules, RefusesWithTheReasonAndTheName) {
  EXPECT_EQ(error_of(""), "header name is empty");
  EXPECT_NE(error_of(std::string(256, 'n')).find("256 bytes"), std::string::npos);
  EXPECT_NE(error_of("bad\xff").find("'bad\\xff' is not valid UTF-8"), std::string::npos);
  EXPECT_NE(error_of("a\nb").find("control character"), std::string::npos);
  EXPECT_NE(error_of("a b").find("'a b' contains a space"), std::string::npos);
  EXPECT_NE(error_of("a:b").find("contains ':'"), std::string::npos);
  EXPECT_NE(error_of("unimq-dlq-topic").find("reserved"), std::string::npos);
  EXPECT_NE(error_of("UNIMQ-Attempt").find("reserved"), std::string::npos);
  EXPECT_EQ(error_of("unimq-dlq-topic", true), "");
}

TEST(HeaderRules, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("ascii \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x9c"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\x80"));              // stray continuation
}

TEST(HeaderRules, PublishRefusesABadNameBeforeQueueing) {
  auto client = Client::connect("memory://header-rules");
  auto producer = client.topic("t").producer();
  EXPECT_THROW(producer.publish(Message("x").header("unimq-dlq-error", "forged")), ConfigError);
  EXPECT_THROW(producer.publish(Message("x").header("", "v"), [](const PublishResult&) {}),
               ConfigError);
  EXPECT_EQ(producer.pending(), 0u);
  producer.publish(Message("x").header("ok", "v")).get();
}

}  // namespace
}  // namespace unimq
