// Interoperability with plain NATS clients (a raw protocol connection, no client library): what
// unimq publishes they read with native headers, and what they publish unimq consumes. Label
// `interop;nats`.
//
// Message layout on NATS: payload = message body, headers = NATS headers, key = header
// `unimq-key`.
#include <iostream>

#include "nats_fixture.hpp"

namespace unimq::test {
namespace {

class NatsInterop : public NatsTest {};

/// Decodes standard base64 (as JetStream's API returns message data and headers).
std::string base64_decode(std::string_view in) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=') break;
    const auto v = alphabet.find(c);
    if (v == std::string_view::npos) continue;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xffu));
    }
  }
  return out;
}

/// The string value of `"field":"..."` in compact JSON; "<absent>" when missing.
std::string json_string(const std::string& json, const std::string& field) {
  const std::string key = "\"" + field + "\":\"";
  const auto at = json.find(key);
  if (at == std::string::npos) return "<absent>";
  const auto start = at + key.size();
  return json.substr(start, json.find('"', start) - start);
}

std::string describe(const NatsMessage& m) {
  std::string out = (m.has_headers ? "HMSG " : "MSG ") + m.subject + " payload '" + m.payload + "'";
  for (const auto& [k, v] : m.headers) out += "\n  " + k + ": " + v;
  return out;
}

// What unimq publishes on core NATS reaches a plain subscriber as HMSG: the payload as it is,
// headers as native NATS headers, the key as header unimq-key.
TEST_F(NatsInterop, CorePublishReachesARawSubscriberWithNativeHeaders) {
  NatsConnection sub(nats().port());
  sub.subscribe("interop.core", "1");
  sub.flush();

  auto client = Client::connect(core_url());
  auto producer = client.topic("interop.core").producer();
  producer.publish(Message("hello").key("k").header("h1", "v1")).get();

  const auto m = sub.read(10s);
  ASSERT_TRUE(m.has_value()) << "the raw subscriber got nothing";
  std::cout << "[ nats interop ] " << describe(*m) << std::endl;
  EXPECT_EQ(m->subject, "interop.core");
  EXPECT_EQ(m->payload, "hello");
  EXPECT_TRUE(m->has_headers);
  EXPECT_EQ(m->header("h1").value_or("<absent>"), "v1") << describe(*m);
  EXPECT_EQ(m->header("unimq-key").value_or("<absent>"), "k") << describe(*m);
  EXPECT_FALSE(sub.read(300ms).has_value()) << "one publish, more than one message";
}

// A plain publisher: a PUB without headers arrives as a bare payload (no key, no headers); an
// HPUB's headers arrive as message headers and unimq-key as the key.
TEST_F(NatsInterop, RawPublishesAreConsumedWithKeyAndHeaders) {
  auto client = Client::connect(core_url());
  Collector got;
  auto consumer = client.topic("interop.in").consumer();
  consumer.start([&](const Delivery& d) { got.add(d); });

  NatsConnection pub(nats().port());
  pub.publish("interop.in", "plain");
  pub.publish("interop.in", "with-headers", {{"trace", "abc"}, {"unimq-key", "k2"}});
  pub.flush();
  ASSERT_TRUE(got.wait_for(2, 10s)) << got.size() << " of 2 messages arrived";
  EXPECT_FALSE(got.wait_for(3, 300ms)) << "two publishes, more than two deliveries";
  consumer.stop(5s);

  const auto messages = got.messages();
  ASSERT_EQ(messages.size(), 2u);
  const auto& plain = messages[0];
  EXPECT_EQ(plain.payload(), "plain");
  EXPECT_EQ(plain.key(), "");
  EXPECT_TRUE(plain.headers().empty())
      << plain.headers().size() << " headers, first '" << plain.headers().begin()->first << "'";
  const auto& rich = messages[1];
  EXPECT_EQ(rich.payload(), "with-headers");
  EXPECT_EQ(rich.key(), "k2");
  EXPECT_EQ(header_or_absent(rich, "trace"), "abc");
  EXPECT_FALSE(rich.headers().contains("unimq-key")) << "the key header is also a header";
}

// JetStream: what unimq publishes is stored in the stream named after the topic with native
// headers (read back through the JetStream API), and a plain core subscriber on the subject sees
// it too.
TEST_F(NatsInterop, JetStreamPublishIsStoredWithNativeHeaders) {
  NatsConnection raw(nats().port());
  raw.subscribe("jsinterop", "1");
  raw.flush();

  auto client = Client::connect(jetstream_url());
  auto producer = client.topic("jsinterop").producer();
  const Receipt r = producer.publish(Message("stored").key("k").header("h1", "v1")).get();
  EXPECT_EQ(r.offset.value_or(-1), 1) << "stream sequence of the first message";

  const auto live = raw.read(10s);
  ASSERT_TRUE(live.has_value()) << "a core subscriber on the subject saw nothing";
  EXPECT_EQ(live->payload, "stored");
  EXPECT_EQ(live->header("h1").value_or("<absent>"), "v1") << describe(*live);

  const auto reply = raw.request("$JS.API.STREAM.MSG.GET.jsinterop", R"({"seq":1})");
  ASSERT_EQ(reply.payload.find("\"error\""), std::string::npos) << reply.payload;
  EXPECT_EQ(json_string(reply.payload, "subject"), "jsinterop") << reply.payload;
  EXPECT_EQ(base64_decode(json_string(reply.payload, "data")), "stored") << reply.payload;
  const std::string headers = base64_decode(json_string(reply.payload, "hdrs"));
  EXPECT_EQ(headers.rfind("NATS/1.0\r\n", 0), 0u) << headers;
  EXPECT_NE(headers.find("\r\nh1: v1\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("\r\nunimq-key: k\r\n"), std::string::npos) << headers;
}

// JetStream: a plain publisher's message (PUB with a reply subject, answered by the stream's
// PubAck) reaches a unimq group replaying the stream, with its headers.
TEST_F(NatsInterop, RawJetStreamPublishIsConsumedByAGroup) {
  auto client = Client::connect(jetstream_url());
  Collector got;
  auto consumer =
      client.topic("jsforeign").consumer({.group = "g", .start = StartPosition::earliest});
  consumer.start([&](const Delivery& d) { got.add(d); });  // creates the stream

  NatsConnection raw(nats().port());
  const std::string inbox = "_INBOX.interop.ack";
  raw.subscribe(inbox, "1");
  raw.publish("jsforeign", "from-raw", {{"trace", "xyz"}}, inbox);
  const auto ack = raw.read(10s);
  ASSERT_TRUE(ack.has_value()) << "no PubAck: the stream for the topic does not exist";
  EXPECT_NE(ack->payload.find("\"stream\":\"jsforeign\""), std::string::npos) << ack->payload;
  EXPECT_NE(ack->payload.find("\"seq\":1"), std::string::npos) << ack->payload;

  ASSERT_TRUE(got.wait_for(1, 10s)) << "the group did not receive the raw publish";
  EXPECT_FALSE(got.wait_for(2, 300ms)) << "one publish, more than one delivery";
  consumer.stop(5s);
  const auto m = got.messages().front();
  EXPECT_EQ(m.payload(), "from-raw");
  EXPECT_EQ(m.key(), "");
  EXPECT_EQ(header_or_absent(m, "trace"), "xyz");
}

}  // namespace
}  // namespace unimq::test
