// The envelope codec: exact bytes, round trips, and hostile input that must fail cleanly.
#include "unimq/driver/envelope.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "unimq/error.hpp"

namespace env = unimq::driver::envelope;
using unimq::Message;

namespace {

std::string enveloped(std::string_view body) {
  return std::string(env::magic) + static_cast<char>(env::version) + std::string(body);
}

// The error text of decoding `bytes`, or "" when it decoded.
std::string decode_error(const std::string& bytes) {
  try {
    (void)env::decode(bytes);
    return "";
  } catch (const unimq::MalformedError& e) {
    return e.what();
  }
}

}  // namespace

TEST(Envelope, EncodesTheDocumentedLayout) {
  const std::string bytes = env::encode(Message("p").key("k").header("a", "b"));
  // key len 1, "k", 1 header, name len 1, "a", value len 1, "b", then the payload.
  EXPECT_EQ(bytes,
            enveloped(std::string("\x01") + "k" + "\x01" + "\x01" + "a" + "\x01" + "b" + "p"));
  // Lengths of 128 and more take two LEB128 bytes: 300 = 0xAC 0x02.
  const std::string key300(300, 'x');
  const std::string big = env::encode(Message("").key(key300));
  EXPECT_EQ(big, enveloped(std::string("\xAC\x02") + key300 + std::string(1, '\0')));
}

TEST(Envelope, RoundTripsBinaryEmptyAndUnicode) {
  const std::string nul_payload("a\0b\0\0c", 6);
  const std::vector<Message> cases = {
      Message(""),
      Message(nul_payload).key(std::string("k\0ey", 4)),
      Message("payload")
          .key("customer-7")
          .header("", "")
          .header("empty", "")
          .header("grüße", "日本語 ✓")
          .header(std::string("n\0ul", 4), std::string("v\0al", 4)),
      Message(std::string(1 << 20, '\xff'))
          .key(std::string(1000, 'k'))
          .header("big", std::string(70000, 'v')),
  };
  for (const auto& original : cases) {
    const std::string bytes = env::encode(original);
    EXPECT_TRUE(env::is_enveloped(bytes));
    const Message back = env::decode(bytes);
    EXPECT_EQ(back, original);
    EXPECT_EQ(back.headers().size(), original.headers().size());
  }
}

TEST(Envelope, PlainPayloadWithoutMagicIsReadAsIs) {
  for (const std::string& plain :
       {std::string(""), std::string("hello"), std::string("\0UM", 3), std::string("UMQ\x01x"),
        std::string("\0UMX\x01", 5), std::string("\x01\0UMQ", 5)}) {
    EXPECT_FALSE(env::is_enveloped(plain));
    const Message m = env::decode(plain);
    EXPECT_EQ(m.payload(), plain);
    EXPECT_EQ(m.key(), "");
    EXPECT_TRUE(m.headers().empty());
  }
}

TEST(Envelope, EveryTruncationBeforeThePayloadIsMalformed) {
  const Message original = Message("the payload").key("key").header("h1", "v1").header("h2", "");
  const std::string bytes = env::encode(original);
  const std::size_t payload_at = bytes.size() - original.payload().size();
  std::size_t malformed = 0;
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    const std::string prefix = bytes.substr(0, len);
    if (len < env::magic.size()) {
      EXPECT_EQ(env::decode(prefix).payload(), prefix) << "len " << len;  // no magic: plain
    } else if (len < payload_at) {
      EXPECT_THROW((void)env::decode(prefix), unimq::MalformedError) << "len " << len;
      ++malformed;
    } else {
      // The payload is "the rest", so a cut inside it still decodes, to a shorter payload.
      const Message m = env::decode(prefix);
      EXPECT_EQ(m.payload(), original.payload().substr(0, len - payload_at));
      EXPECT_EQ(m.headers(), original.headers());
    }
  }
  EXPECT_EQ(malformed, payload_at - env::magic.size());
}

TEST(Envelope, UnknownVersionIsMalformed) {
  const std::string v2 = std::string(env::magic) + '\x02' + std::string("\0\0p", 3);
  EXPECT_NE(decode_error(v2).find("unknown version 2"), std::string::npos) << decode_error(v2);
  EXPECT_NE(decode_error(std::string(env::magic)).find("version"), std::string::npos);
}

TEST(Envelope, BadVarintsAndLengthsNameTheField) {
  // 11 continuation bytes: longer than any uint64 varint.
  EXPECT_NE(
      decode_error(enveloped(std::string(11, '\x80') + "\x01")).find("key is a varint longer"),
      std::string::npos);
  // Ten bytes whose last one carries more than the 64th bit.
  EXPECT_NE(decode_error(enveloped(std::string(9, '\xff') + "\x02")).find("key overflows"),
            std::string::npos);
  // A key length beyond the input.
  EXPECT_NE(decode_error(enveloped("\x05"
                                   "abc"))
                .find("key length 5 exceeds the 3 bytes left"),
            std::string::npos);
  // A header count no input of this size can hold.
  EXPECT_NE(decode_error(enveloped(std::string("\x00\x7f", 2) + "ab")).find("header count 127"),
            std::string::npos);
  // A header value length beyond the input.
  EXPECT_NE(decode_error(enveloped(std::string("\x00\x01\x01n\x09v", 6))).find("header value"),
            std::string::npos);
  // The same header name twice cannot come from a Message.
  EXPECT_NE(decode_error(enveloped(std::string("\x00\x02\x01n\x00\x01n\x00", 8))).find("repeats"),
            std::string::npos);
}

TEST(Envelope, TooManyHeadersIsMalformed) {
  std::string body("\x00", 1);
  body += "\x81\x40";  // 8193 headers
  for (int i = 0; i < 8193; ++i) body += std::string("\x00\x00", 2);
  EXPECT_NE(decode_error(enveloped(body)).find("exceeds the limit"), std::string::npos);
}

TEST(Envelope, RandomGarbageAfterMagicNeverCrashes) {
  std::mt19937 rng(12345);
  std::size_t decoded = 0;
  std::size_t rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(env::magic);
    // Mostly the right version so the fields behind it get exercised.
    bytes.push_back(rng() % 8 == 0 ? static_cast<char>(rng()) : static_cast<char>(env::version));
    const std::size_t len = rng() % 64;
    // Small byte values make plausible lengths and counts.
    for (std::size_t j = 0; j < len; ++j) {
      bytes.push_back(static_cast<char>(rng() % 2 ? rng() % 8 : rng()));
    }
    try {
      const Message m = env::decode(bytes);
      EXPECT_LE(m.payload().size() + m.key().size(), bytes.size());
      ++decoded;
    } catch (const unimq::MalformedError&) {
      ++rejected;
    }
  }
  EXPECT_EQ(decoded + rejected, 20000u);
  EXPECT_GT(decoded, 0u);
  EXPECT_GT(rejected, 0u);
}
