// The driver side of request/reply on NATS: Connection::request() uses NATS inboxes, and a core
// subscriber sees the inbox as Inbound::reply_to, so publishing there answers. Runs on the broker
// of UNIMQ_TEST_NATS_URL (scripts/test starts it).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "require_broker.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/error.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class NatsRequestReply : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string url = test::broker_url("UNIMQ_TEST_NATS_URL");
    if (url.empty()) return;
    // The driver connection itself, as the common layer's request/reply will use it.
    connection_ = driver::open_connection(driver::BrokerUrl::parse(url));
    topic_ = "rr-" + std::to_string(Clock::now().time_since_epoch().count());
  }
  void TearDown() override {
    if (connection_) connection_->close();
  }

  std::unique_ptr<driver::Connection> connection_;
  std::string topic_;
};

TEST_F(NatsRequestReply, AResponderAnswersThroughReplyTo) {
  ASSERT_TRUE(connection_->capabilities().request_reply);
  auto receiver = connection_->open_receiver({.topic = topic_, .group = "responders"});
  auto sender = connection_->open_sender();
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::thread responder([&] {
    while (!stop.load()) {
      for (auto& in : receiver->receive(16, Clock::now() + 50ms)) {
        if (in.reply_to.empty()) continue;
        std::vector<Message> reply;
        reply.push_back(Message("re: " + in.message.payload()).header("served-by", "r1"));
        sender->send(in.reply_to, std::move(reply), [&](std::size_t, driver::SendResult r) {
          if (!r.error) ++answered;
        });
      }
    }
  });
  const Message reply = connection_->request(topic_, Message("ping").header("h", "v"), 5s);
  stop.store(true);
  responder.join();
  receiver->close();
  sender->close();
  EXPECT_EQ(reply.payload(), "re: ping");
  EXPECT_EQ(reply.headers().get("served-by"), "r1");
  EXPECT_EQ(answered.load(), 1);
}

// A plain NATS request (what `nats request` or any NATS client sends: a native reply subject and
// no unimq headers) is answered by Client::serve through Delivery::reply_to.
TEST_F(NatsRequestReply, ServeAnswersANativeNatsRequest) {
  auto client = Client::connect(test::broker_url("UNIMQ_TEST_NATS_URL"));
  auto responder = client.serve(topic_, "responders", [](const Delivery& d) {
    EXPECT_FALSE(d.reply_to().empty());
    return Message("re: " + d.message().payload());
  });
  const Message reply = connection_->request(topic_, Message("native"), 5s);
  EXPECT_EQ(reply.payload(), "re: native");
}

TEST_F(NatsRequestReply, ARequestNobodyServesFailsWithTimeoutError) {
  const auto start = Clock::now();
  EXPECT_THROW(connection_->request(topic_ + "-nobody", Message("hello"), 500ms), TimeoutError);
  EXPECT_LT(Clock::now() - start, 5s);
}

TEST_F(NatsRequestReply, PlainPublishesHaveNoReplyTo) {
  auto receiver = connection_->open_receiver({.topic = topic_, .group = ""});
  auto sender = connection_->open_sender();
  std::vector<Message> batch;
  batch.emplace_back("plain");
  std::atomic<bool> sent{false};
  sender->send(topic_, std::move(batch), [&](std::size_t, driver::SendResult) { sent = true; });
  std::vector<driver::Inbound> got;
  for (int i = 0; i < 100 && got.empty(); ++i) got = receiver->receive(1, Clock::now() + 50ms);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].reply_to.empty());
  receiver->close();
  sender->close();
}

}  // namespace
}  // namespace unimq
