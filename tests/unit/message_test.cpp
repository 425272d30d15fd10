// Message: a shared payload is shared by copies until one of them changes its bytes.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "collector.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

TEST(Message, ASharedPayloadIsNeitherCopiedNorCopiedByCopies) {
  const auto bytes = std::make_shared<const std::string>(4096, 'x');
  const Message m(bytes);
  EXPECT_TRUE(m.payload_shared());
  EXPECT_EQ(&m.payload(), bytes.get());
  const Message copy =
      m;  // NOLINT(performance-unnecessary-copy-initialization): the copy is tested
  EXPECT_EQ(&copy.payload(), bytes.get());
  EXPECT_EQ(bytes.use_count(), 3);
}

TEST(Message, TheMutablePayloadOfASharedMessageIsItsOwnCopy) {
  const auto bytes = std::make_shared<const std::string>("report");
  const Message original(bytes);
  Message changed = original;
  changed.payload().append(" v2");
  EXPECT_FALSE(changed.payload_shared());
  EXPECT_EQ(changed.payload(), "report v2");
  EXPECT_EQ(original.payload(), "report");
  EXPECT_EQ(*bytes, "report");
  EXPECT_EQ(bytes.use_count(), 2);  // `bytes` and `original`
}

TEST(Message, SharedAndOwnedPayloadsCompareByTheirBytes) {
  const Message shared(std::make_shared<const std::string>("same"));
  EXPECT_EQ(shared, Message("same"));
  EXPECT_NE(shared, Message("other"));
  EXPECT_EQ(Message(std::shared_ptr<const std::string>{}), Message(""));  // null: empty payload
  Message replaced(std::make_shared<const std::string>("old"));
  replaced.set_payload("new");
  EXPECT_FALSE(replaced.payload_shared());
  EXPECT_EQ(replaced.payload(), "new");
}

// Publishing one shared payload many times delivers its bytes every time and leaves them as they
// were (memory:// keeps the messages for replay, so the broker still shares them afterwards).
TEST(Message, ASharedPayloadPublishedManyTimesArrivesEveryTime) {
  auto client = Client::connect("memory://");
  auto topic = client.topic("shared-payload");
  std::atomic<int> intact{0};
  test::CallCount received;
  auto consumer = topic.consumer();
  consumer.start([&](const Delivery& d) {
    if (d.message().payload() == std::string(1000, 'p')) ++intact;
    received.add();
  });
  auto bytes = std::make_shared<const std::string>(1000, 'p');
  {
    auto producer = topic.producer();
    std::vector<std::future<Receipt>> futures;
    for (int i = 0; i < 500; ++i) futures.push_back(producer.publish(Message(bytes)));
    for (auto& f : futures) ASSERT_NO_THROW(f.get());
    producer.close();
  }
  EXPECT_TRUE(received.wait_for(500)) << received.value() << " of 500 delivered";
  consumer.stop(5s);
  EXPECT_EQ(received.value(), 500);
  EXPECT_EQ(intact.load(), 500);
  EXPECT_EQ(*bytes, std::string(1000, 'p'));
  client.close();
}

}  // namespace
}  // namespace unimq
