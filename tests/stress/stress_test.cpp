// Races everything a multi-threaded service may do at once: several publishers, consumers that
// start and stop with short deadlines, a client closed mid-flight, handles destroyed in any
// order. Run under TSan; on at-least-once backends it also checks that no confirmed message
// was lost.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "backends.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {
namespace {

using namespace std::chrono_literals;

int rounds() {
  const char* v = std::getenv("UNIMQ_STRESS_ROUNDS");
  return v != nullptr ? std::max(1, std::atoi(v)) : 20;
}

/// Payloads confirmed by the broker and payloads some handler saw.
struct Ledger {
  std::mutex mutex;
  std::set<std::string> confirmed;
  std::set<std::string> seen;
  void confirm(std::string p) {
    std::lock_guard lock(mutex);
    confirmed.insert(std::move(p));
  }
  void see(std::string p) {
    std::lock_guard lock(mutex);
    seen.insert(std::move(p));
  }
  std::size_t missing() {
    std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& p : confirmed) n += seen.count(p) == 0;
    return n;
  }
};

/// Runs `f`, tolerating the errors a racing close() legitimately causes.
template <typename F>
void tolerate_close(F&& f) {
  try {
    f();
  } catch (const ClosedError&) {
  }
}

class Stress : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { require_url(GetParam()); }
};

TEST_P(Stress, PublishConsumeStopCloseAndDestroyRaceCleanly) {
  std::mt19937 rng(std::random_device{}());
  const auto n_rounds = rounds();
  for (int round = 0; round < n_rounds; ++round) {
    const std::string topic = "stress-" + std::to_string(rng()) + "-" + std::to_string(round);
    Ledger ledger;
    std::optional<Client> client(Client::connect(GetParam().url));
    const bool at_least_once = client->capabilities().guarantee == DeliveryGuarantee::at_least_once;
    // One group "g" where the backend has groups; else every consumer is a broadcast subscriber
    // (such a backend refuses a group), which races the same start, stop and close paths.
    const std::string group = client->capabilities().consumer_groups ? "g" : "";
    // The group exists before anything is published, so "new" misses nothing.
    std::optional<Consumer> anchor(client->topic(topic).consumer({.group = group}));
    anchor->start([&](const Delivery& d) { ledger.see(d.message().payload()); });

    std::atomic<bool> closing{false};
    std::vector<std::thread> threads;
    for (int p = 0; p < 2; ++p) {
      threads.emplace_back([&, p] {
        tolerate_close([&] {
          auto producer = client->topic(topic).producer();
          for (int i = 0; i < 300 && !closing.load(); ++i) {
            std::string payload = std::to_string(p) + "-" + std::to_string(i);
            producer.publish(Message(payload), [&ledger, payload](const PublishResult& r) {
              if (r.ok()) ledger.confirm(payload);
            });
          }
          producer.flush(5s);
        });  // the producer is destroyed here, maybe after the client closed
      });
    }
    threads.emplace_back([&, seed = rng()] {
      std::mt19937 local(seed);
      for (int i = 0; i < 5 && !closing.load(); ++i) {
        tolerate_close([&] {
          auto consumer = client->topic(topic).consumer(
              {.group = group,
               .concurrency = static_cast<std::uint32_t>(1 + local() % 4),
               .max_in_flight = static_cast<std::uint32_t>(1 + local() % 64)});
          consumer.start([&](const Delivery& d) {
            // Some handlers are slow, so stops hit running handlers (not the shared rng: this
            // runs on several worker threads).
            if (std::hash<std::string>{}(d.message().payload()) % 50 == 0) {
              std::this_thread::sleep_for(1ms);
            }
            ledger.see(d.message().payload());
          });
          std::this_thread::sleep_for(std::chrono::milliseconds(local() % 5));
          consumer.stop(std::chrono::milliseconds(local() % 20));
        });
      }
    });
    const bool close_mid_flight = rng() % 2 == 0;
    if (close_mid_flight) {
      threads.emplace_back([&, wait = rng() % 20] {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        closing = true;
        client->close();
      });
    }
    for (auto& t : threads) t.join();
    // Destroy in a varying order: anchor before or after its client.
    if (round % 2 == 0) {
      anchor.reset();
      client.reset();
    } else {
      client.reset();
      anchor.reset();
    }

    if (!at_least_once) continue;
    // Whatever the broker confirmed must reach the group, whoever consumed it.
    Client drain_client = Client::connect(GetParam().url);
    auto drain = drain_client.topic(topic).consumer({.group = group, .concurrency = 2});
    drain.start([&](const Delivery& d) { ledger.see(d.message().payload()); });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (ledger.missing() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(5ms);
    }
    drain.stop();
    ASSERT_EQ(ledger.missing(), 0u) << "round " << round << " lost confirmed messages";
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Stress, ::testing::ValuesIn(enabled_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace unimq::test
