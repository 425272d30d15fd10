// The metrics tests' scenario: 10 orders through a `billing` group whose handler fails "3" once
// (one retry) and "7" for good (one dead letter), so every instrument has an exact expected
// value: 10 sent, 9 consumed ok, 1 failed with "exception", 1 with "PermanentError", 1 retry,
// 1 dead-lettered (1 sent to <topic>.dlq), nothing left in flight or buffered. Header-only;
// needs unimq::unimq and gtest.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "unimq/unimq.hpp"

namespace unimq::test {

/// Runs the scenario on `url` with topic `topic_name` and stops the consumer.
inline void run_metrics_scenario(const std::string& url, const std::string& topic_name) {
  using namespace std::chrono_literals;
  auto client = Client::connect(url);
  auto topic = client.topic(topic_name);
  std::atomic<int> done{0};
  auto consumer =
      topic.consumer({.group = "billing",
                      .retry = {.max_attempts = 3, .initial_backoff = 1ms, .max_backoff = 1ms}});
  consumer.start([&](const Delivery& d) {
    const auto& p = d.message().payload();
    if (p == "3" && d.attempt() == 1) throw std::runtime_error("flaky");
    ++done;
    if (p == "7") throw PermanentError("bad order");
  });
  auto producer = topic.producer();
  for (int i = 0; i < 10; ++i) producer.publish(Message(std::to_string(i))).get();
  for (int i = 0; i < 1000 && (done.load() < 10 || consumer.stats().dead_lettered < 1); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(consumer.stop());
  ASSERT_TRUE(producer.flush(5s));
}

}  // namespace unimq::test
