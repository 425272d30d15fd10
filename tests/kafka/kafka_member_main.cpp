// A consumer group member in a process of its own, for the test that kills one with SIGKILL:
//   unimq-kafka-member URL TOPIC GROUP OUT_FILE
// consumes TOPIC in GROUP and appends each payload it handled to OUT_FILE (one per line, flushed
// before the handler returns); creates OUT_FILE.ready once its consumer has its partitions. Runs
// until killed.
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "unimq/unimq.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: unimq-kafka-member URL TOPIC GROUP OUT_FILE\n";
    return 2;
  }
  try {
    auto client = unimq::Client::connect(argv[1]);
    std::ofstream out(argv[4], std::ios::app);
    std::mutex mutex;
    auto consumer = client.topic(argv[2]).consumer({.group = argv[3]});
    consumer.start([&](const unimq::Delivery& d) {
      std::lock_guard lock(mutex);
      out << d.message().payload() << std::endl;
    });
    std::ofstream(std::string(argv[4]) + ".ready") << "ready\n";
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  } catch (const std::exception& e) {
    std::cerr << "unimq-kafka-member: " << e.what() << "\n";
    return 1;
  }
}
