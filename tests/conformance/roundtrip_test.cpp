// Round trips: what a publisher sends is what a handler receives, byte for byte.
#include "fixture.hpp"

namespace unimq::test {
namespace {

/// Publishes `message` to a fresh topic and returns what one consumer in `group` received.
Message round_trip(Client& client, const std::string& group, const std::string& name,
                   Message message) {
  auto topic = client.topic(name);
  Collector got;
  auto consumer = topic.consumer({.group = group});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer();
  producer.publish(std::move(message)).get();
  EXPECT_TRUE(got.wait_for(1));
  consumer.stop();
  EXPECT_EQ(got.size(), 1u);
  return got.messages().empty() ? Message{} : got.messages().front();
}

TEST_P(Conformance, BinaryPayloadWithNulsArrivesIntact) {
  std::string payload;
  for (int i = 0; i < 512; ++i) payload.push_back(static_cast<char>(i % 256));
  payload += std::string("\0\0UMQ\0", 6);
  auto got = round_trip(client(), group("g"), unique("bin"), Message(payload));
  EXPECT_EQ(got.payload(), payload);
}

TEST_P(Conformance, EmptyPayloadArrivesEmpty) {
  auto got = round_trip(client(), group("g"), unique("empty"), Message(std::string{}));
  EXPECT_EQ(got.payload(), "");
  EXPECT_TRUE(got.key().empty());
}

TEST_P(Conformance, OneMebibytePayloadArrivesIntact) {
  const std::size_t size = 1 << 20;
  if (caps().max_payload != 0 && caps().max_payload < size) {
    GTEST_SKIP() << "backend '" << caps().system
                 << "' declares capability 'max_payload' = " << caps().max_payload
                 << " bytes, below 1 MiB";
  }
  std::string payload(size, '\0');
  for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>((i * 131) % 251);
  auto got = round_trip(client(), group("g"), unique("big"), Message(payload));
  EXPECT_EQ(got.payload().size(), size);
  EXPECT_TRUE(got.payload() == payload);
}

TEST_P(Conformance, KeyAndHeadersArriveUnchanged) {
  Message m("body");
  m.key("customer-42");
  m.header("ascii", "plain value");
  m.header("utf8", "grüße, 東京, ✓");
  m.header("odd", "a=b; c,d \"quoted\" \t tab");
  m.header("empty", "");
  auto got = round_trip(client(), group("g"), unique("hdr"), m);
  EXPECT_EQ(got.payload(), "body");
  EXPECT_EQ(got.key(), "customer-42");
  for (const char* name : {"ascii", "utf8", "odd", "empty"}) {
    ASSERT_TRUE(got.headers().get(name).has_value()) << name;
    EXPECT_EQ(*got.headers().get(name), *m.headers().get(name)) << name;
  }
}

TEST_P(Conformance, PublishFutureYieldsReceiptNamingTheTopic) {
  const auto name = unique("receipt");
  auto topic = client().topic(name);
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([](const Delivery&) {});
  auto producer = topic.producer();
  Receipt first = producer.publish(Message("a")).get();
  Receipt second = producer.publish(Message("b")).get();
  EXPECT_EQ(first.topic, name);
  EXPECT_EQ(second.topic, name);
  // Ids and offsets are the broker's, compared where it assigns them (Redis pub/sub does not).
  if (!first.message_id.empty() || !second.message_id.empty()) {
    EXPECT_NE(first.message_id, second.message_id);
  }
  if (first.offset && second.offset) {
    EXPECT_LT(*first.offset, *second.offset);
  }
}

TEST_P(Conformance, CallbackPublishCompletesEveryMessageAndFlushWaits) {
  const auto name = unique("cb");
  auto topic = client().topic(name);
  Collector got;
  auto consumer = topic.consumer({.group = group("g")});
  consumer.start([&](const Delivery& d) { got.add(d); });
  auto producer = topic.producer();
  std::atomic<int> ok{0}, failed{0};
  for (int i = 0; i < 500; ++i) {
    producer.publish(Message(std::to_string(i)), [&](const PublishResult& r) {
      (r.ok() ? ok : failed).fetch_add(1);
      if (r.ok()) {
        EXPECT_EQ(r.receipt.topic, name);
      }
    });
  }
  EXPECT_TRUE(producer.flush(patience));
  EXPECT_EQ(ok.load(), 500);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(producer.pending(), 0u);
  EXPECT_TRUE(got.wait_for(500));
  EXPECT_EQ(got.counts().size(), 500u);
}

}  // namespace
}  // namespace unimq::test
