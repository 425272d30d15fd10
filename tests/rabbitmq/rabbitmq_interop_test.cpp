// Interoperability with another AMQP client (Debian's amqp-tools, itself on rabbitmq-c) and the
// topology unimq leaves on the broker, read back with rabbitmqctl. On a private RabbitMQ node.
// Label `interop;rabbitmq`.
//
// Mapping: topic = durable topic exchange; group = durable queue `<topic>.<group>` bound with
// `#`; key = routing key; headers = AMQP table (long strings out, any scalar in).
#include <future>
#include <iostream>
#include <optional>
#include <sstream>

#include "collector.hpp"
#include "rabbitmq_process.hpp"
#include "require_broker.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

class RabbitInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RabbitmqProcess::available()) {
      missing_broker(RabbitmqProcess::server_binary() +
                     " not found (install the Debian package rabbitmq-server)");
      return;
    }
    if (find_executable("amqp-publish").empty() || find_executable("amqp-consume").empty()) {
      missing_broker(
          "amqp-publish / amqp-consume not found (install the Debian package amqp-tools)");
      return;
    }
    rabbit_.emplace();
  }

  RabbitmqProcess& rabbit() { return *rabbit_; }

  // The rows rabbitmqctl prints for `what` (list_queues, list_bindings...), tab-separated.
  std::vector<std::string> rows(const std::vector<std::string>& args) {
    auto full = args;
    full.push_back("--no-table-headers");
    const auto r = rabbit().ctl(full);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<std::string> out;
    std::istringstream in(r.out);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) out.push_back(line);
    }
    return out;
  }

  bool has_row(const std::vector<std::string>& args, const std::string& row) {
    const auto all = rows(args);
    return std::find(all.begin(), all.end(), row) != all.end();
  }

 private:
  std::optional<RabbitmqProcess> rabbit_;
};

