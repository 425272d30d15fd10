// Interoperability with plain Redis clients (redis-cli, a raw RESP connection): what they write
// unimq reads, and what unimq writes they can read. Label `interop;redis`.
//
// Stream entry layout: `payload` = payload bytes, `key` = key (only when not empty), `h:<name>` =
// one header; reading, any other field becomes a header of that name.
#include <sstream>

#include "redis_fixture.hpp"

namespace unimq::test {
namespace {

class RedisInterop : public RedisTest {};

/// The lines redis-cli printed (raw output: one value per line).
std::vector<std::string> lines(const std::string& out) {
  std::vector<std::string> result;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

// A foreign publisher: the payload has no envelope prefix, so it arrives as it is, without key
// or headers.
TEST_F(RedisInterop, RedisCliPublishIsConsumedAsAPlainPayload) {
  auto client = Client::connect(pubsub_url());
  Collector got;
  auto consumer = client.topic("chan").consumer();
  consumer.start([&](const Delivery& d) { got.add(d); });

  const auto pub = redis().cli({"PUBLISH", "chan", "hello"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  EXPECT_EQ(pub.out, "1\n") << "the unimq subscriber should be the one receiver";
  ASSERT_TRUE(got.wait_for(1, 10s));
  EXPECT_FALSE(got.wait_for(2, 300ms)) << "one PUBLISH, more than one delivery";
  consumer.stop(5s);

  ASSERT_EQ(got.size(), 1u);
  const auto m = got.messages().front();
  EXPECT_EQ(m.payload(), "hello");
  EXPECT_EQ(m.key(), "");
  EXPECT_TRUE(m.headers().empty())
      << m.headers().size() << " headers, first '" << m.headers().begin()->first << "'";
}

// A foreign stream producer: `payload`, `key` and `h:<name>` map onto the message; any other
// field becomes a header, and an entry without `payload` has an empty payload.
TEST_F(RedisInterop, RedisCliXaddIsConsumedWithKeyAndHeaders) {
  auto client = Client::connect(streams_url());
  Collector got;
  auto consumer = client.topic("s").consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });

  const auto full =
      redis().cli({"XADD", "s", "*", "payload", "hello", "key", "k1", "h:trace", "abc"});
  ASSERT_EQ(full.exit_code, 0) << full.err;
  const auto plain = redis().cli({"XADD", "s", "*", "data", "x"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_TRUE(got.wait_for(2, 10s));
  EXPECT_FALSE(got.wait_for(3, 300ms)) << "two entries, more than two deliveries";
  consumer.stop(5s);

  const auto messages = got.messages();
  ASSERT_EQ(messages.size(), 2u);
  const auto& a = messages[0];
  EXPECT_EQ(a.payload(), "hello");
  EXPECT_EQ(a.key(), "k1");
  EXPECT_EQ(a.headers().size(), 1u);
  EXPECT_EQ(header_or_absent(a, "trace"), "abc");
  EXPECT_FALSE(a.headers().contains("h:trace"));

  const auto& b = messages[1];
  EXPECT_EQ(b.payload(), "");
  EXPECT_EQ(b.key(), "");
  EXPECT_EQ(b.headers().size(), 1u);
  EXPECT_EQ(header_or_absent(b, "data"), "x");
}

/// Field -> value of one XRANGE entry as redis-cli prints it: id, then field and value lines.
std::map<std::string, std::string> entry_fields(const std::vector<std::string>& out,
                                                std::size_t first, std::size_t count) {
  std::map<std::string, std::string> fields;
  for (std::size_t i = first; i + 1 < first + count && i + 1 < out.size(); i += 2) {
    fields[out[i]] = out[i + 1];
  }
  return fields;
}

// What unimq writes to a stream is readable by any client, with the documented field names.
TEST_F(RedisInterop, UnimqStreamEntryIsReadableWithXrange) {
  auto client = Client::connect(streams_url());
  auto producer = client.topic("topic").producer();
  const Receipt with_all = producer.publish(Message("hello").key("k").header("h1", "v1")).get();
  const Receipt bare = producer.publish(Message("plain")).get();

  const auto range = redis().cli({"XRANGE", "topic", "-", "+"});
  ASSERT_EQ(range.exit_code, 0) << range.err;
  const auto out = lines(range.out);
  // Entry 1: id + 3 fields; entry 2: id + 1 field (no key field for an empty key).
  ASSERT_EQ(out.size(), 1u + 6u + 1u + 2u) << range.out;

  EXPECT_EQ(out[0], with_all.message_id);
  const auto first = entry_fields(out, 1, 6);
  const std::map<std::string, std::string> expected_first{
      {"payload", "hello"}, {"key", "k"}, {"h:h1", "v1"}};
  EXPECT_EQ(first, expected_first) << range.out;

  EXPECT_EQ(out[7], bare.message_id);
  const auto second = entry_fields(out, 8, 2);
  const std::map<std::string, std::string> expected_second{{"payload", "plain"}};
  EXPECT_EQ(second, expected_second) << range.out;
}

// envelope=off: a plain subscriber gets exactly the payload bytes, nothing around them.
TEST_F(RedisInterop, EnvelopeOffPublishesTheRawPayloadToPlainSubscribers) {
  RespConnection sub(redis().port());
  const auto confirm = sub.command({"SUBSCRIBE", "chan"});
  ASSERT_EQ(confirm.elements.size(), 3u);

  auto client = Client::connect(pubsub_url(0, "envelope=off"));
  auto producer = client.topic("chan").producer();
  const std::string payload("raw\0bytes\r\nhere", 15);
  const Receipt r = producer.publish(Message(payload)).get();
  EXPECT_EQ(r.receivers.value_or(-1), 1);

  const auto msg = sub.read(10s);
  ASSERT_TRUE(msg.has_value()) << "the plain subscriber got nothing";
  ASSERT_EQ(msg->type, RespValue::Type::array);
  ASSERT_EQ(msg->elements.size(), 3u);
  EXPECT_EQ(msg->elements[0].str, "message");
  EXPECT_EQ(msg->elements[1].str, "chan");
  EXPECT_EQ(msg->elements[2].str, payload);
  EXPECT_FALSE(sub.read(300ms).has_value()) << "one publish, more than one message";
}

}  // namespace
}  // namespace unimq::test
