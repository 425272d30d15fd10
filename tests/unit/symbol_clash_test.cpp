// The library keeps its helpers out of the global symbol space: an application may define a C
// function with the name of one. This file does so for the consumers' signal handler, which was
// an `extern "C"` function with external linkage; linking this test then failed with a duplicate
// definition of `on_stop_signal`.
#include <gtest/gtest.h>

#include <atomic>

#include "unimq/unimq.hpp"

namespace {
std::atomic<int> application_signal{0};
}  // namespace

extern "C" void on_stop_signal(int sig) {
  application_signal.store(sig);
}

namespace unimq {
namespace {

TEST(Symbols, AnApplicationsOwnOnStopSignalLinksBesideTheLibrary) {
  on_stop_signal(15);
  EXPECT_EQ(application_signal.load(), 15);
  // The library's consumer still links and runs beside it.
  auto client = Client::connect("memory://symbols");
  auto consumer = client.topic("t").consumer();
  consumer.start([](const Delivery&) {});
  consumer.stop();
}

}  // namespace
}  // namespace unimq
