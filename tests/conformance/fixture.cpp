// Fixture helpers and the instantiation over every enabled backend.
#include "fixture.hpp"

#include <random>

namespace unimq::test {

void Collector::add(const Delivery& d) {
  {
    std::lock_guard lock(mutex_);
    messages_.push_back(d.message());
    attempts_.push_back(d.attempt());
  }
  cv_.notify_all();
}

bool Collector::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return messages_.size() >= n; });
}

bool Collector::wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  // `pred` may read this collector, so it runs without the lock; an add() between its check and
  // the wait would then go unnoticed, hence the wait is sliced and the check repeated.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  for (;;) {
    lock.unlock();
    const bool ok = pred();
    lock.lock();
    if (ok) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    cv_.wait_for(lock, 5ms);
  }
}

std::size_t Collector::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

std::vector<Message> Collector::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::vector<std::uint32_t> Collector::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

std::map<std::string, int> Collector::counts() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, int> out;
  for (const auto& m : messages_) ++out[m.payload()];
  return out;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

void Conformance::SetUp() {
  require_url(GetParam());
  if (HasFatalFailure() || IsSkipped()) return;
  client_.emplace(Client::connect(GetParam().url));
}

void Conformance::TearDown() {
  if (client_) client_->close();
  client_.reset();
}

std::string Conformance::unique(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? info->name() : "t";
  test = test.substr(0, test.find('/'));
  return prefix + "-" + test + "-" + std::to_string(rng() % 1'000'000'000);
}

void Conformance::publish_numbered(Producer& producer, int n, const std::string& key) {
  std::vector<std::future<Receipt>> futures;
  futures.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Message m(std::to_string(i));
    if (!key.empty()) m.key(key);
    futures.push_back(producer.publish(std::move(m)));
  }
  for (auto& f : futures) f.get();
}

void Conformance::require(bool flag, const char* capability) {
  if (flag) return;
  const std::string why =
      "backend '" + caps().system + "' declares it lacks capability '" + capability + "'";
  // GTEST_SKIP() returns only from the function it is written in: on its own here it would mark
  // the case skipped and let it run on (into UnsupportedError or a wrong expectation). So record
  // the skip, then end the test body with the exception gtest catches silently as an outcome
  // already reported.
  [&] { GTEST_SKIP() << why; }();
  throw ::testing::AssertionException(
      ::testing::TestPartResult(::testing::TestPartResult::kSkip, __FILE__, __LINE__, why.c_str()));
}

std::string Conformance::group(const std::string& name) {
  return caps().consumer_groups ? name : std::string{};
}

std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Backends, Conformance, ::testing::ValuesIn(enabled_backends()),
                         backend_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Conformance);

RetryPolicy quick_retry(std::uint32_t attempts, RetryMode mode) {
  return {.max_attempts = attempts,
          .initial_backoff = 40ms,
          .multiplier = 2.0,
          .max_backoff = 1s,
          .jitter = 0.0,
          .mode = mode};
}

}  // namespace unimq::test
