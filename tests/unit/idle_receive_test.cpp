// While handlers hold every in-flight slot, the consume pipeline still calls receive(0) once per
// poll interval, so a receiver can renew leases and keep its session (Redis Streams claims,
// Kafka's poll interval) instead of losing its messages to another consumer.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "unimq/driver/driver.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

std::atomic<int> idle_receives{0};
std::atomic<int> delivered{0};

/// Hands out one message, then counts the receive(0) calls.
class OneMessageReceiver final : public driver::Receiver {
 public:
  std::vector<driver::Inbound> receive(std::size_t max,
                                       std::chrono::steady_clock::time_point deadline) override {
    if (max == 0) {
      ++idle_receives;
      return {};
    }
    if (delivered.exchange(1) == 0) {
      driver::Inbound in;
      in.message = Message("slow");
      in.token = 1;
      return {std::move(in)};
    }
    std::this_thread::sleep_until(deadline);
    return {};
  }
  void ack(std::span<const driver::AckToken>) override {}
  void nack(std::span<const driver::AckToken>, std::chrono::milliseconds) override {}
  void close() override {}
};

class OneMessageConnection final : public driver::Connection {
 public:
  const Capabilities& capabilities() const noexcept override {
    static const Capabilities caps{.system = "one-message",
                                   .guarantee = DeliveryGuarantee::at_least_once};
    return caps;
  }
  std::unique_ptr<driver::Sender> open_sender() override {
    throw UnsupportedError("one-message: no sender");
  }
  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec&) override {
    return std::make_unique<OneMessageReceiver>();
  }
  void close() override {}
};

TEST(IdleReceive, EveryPollIntervalWhileAllSlotsAreBusy) {
  driver::register_adapter({.name = "one-message",
                            .schemes = {"one-message-test"},
                            .options = {},
                            .option_prefixes = {},
                            .connect = [](const driver::BrokerUrl&) {
                              return std::make_unique<OneMessageConnection>();
                            }});
  auto client = Client::connect("one-message-test://here");
  std::promise<void> release;
  auto released = release.get_future().share();
  auto consumer = client.topic("t").consumer({.max_in_flight = 1, .poll_timeout = 20ms});
  consumer.start([&](const Delivery&) { released.wait(); });
  ASSERT_TRUE([&] {
    for (int i = 0; i < 200 && delivered.load() == 0; ++i) std::this_thread::sleep_for(5ms);
    return delivered.load() == 1;
  }());
  std::this_thread::sleep_for(500ms);  // the handler holds the only slot all this time
  const int idle = idle_receives.load();
  release.set_value();
  consumer.stop();
  // 500 ms at 20 ms per interval is 25 intervals; allow for a slow, shared machine.
  EXPECT_GE(idle, 5);
  EXPECT_LE(idle, 30);
}

}  // namespace
}  // namespace unimq
