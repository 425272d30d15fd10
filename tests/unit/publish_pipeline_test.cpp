// The publish pipeline's policies (retry of retryable errors, classification, publish timeout,
// full buffer, close) against a scripted driver: no broker can be told to fail the Nth send,
// so these faults are injected at the driver SPI, below the code under test.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "unimq/driver/completion_batch.hpp"
#include "unimq/driver/driver.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/driver/send_queue.hpp"
#include "unimq/unimq.hpp"

namespace unimq {
namespace {

using namespace std::chrono_literals;

/// What the scripted sender does with one message: nullopt = confirm, else fail with the error;
/// `hold` = never confirm until the sender is closed.
struct Script {
  std::mutex mutex;
  std::function<std::optional<driver::DriverError>(const Message&, int attempt)> decide;
  std::map<std::string, int> attempts;  // by payload
  bool hold = false;
  bool hand_back = true;  // return failed messages to the common layer, as retrying drivers do
  // What `hold` kept: completed by close(), or by a test as a driver's I/O thread would.
  std::vector<std::pair<std::size_t, driver::SendCompletion>> held;
  std::condition_variable held_more;  // notified when `held` grows
  // Per send(): whether the calling thread said it was idle (driver::CallerIsIdle).
  std::vector<bool> idle_callers;
};

Script& script() {
  static Script s;
  return s;
}

class ScriptedSender final : public driver::Sender {
 public:
  void send(const std::string& topic, std::vector<Message> batch,
            driver::SendCompletion on_complete) override {
    {
      std::lock_guard lock(script().mutex);
      script().idle_callers.push_back(driver::CallerIsIdle::active());
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      std::optional<driver::DriverError> error;
      {
        std::lock_guard lock(script().mutex);
        const int attempt = ++script().attempts[batch[i].payload()];
        if (script().hold) {
          script().held.emplace_back(i, on_complete);
          script().held_more.notify_all();
          continue;
        }
        if (script().decide) error = script().decide(batch[i], attempt);
      }
      driver::SendResult result;
      if (error) {
        result.error = error;
        if (script().hand_back) result.message = std::move(batch[i]);
      } else {
        result.receipt.topic = topic;
        result.receipt.message_id = batch[i].payload();
      }
      on_complete(i, std::move(result));
    }
  }
  void close() override {
    std::vector<std::pair<std::size_t, driver::SendCompletion>> held;
    {
      std::lock_guard lock(script().mutex);
      held.swap(script().held);
    }
    for (auto& [i, done] : held) {
      done(i, driver::SendResult{{}, driver::DriverError{driver::ErrorKind::closed, "closed"}});
    }
  }
};

class ScriptedConnection final : public driver::Connection {
 public:
  const Capabilities& capabilities() const noexcept override {
    static const Capabilities caps{.system = "scripted"};
    return caps;
  }
  std::unique_ptr<driver::Sender> open_sender() override {
    return std::make_unique<ScriptedSender>();
  }
  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec&) override {
    throw UnsupportedError("scripted: no receiver");
  }
  void close() override {}
};

class PublishPipeline : public ::testing::Test {
 protected:
  void SetUp() override {
    static const bool registered = [] {
      driver::register_adapter({.name = "scripted",
                                .schemes = {"scripted-test"},
                                .options = {},
                                .option_prefixes = {},
                                .connect = [](const driver::BrokerUrl&) {
                                  return std::make_unique<ScriptedConnection>();
                                }});
      return true;
    }();
    (void)registered;
    std::lock_guard lock(script().mutex);
    script().decide = nullptr;
    script().attempts.clear();
    script().hold = false;
    script().hand_back = true;
    script().held.clear();
    script().idle_callers.clear();
    client_.emplace(Client::connect("scripted-test://here"));
  }
  void TearDown() override {
    std::lock_guard lock(script().mutex);
    script().hold = false;
  }
  Client& client() { return *client_; }
  std::optional<Client> client_;
  static int attempts(const std::string& payload) {
    std::lock_guard lock(script().mutex);
    return script().attempts[payload];
  }
  static ProducerOptions fast_retry(std::uint32_t attempts) {
    ProducerOptions options;
    options.retry = {.max_attempts = attempts,
                     .initial_backoff = 5ms,
                     .multiplier = 1.0,
                     .max_backoff = 5ms,
                     .jitter = 0.0};
    return options;
  }
};

TEST_F(PublishPipeline, RetryableErrorsAreRetriedUntilConfirmed) {
  script().decide = [](const Message&, int attempt) -> std::optional<driver::DriverError> {
    if (attempt < 3) return driver::DriverError{driver::ErrorKind::retryable, "broker busy"};
    return std::nullopt;
  };
  auto producer = client().topic("t").producer(fast_retry(5));
  const Receipt r = producer.publish(Message("m")).get();
  EXPECT_EQ(r.message_id, "m");
  EXPECT_EQ(attempts("m"), 3);
}

TEST_F(PublishPipeline, RetriesStopAtMaxAttemptsWithARetryablePublishError) {
  script().decide = [](const Message&, int) -> std::optional<driver::DriverError> {
    return driver::DriverError{driver::ErrorKind::retryable, "broker busy"};
  };
  auto producer = client().topic("t").producer(fast_retry(4));
  try {
    producer.publish(Message("m")).get();
    FAIL() << "no error";
  } catch (const PublishError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("4 attempt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("broker busy"), std::string::npos) << e.what();
  }
  EXPECT_EQ(attempts("m"), 4);
}

TEST_F(PublishPipeline, RetriedMessagesAreSentAgainUnchanged) {
  std::vector<Message> seen;
  script().decide = [&](const Message& m, int attempt) -> std::optional<driver::DriverError> {
    seen.push_back(m);
    if (attempt < 2) return driver::DriverError{driver::ErrorKind::retryable, "busy"};
    return std::nullopt;
  };
  auto producer = client().topic("t").producer(fast_retry(3));
  producer.publish(Message("m").key("k").header("h", "v")).get();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_EQ(seen[1].key(), "k");
  EXPECT_EQ(seen[1].headers().get("h"), "v");
}

TEST_F(PublishPipeline, AFailedMessageTheDriverKeptIsFailedNotRetried) {
  script().hand_back = false;
  script().decide = [](const Message&, int) -> std::optional<driver::DriverError> {
    return driver::DriverError{driver::ErrorKind::retryable, "lost in transit"};
  };
  auto producer = client().topic("t").producer(fast_retry(5));
  EXPECT_THROW(producer.publish(Message("m")).get(), PublishError);
  EXPECT_EQ(attempts("m"), 1);
}

TEST_F(PublishPipeline, PermanentErrorsFailAtOnce) {
  script().decide = [](const Message&, int) -> std::optional<driver::DriverError> {
    return driver::DriverError{driver::ErrorKind::permanent, "message too large"};
  };
  auto producer = client().topic("t").producer(fast_retry(5));
  try {
    producer.publish(Message("m")).get();
    FAIL() << "no error";
  } catch (const PublishError& e) {
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_EQ(attempts("m"), 1);
}

TEST_F(PublishPipeline, UnconfirmedPublishFailsWithTimeoutErrorAtTheDeadline) {
  script().hold = true;
  ProducerOptions options;
  options.publish_timeout = 150ms;
  auto producer = client().topic("t").producer(options);
  auto future = producer.publish(Message("m"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(future.get(), TimeoutError);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 100ms);
  EXPECT_LT(took, 1s);
}

TEST_F(PublishPipeline, FullBufferFailsOrBlocksAsConfigured) {
  script().hold = true;
  ProducerOptions options;
  options.buffer_capacity = 2;
  options.when_full = WhenFull::fail;
  auto failing = client().topic("t").producer(options);
  auto a = failing.publish(Message("a"));
  auto b = failing.publish(Message("b"));
  try {
    failing.publish(Message("c"));
    FAIL() << "no error";
  } catch (const PublishError& e) {
    EXPECT_TRUE(e.retryable());
  }

  options.when_full = WhenFull::block;
  options.publish_timeout = 100ms;
  auto blocking = client().topic("t2").producer(options);
  auto d = blocking.publish(Message("d"));
  auto e = blocking.publish(Message("e"));
  const auto start = std::chrono::steady_clock::now();
  auto f = blocking.publish(Message("f"));  // blocks for space until its deadline
  EXPECT_GE(std::chrono::steady_clock::now() - start, 50ms);
  EXPECT_THROW(f.get(), TimeoutError);
  EXPECT_THROW(d.get(), TimeoutError);  // never confirmed: they expire at their deadline
  EXPECT_THROW(e.get(), TimeoutError);
  // Without a timeout, close() does not wait for the held messages (~Producer would, 10 s).
  failing.close(0ms);
  blocking.close(0ms);
  EXPECT_THROW(a.get(), ClosedError);
  EXPECT_THROW(b.get(), ClosedError);
}

// Waits until the held scripted sender kept `n` messages, then confirms them all, as a driver's
// I/O thread would; false (nothing confirmed) when they are not there within 10 s.
bool confirm_when_held(std::size_t n) {
  std::vector<std::pair<std::size_t, driver::SendCompletion>> held;
  {
    std::unique_lock lock(script().mutex);
    if (!script().held_more.wait_for(lock, 10s, [&] { return script().held.size() >= n; })) {
      return false;
    }
    held.swap(script().held);
  }
  for (auto& [i, done] : held) done(i, driver::SendResult{});
  return true;
}

// Options of a producer whose buffer holds `bytes` (and plenty of messages).
ProducerOptions byte_budget(std::size_t bytes, WhenFull when_full) {
  ProducerOptions options;
  options.buffer_bytes = bytes;
  options.when_full = when_full;
  options.publish_timeout = 10s;
  return options;
}

TEST_F(PublishPipeline, TheByteBudgetCountsPayloadKeyAndHeaders) {
  script().hold = true;
  auto producer = client().topic("t").producer(byte_budget(10, WhenFull::fail));
  // 5 bytes of payload, 2 of key, 2 of header: 9 of 10.
  auto a = producer.publish(Message("12345").key("kk").header("h", "v"));
  try {
    producer.publish(Message("12"));  // 11 > 10
    FAIL() << "no error";
  } catch (const PublishError& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(std::string(e.what()).find("9 of 10 bytes"), std::string::npos) << e.what();
  }
  auto b = producer.publish(Message("1"));  // exactly 10
  EXPECT_THROW(producer.publish(Message("x")), PublishError);
  ASSERT_TRUE(confirm_when_held(2));
  EXPECT_TRUE(producer.flush(10s));
  EXPECT_NO_THROW(a.get());
  EXPECT_NO_THROW(b.get());
  // Confirmed messages give their bytes back.
  auto c = producer.publish(Message("0123456789"));
  ASSERT_TRUE(confirm_when_held(1));
  EXPECT_NO_THROW(c.get());
}

TEST_F(PublishPipeline, TheByteBudgetCountsTheTraceHeadersPublishAdds) {
  script().hold = true;
  // 1 byte of payload plus traceparent (11 + 55 bytes): 67, the whole budget.
  auto producer = client().topic("t").producer(byte_budget(67, WhenFull::fail));
  std::future<Receipt> traced;
  {
    TraceScope scope(
        *TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
    traced = producer.publish(Message("1"));
  }
  EXPECT_THROW(producer.publish(Message("x")), PublishError);
  ASSERT_TRUE(confirm_when_held(1));
  EXPECT_NO_THROW(traced.get());
}

TEST_F(PublishPipeline, AMessageLargerThanTheByteBudgetGoesAloneOnly) {
  script().hold = true;
  auto producer = client().topic("t").producer(byte_budget(4, WhenFull::fail));
  auto big = producer.publish(Message("123456789"));  // nothing else buffered: accepted
  EXPECT_THROW(producer.publish(Message("a")), PublishError);
  ASSERT_TRUE(confirm_when_held(1));
  EXPECT_NO_THROW(big.get());
  auto small = producer.publish(Message("a"));
  EXPECT_THROW(producer.publish(Message("123456789")), PublishError);  // not alone now
  ASSERT_TRUE(confirm_when_held(1));
  EXPECT_NO_THROW(small.get());
}

TEST_F(PublishPipeline, APublisherBlockedOnTheByteBudgetResumesWhenBytesAreConfirmed) {
  script().hold = true;
  auto producer = client().topic("t").producer(byte_budget(8, WhenFull::block));
  auto first = producer.publish(Message("aaaaaaaa"));
  std::atomic<bool> returned{false};
  std::future<Receipt> second;
  std::thread publisher([&] {
    second = producer.publish(Message("b"));  // blocks: 8 of 8 bytes buffered
    returned = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(returned.load());
  const bool confirmed = confirm_when_held(1);
  publisher.join();  // a lost wake-up would block here until the 10 s publish timeout
  ASSERT_TRUE(confirmed);
  EXPECT_TRUE(returned.load());
  EXPECT_NO_THROW(first.get());
  ASSERT_TRUE(confirm_when_held(1));
  EXPECT_NO_THROW(second.get());
}

TEST_F(PublishPipeline, CloseFailsWhatTheBrokerDidNotConfirmWithClosedError) {
  script().hold = true;
  auto producer = client().topic("t").producer();
  std::atomic<int> closed{0};
  for (int i = 0; i < 10; ++i) {
    producer.publish(Message(std::to_string(i)), [&](const PublishResult& r) {
      try {
        if (r.error) std::rethrow_exception(r.error);
      } catch (const ClosedError&) {
        closed.fetch_add(1);
      }
    });
  }
  EXPECT_FALSE(producer.flush(50ms));
  producer.close(50ms);
  EXPECT_EQ(closed.load(), 10);
  EXPECT_EQ(producer.pending(), 0u);
}

// A producer that published `count` messages whose callbacks record the thread they ran on,
// and the completions the held scripted sender kept for them.
class HeldPublishes {
 public:
  HeldPublishes(const Client& client, std::size_t count) : producer_(client.topic("t").producer()) {
    script().hold = true;
    for (std::size_t i = 0; i < count; ++i) {
      producer_.publish(Message("m" + std::to_string(i)), [this](const PublishResult& r) {
        EXPECT_TRUE(r.ok());
        std::lock_guard lock(mutex_);
        ran_on_.push_back(std::this_thread::get_id());
        more_.notify_all();
      });
    }
    std::unique_lock lock(script().mutex);
    script().held_more.wait_for(lock, 10s, [&] { return script().held.size() == count; });
    held.swap(script().held);
  }

  // Waits until `n` callbacks ran; false after 10 s.
  bool wait_for_callbacks(std::size_t n) {
    std::unique_lock lock(mutex_);
    return more_.wait_for(lock, 10s, [&] { return ran_on_.size() >= n; });
  }
  std::vector<std::thread::id> ran_on() {
    std::lock_guard lock(mutex_);
    return ran_on_;
  }

  std::vector<std::pair<std::size_t, driver::SendCompletion>> held;

 private:
  std::mutex mutex_;
  std::condition_variable more_;
  std::vector<std::thread::id> ran_on_;
  Producer producer_;  // last: closed first, while its callbacks' state still exists
};

TEST_F(PublishPipeline, CallbacksOfABatchCompletedOnADriverThreadRunOnTheProducersThread) {
  // A driver completing a round on its I/O thread must not run the application's callbacks
  // there: that thread goes back to sending while the producer's own thread settles.
  constexpr std::size_t kCount = 50;
  HeldPublishes publishes(client(), kCount);
  ASSERT_EQ(publishes.held.size(), kCount);
  std::thread::id driver_thread;
  std::thread io([&] {
    driver_thread = std::this_thread::get_id();
    driver::CompletionBatch round;
    for (auto& [index, done] : publishes.held) done(index, driver::SendResult{});
  });
  io.join();
  ASSERT_TRUE(publishes.wait_for_callbacks(kCount));
  const auto ran_on = publishes.ran_on();
  ASSERT_EQ(ran_on.size(), kCount);
  for (const auto& id : ran_on) {
    EXPECT_NE(id, driver_thread);
    EXPECT_NE(id, std::this_thread::get_id());
    EXPECT_EQ(id, ran_on.front());  // one thread: the producer's
  }
}

TEST_F(PublishPipeline, ALargeDriverBatchReachesTheProducerInPartsBeforeItCloses) {
  // A Kafka poll serves thousands of delivery reports in one batch; collected whole, their
  // storage outgrew what is reused and every poll faulted fresh pages in. The producer gets
  // them in parts while the batch is still open, and settles them on its own thread.
  constexpr std::size_t kCount = 3000;
  constexpr std::size_t kPart = 1024;
  HeldPublishes publishes(client(), kCount);
  ASSERT_EQ(publishes.held.size(), kCount);
  auto& held = publishes.held;
  std::thread::id driver_thread;
  bool settled_while_open = false;
  std::thread io([&] {
    driver_thread = std::this_thread::get_id();
    driver::CompletionBatch round;
    for (std::size_t i = 0; i < kPart; ++i) held[i].second(held[i].first, driver::SendResult{});
    settled_while_open = publishes.wait_for_callbacks(kPart);
    for (std::size_t i = kPart; i < kCount; ++i) {
      held[i].second(held[i].first, driver::SendResult{});
    }
  });
  io.join();
  EXPECT_TRUE(settled_while_open);
  ASSERT_TRUE(publishes.wait_for_callbacks(kCount));
  const auto ran_on = publishes.ran_on();
  ASSERT_EQ(ran_on.size(), kCount);
  for (const auto& id : ran_on) {
    EXPECT_NE(id, driver_thread);
    EXPECT_EQ(id, ran_on.front());
  }
}

TEST_F(PublishPipeline, TheSenderThreadSaysItIsIdleOnlyWhenNothingIsQueuedBehindItsBatch) {
  // An idle sender thread lets a SendQueue send on it (one thread wake-up less per message at
  // light load); with batches queued behind, it must hand over and prepare the next one.
  std::promise<void> gate_entered;
  std::promise<void> open_gate;
  auto gate_open = open_gate.get_future().share();
  script().decide = [&](const Message& m, int) -> std::optional<driver::DriverError> {
    if (m.payload() == "gate") {
      gate_entered.set_value();
      gate_open.wait();
    }
    return std::nullopt;
  };
  ProducerOptions options;
  options.batch_size = 1;
  auto producer = client().topic("t").producer(options);
  producer.publish(Message("first")).get();
  auto gate = producer.publish(Message("gate"));
  ASSERT_EQ(gate_entered.get_future().wait_for(10s), std::future_status::ready);
  auto a = producer.publish(Message("a"));  // queued behind the gate, with "b" behind it
  auto b = producer.publish(Message("b"));
  open_gate.set_value();
  gate.get();
  a.get();
  b.get();
  std::lock_guard lock(script().mutex);
  EXPECT_EQ(script().idle_callers, (std::vector<bool>{true, true, false, true}));
}

}  // namespace
}  // namespace unimq
