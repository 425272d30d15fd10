// The common layer refuses what a backend declares it lacks. Uses a driver that declares no
// capability at all (no broker can be that bare), so every refusal path runs.
#include <gtest/gtest.h>

#include "unimq/driver/driver.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

class BareConnection final : public driver::Connection {
 public:
  const Capabilities& capabilities() const noexcept override {
    static const Capabilities caps{.system = "bare"};
    return caps;
  }
  std::unique_ptr<driver::Sender> open_sender() override {
    throw UnsupportedError("bare: no sender");
  }
  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec&) override {
    throw UnsupportedError("bare: no receiver");
  }
  std::string hint(std::string_view capability) const override {
    return "bare lacks everything; try memory:// for " + std::string(capability);
  }
  void close() override {}
};

Client bare_client() {
  static const bool registered = [] {
    driver::register_adapter(
        {.name = "bare",
         .schemes = {"bare-test"},
         .options = {},
         .option_prefixes = {},
         .connect = [](const driver::BrokerUrl&) { return std::make_unique<BareConnection>(); }});
    return true;
  }();
  (void)registered;
  return Client::connect("bare-test://nowhere");
}

std::string refusal(const ConsumerOptions& options) {
  try {
    bare_client().topic("t").consumer(options);
  } catch (const UnsupportedError& e) {
    return e.what();
  }
  return "<no UnsupportedError>";
}

TEST(CapabilityRefusal, GroupNeedsConsumerGroups) {
  const auto msg = refusal({.group = "workers"});
  EXPECT_NE(msg.find("consumer_groups"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bare"), std::string::npos) << msg;
}

TEST(CapabilityRefusal, TheBackendsHintIsAppended) {
  const auto msg = refusal({.group = "workers"});
  EXPECT_NE(msg.find(". bare lacks everything; try memory:// for consumer_groups"),
            std::string::npos)
      << msg;
}

TEST(CapabilityRefusal, StartAllNeedsReplay) {
  const auto msg = refusal({.group = "", .start = StartPosition::earliest});
  EXPECT_NE(msg.find("replay"), std::string::npos) << msg;
}

TEST(CapabilityRefusal, RequestWithoutNativeRequestReplyIsUnsupported) {
  BareConnection bare;
  try {
    bare.request("t", Message("x"), std::chrono::milliseconds{10});
    ADD_FAILURE() << "no UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("request_reply"), std::string::npos) << e.what();
  }
}

TEST(CapabilityRefusal, RedeliverModeFallsBackInsteadOfRefusing) {
  ConsumerOptions options{.group = ""};
  options.retry.mode = RetryMode::redeliver;
  EXPECT_NO_THROW(bare_client().topic("t").consumer(options));
}

}  // namespace
}  // namespace unimq
