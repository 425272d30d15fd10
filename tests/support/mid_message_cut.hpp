// The scenario of a consumer whose connection is reset while a large message is arriving (the
// default sizes put the reset inside a message body of several frames or reads),
// shared by the broker tests that put a TcpProxy between consumer and broker.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "collector.hpp"
#include "tcp_proxy.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

/// With `consumer` started (recording into `got`) on a connection through `proxy`, and
/// `producer` publishing to its topic on another connection: "small" is published and received,
/// then `proxy` is armed to reset the consumer's connection after `cut_at` more bytes, and a
/// message of `size` bytes goes out (a patterned payload, so a mix-up of its bytes shows).
/// Expects that message delivered whole and once within `wait` (after the consumer reconnected),
/// "small" at most twice (its ack may have been lost with the connection) and nothing else.
/// Stops `consumer`.
inline void run_mid_message_cut(TcpProxy& proxy, Producer& producer, Consumer& consumer,
                                Collector& got, std::chrono::milliseconds wait,
                                std::size_t size = 4 << 20, std::size_t cut_at = 1 << 20) {
  producer.publish(Message("small")).get();
  ASSERT_TRUE(got.wait_for(1, wait));

  std::string big(size, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) % 251);
  const auto accepted = proxy.accepted();
  proxy.cut_after(cut_at);
  producer.publish(Message(big)).get();
  ASSERT_TRUE(got.wait_until([&] { return got.counts().contains(big); }, wait));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a second delivery would be here
  consumer.stop(std::chrono::seconds(5));
  EXPECT_GT(proxy.accepted(), accepted) << "the consumer should have reconnected";
  const auto counts = got.counts();
  EXPECT_EQ(counts.at(big), 1);
  EXPECT_LE(counts.at("small"), 2);
  EXPECT_EQ(counts.size(), 2u) << "a delivery other than the two messages";
}

}  // namespace unimq::test
