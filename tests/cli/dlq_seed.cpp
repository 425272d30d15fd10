// unimq_cli_dlq_seed URL TOPIC COUNT: makes COUNT real dead letters for the CLI tests. A consumer
// in group "app" on TOPIC fails every message with PermanentError, so the library dead-letters
// each one to TOPIC.dlq (with its unimq-dlq-* headers); the messages are "m-<i>" with key
// "k<i % 7>" and header x-seq=<i>. Exits 0 once COUNT dead letters were confirmed by the broker,
// 1 when that took longer than 120 s, 2 on bad arguments.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "unimq/unimq.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: unimq_cli_dlq_seed URL TOPIC COUNT\n";
    return 2;
  }
  const std::string topic = argv[2];
  const auto count = std::strtoull(argv[3], nullptr, 10);
  unimq::set_log_level(unimq::LogLevel::warn);
  try {
    auto client = unimq::Client::connect(argv[1]);
    auto consumer = client.topic(topic).consumer(
        {.group = "app", .concurrency = 4, .retry = {.max_attempts = 1}});
    consumer.start([](const unimq::Delivery& d) {
      throw unimq::PermanentError("seeded failure of " + d.message().payload());
    });
    auto producer = client.topic(topic).producer();
    for (unsigned long long i = 0; i < count; ++i) {
      producer.publish(unimq::Message("m-" + std::to_string(i))
                           .key("k" + std::to_string(i % 7))
                           .header("x-seq", std::to_string(i)));
    }
    if (!producer.flush(std::chrono::seconds{60})) {
      std::cerr << "dlq_seed: publishes not confirmed within 60 s\n";
      return 1;
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{120};
    while (consumer.stats().dead_lettered < count) {
      if (std::chrono::steady_clock::now() > deadline) {
        std::cerr << "dlq_seed: " << consumer.stats().dead_lettered << " of " << count
                  << " dead-lettered within 120 s\n";
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    consumer.stop(std::chrono::seconds{10});
    std::cout << count << " dead letters in " << topic << ".dlq\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dlq_seed: " << e.what() << "\n";
    return 1;
  }
}
