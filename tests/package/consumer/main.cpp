// An application built against an installed unimq (tests/package/check.sh): publishes one
// message to the broker named on the command line and waits until its own consumer got it.
#include <unimq/unimq.hpp>

#include <chrono>
#include <future>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: unimq-package-consumer URL\n";
    return 2;
  }
  try {
    auto client = unimq::Client::connect(argv[1]);
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    auto topic = client.topic("package-check-" + std::to_string(stamp));
    std::promise<std::string> got;
    auto consumer = topic.consumer();
    consumer.start([&](const unimq::Delivery& d) { got.set_value(d.message().payload()); });
    topic.producer().publish(unimq::Message("hello from an installed unimq")).get();
    auto future = got.get_future();
    if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      std::cerr << "no message within 20 s on " << client.url() << "\n";
      return 1;
    }
    std::cout << client.capabilities().system << ": " << future.get() << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
