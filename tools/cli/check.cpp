// `unimq check`: connects, prints the backend's capabilities and times publish/consume round
// trips through a scratch topic.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <set>

#include "commands.hpp"
#include "unimq/error.hpp"

namespace unimq::cli {
namespace {

struct CheckOptions {
  std::string topic = "unimq.check";
  std::uint32_t count = 3;
  double timeout_seconds = 10;
};

std::string seconds_text(double seconds) {
  char out[32];
  std::snprintf(out, sizeof out, "%g s", seconds);
  return out;
}

const char* yes_no(bool b) {
  return b ? "yes" : "no";
}

void print_capabilities(const Client& client) {
  const Capabilities& c = client.capabilities();
  std::cout << "broker              " << client.url() << "\n"
            << "system              " << c.system << "\n"
            << "guarantee           " << to_string(c.guarantee) << "\n"
            << "durable             " << yes_no(c.durable) << "\n"
            << "consumer_groups     " << yes_no(c.consumer_groups) << "\n"
            << "nack                " << yes_no(c.nack) << "\n"
            << "delayed_redelivery  " << yes_no(c.delayed_redelivery) << "\n"
            << "delivery_count      " << yes_no(c.delivery_count) << "\n"
            << "replay              " << yes_no(c.replay) << "\n"
            << "native_headers      " << yes_no(c.native_headers) << "\n"
            << "request_reply       " << yes_no(c.request_reply) << "\n"
            << "ordering            " << to_string(c.ordering) << "\n"
            << "max_payload         "
            << (c.max_payload == 0 ? std::string("no fixed limit")
                                   : std::to_string(c.max_payload) + " bytes")
            << "\n";
}

Exit check(const CheckOptions& o, const Globals& globals) {
  Client client = connect(globals);
  print_capabilities(client);
  std::cout.flush();

  // An anonymous subscription made before publishing gets every round-trip message; a random
  // nonce tells ours from those of another check running at the same time.
  std::mutex mutex;
  std::condition_variable arrived;
  std::set<std::string> seen;
  ConsumerOptions options;
  options.dead_letter.enabled = false;
  Consumer consumer = client.topic(o.topic).consumer(options);
  consumer.start([&](const Delivery& d) {
    std::lock_guard lock(mutex);
    seen.insert(d.message().payload());
    arrived.notify_all();
  });
  Producer producer = client.topic(o.topic).producer();
  const std::string nonce = std::to_string(std::random_device{}());
  const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(o.timeout_seconds));
  std::vector<double> millis;
  for (std::uint32_t i = 0; i < o.count; ++i) {
    const std::string payload = "unimq check " + nonce + " " + std::to_string(i);
    const auto start = std::chrono::steady_clock::now();
    producer.publish(Message(payload)).get();
    std::unique_lock lock(mutex);
    if (!arrived.wait_until(lock, start + timeout, [&] { return seen.count(payload) > 0; })) {
      throw Failure(Exit::timeout, "round trip on '" + o.topic + "': message " +
                                       std::to_string(i + 1) +
                                       " was published but not received within " +
                                       seconds_text(o.timeout_seconds));
    }
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  consumer.stop(std::chrono::seconds{5});
  producer.close();
  if (!millis.empty()) {
    std::sort(millis.begin(), millis.end());
    char line[160];
    std::snprintf(line, sizeof line,
                  "round trip          %zu on '%s': min %.2f ms, median %.2f ms, max %.2f ms",
                  millis.size(), o.topic.c_str(), millis.front(), millis[millis.size() / 2],
                  millis.back());
    std::cout << line << "\n";
  }
  return Exit::ok;
}

}  // namespace

void add_check(CLI::App& app, const Globals& globals, Action& run) {
  auto o = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check", "Connect, print the backend's capabilities and time publish/consume round trips");
  cmd->add_option("--topic", o->topic, "Scratch topic for the round trips (default unimq.check)");
  cmd->add_option("--count", o->count, "Number of round trips (default 3; 0 = none)");
  cmd->add_option("--timeout", o->timeout_seconds, "Seconds to wait for each (default 10)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &globals, &run] { run = [o, &globals] { return check(*o, globals); }; });
}

}  // namespace unimq::cli
