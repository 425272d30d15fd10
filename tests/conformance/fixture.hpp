// The parametrized fixture and the helpers every conformance case uses.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "backends.hpp"
#include "unimq/unimq.hpp"

namespace unimq::test {

using namespace std::chrono_literals;

/// How long a case waits for something that should happen; generous for real brokers, never
/// slept through: waits end as soon as the condition holds.
inline constexpr auto patience = 30s;

/// Thread-safe record of what a handler saw, with waits on counts.
class Collector {
 public:
  /// Records a delivery (payload, key, headers, attempt).
  void add(const Delivery& d);
  /// Waits until `n` deliveries were recorded; false on timeout.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = patience);
  /// Waits until `pred()` holds (checked on every add and every 5 ms); false on timeout.
  bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = patience);
  /// Deliveries recorded so far.
  std::size_t size() const;
  /// Copies of the messages, in arrival order.
  std::vector<Message> messages() const;
  /// Attempt numbers, in arrival order.
  std::vector<std::uint32_t> attempts() const;
  /// Count of deliveries per payload.
  std::map<std::string, int> counts() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Message> messages_;
  std::vector<std::uint32_t> attempts_;
};

/// Waits until `pred()` holds, checking every millisecond; false on timeout. For conditions that
/// have no event to wait on (counters of another component).
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = patience);

/// Base of every conformance case: a fresh client on the backend and unique names.
class Conformance : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// The client under test.
  Client& client() { return *client_; }
  /// The backend's capabilities.
  const Capabilities& caps() { return client_->capabilities(); }
  /// A name unique to this test run: `<prefix>-<test>-<random>`.
  std::string unique(const std::string& prefix);
  /// A new client on the same backend.
  Client connect_again() { return Client::connect(GetParam().url); }
  /// Publishes `n` messages "0".."n-1" (payload = index) and waits for every receipt.
  void publish_numbered(Producer& producer, int n, const std::string& key = "");
  /// Skips the case unless the backend declares `flag`; the message names the capability. Ends
  /// the calling test body (by an exception gtest catches), unlike a GTEST_SKIP() in a helper.
  void require(bool flag, const char* capability);
  /// The group for a case about a single consumer (or about separate subscribers): `name` when
  /// the backend declares `consumer_groups`, else "" (its broadcast subscription). A lone
  /// subscriber gets every message, just as the only consumer of a group does, so such a case
  /// runs on backends without groups (Redis pub/sub) instead of being refused there. Cases about
  /// competing consumers keep a literal group behind require(caps().consumer_groups, ...).
  std::string group(const std::string& name);

 private:
  std::optional<Client> client_;
};

/// A retry policy fast enough for tests (40 ms doubling), without jitter so backoffs are exact
/// lower bounds.
RetryPolicy quick_retry(std::uint32_t attempts, RetryMode mode = RetryMode::in_process);

/// Test-name suffix: the backend name.
std::string backend_name(const ::testing::TestParamInfo<Backend>& info);

}  // namespace unimq::test