// amqp-publish to the topic's exchange, with a routing key and headers: unimq's group consumer
// gets the body as payload, the routing key as key and the headers, once.
TEST_F(RabbitInterop, AmqpPublishToTheTopicExchangeIsConsumedByUnimq) {
  auto client = Client::connect(rabbit().url());
  Collector got;
  std::atomic<std::uint32_t> attempt{0};
  auto consumer = client.topic("orders").consumer({.group = "billing"});
  consumer.start([&](const Delivery& d) {
    attempt = d.attempt();
    got.add(d);
  });
  ASSERT_TRUE(eventually([&] { return has_row({"list_queues", "name"}, "orders.billing"); }, 10s));

  const auto pub = run_process({"amqp-publish", "--url=" + rabbit().url(), "-e", "orders", "-r",
                                "customer-7", "-p", "-H", "trace: abc", "-b", "hello"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  ASSERT_TRUE(got.wait_for(1, 10s));
  EXPECT_FALSE(got.wait_for(2, 300ms)) << "one publish, more than one delivery";
  consumer.stop(5s);
  const auto m = got.messages().front();
  EXPECT_EQ(m.payload(), "hello");
  EXPECT_EQ(m.key(), "customer-7");
  EXPECT_EQ(m.headers().get("trace"), "abc");
  EXPECT_EQ(attempt.load(), 1u);
}

// What unimq publishes, amqp-consume (its own queue bound to the exchange) reads as plain AMQP.
TEST_F(RabbitInterop, UnimqPublishIsReadByAmqpConsume) {
  auto client = Client::connect(rabbit().url());
  // Making the producer declares the exchange, which amqp-consume needs for its binding.
  auto producer = client.topic("events").producer();
  ASSERT_TRUE(eventually(
      [&] {
        return has_row({"list_exchanges", "name", "type"}, "events\ttopic");
      },
      10s));
  auto reader = std::async(std::launch::async, [&] {
    return run_process(
        {"amqp-consume", "--url=" + rabbit().url(), "-e", "events", "-r", "#", "-c", "1", "cat"},
        30s);
  });
  // Until amqp-consume has bound its queue, the exchange returns the message as unroutable:
  // publish until one is accepted.
  bool accepted = false;
  for (int i = 0; i < 100 && !accepted; ++i) {
    try {
      producer.publish(Message("from unimq").key("k")).get();
      accepted = true;
    } catch (const PublishError&) {
      std::this_thread::sleep_for(100ms);
    }
  }
  const auto r = reader.get();
  ASSERT_TRUE(accepted) << "amqp-consume: exit " << r.exit_code << ", " << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "from unimq");
}

// The topology the issue asks for: a durable topic exchange per topic, a durable queue
// `<topic>.<group>` per group bound with `#`, classic or quorum as the URL says; a groupless
// consumer's queue is exclusive and goes away with it.
TEST_F(RabbitInterop, TopologyIsDurableExchangeAndOneQueuePerGroup) {
  {
    auto classic = Client::connect(rabbit().url());
    auto quorum = Client::connect(rabbit().url("queue_type=quorum"));
    auto a = classic.topic("shop").consumer({.group = "email"});
    a.start([](const Delivery&) {});
    auto b = quorum.topic("shop").consumer({.group = "audit"});
    b.start([](const Delivery&) {});
    auto c = classic.topic("shop").consumer();  // broadcast
    c.start([](const Delivery&) {});
    ASSERT_TRUE(eventually(
        [&] {
          return rows({"list_bindings", "source_name", "routing_key"}).size() >= 3;
        },
        10s));
    EXPECT_TRUE(has_row({"list_exchanges", "name", "type", "durable"}, "shop\ttopic\ttrue"));
    EXPECT_TRUE(has_row({"list_queues", "name", "durable", "type"}, "shop.email\ttrue\tclassic"));
    EXPECT_TRUE(has_row({"list_queues", "name", "durable", "type"}, "shop.audit\ttrue\tquorum"));
    EXPECT_TRUE(has_row({"list_bindings", "source_name", "destination_name", "routing_key"},
                        "shop\tshop.email\t#"));
    EXPECT_TRUE(has_row({"list_bindings", "source_name", "destination_name", "routing_key"},
                        "shop\tshop.audit\t#"));
    // The broadcast queue: server-named (amq.gen-...), exclusive, auto-delete.
    bool broadcast = false;
    for (const auto& row : rows({"list_queues", "name", "exclusive", "auto_delete"})) {
      broadcast = broadcast || (row.starts_with("amq.gen-") && row.ends_with("\ttrue\ttrue"));
    }
    EXPECT_TRUE(broadcast);
  }
  // The consumers are gone: the group queues stay (durable), the broadcast queue is deleted.
  const auto queues = rows({"list_queues", "name"});
  EXPECT_EQ(queues.size(), 2u);
}

// A client's reply inbox (an exchange and an exclusive queue) exists while it makes requests and
// is gone once the client closed: nothing of it is left on the broker.
TEST_F(RabbitInterop, ReplyInboxIsRemovedWhenTheClientCloses) {
  auto responder_client = Client::connect(rabbit().url());
  auto responder = responder_client.serve(
      "quotes", "quoter", [](const Delivery& d) { return Message("re:" + d.message().payload()); });
  auto inbox_exchanges = [&] {
    std::size_t n = 0;
    for (const auto& row : rows({"list_exchanges", "name"})) n += row.starts_with("_unimq.inbox.");
    return n;
  };
  {
    auto client = Client::connect(rabbit().url());
    EXPECT_EQ(client.request("quotes", Message("q"), 20s).get().payload(), "re:q");
    EXPECT_EQ(inbox_exchanges(), 1u);
    client.close();
  }
  EXPECT_EQ(inbox_exchanges(), 0u);
}

// basic.qos follows max_in_flight: with 20 messages ready and a handler that acknowledges
// nothing, the broker hands out exactly 5.
TEST_F(RabbitInterop, PrefetchFollowsMaxInFlight) {
  auto client = Client::connect(rabbit().url());
  Collector got;
  std::mutex mutex;
  std::vector<Delivery> held;
  auto consumer =
      client.topic("work").consumer({.group = "slow", .max_in_flight = 5, .ack = AckMode::manual});
  consumer.start([&](const Delivery& d) {
    {
      std::lock_guard lock(mutex);
      held.push_back(d);
    }
    got.add(d);
  });
  auto producer = client.topic("work").producer();
  for (int i = 0; i < 20; ++i) producer.publish(Message(std::to_string(i))).get();
  ASSERT_TRUE(got.wait_for(5, 10s));
  EXPECT_TRUE(eventually(
      [&] {
        return has_row({"list_queues", "name", "messages_ready", "messages_unacknowledged"},
                       "work.slow\t15\t5");
      },
      10s))
      << "list_queues: "
      << rows({"list_queues", "name", "messages_ready", "messages_unacknowledged"}).front();
  // Acking them lets the next ones come.
  {
    std::lock_guard lock(mutex);
    for (auto& d : held) d.ack();
  }
  EXPECT_TRUE(got.wait_for(10, 10s));
  consumer.stop(5s);
}

// amqps://: TLS to a node whose certificate a test CA signed. With that CA (cacert) the round
// trip works; with the system bundle (the default) the certificate is refused at connect.
TEST(RabbitTls, AmqpsVerifiesTheBrokerCertificate) {
  if (!RabbitmqProcess::available() || find_executable("openssl").empty()) {
    missing_broker(
        "rabbitmq-server or openssl not found (Debian packages rabbitmq-server, "
        "openssl)");
    return;
  }
  RabbitmqProcess rabbit({.tls = true});
  const std::string base = "amqps://guest:guest@localhost:" + std::to_string(rabbit.tls_port());
  auto client = Client::connect(base + "?cacert=" + rabbit.ca_file().string());
  Collector got;
  auto consumer = client.topic("secure").consumer({.group = "g"});
  consumer.start([&](const Delivery& d) { got.add(d); });
  client.topic("secure").producer().publish(Message("over tls").key("k")).get();
  ASSERT_TRUE(got.wait_for(1, 10s));
  EXPECT_EQ(got.messages().front().payload(), "over tls");
  // The consumer's connection is up, and every connection is a TLS one.
  const auto ssl = rabbit.ctl({"list_connections", "ssl", "--no-table-headers"}).out;
  EXPECT_NE(ssl.find("true"), std::string::npos) << ssl;
  EXPECT_EQ(ssl.find("false"), std::string::npos) << ssl;
  consumer.stop(5s);

  try {
    Client::connect(base + "?connect_timeout=5s");
    FAIL() << "a certificate from an unknown CA was accepted";
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("localhost"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace unimq::test
