// unimq as a benchmarked implementation: the callback publish overload and a counting-free
// handler, so the workloads measure the SDK and nothing of their own.
#include <atomic>
#include <condition_variable>
#include <exception>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "impl.hpp"
#include "unimq/client.hpp"
#include "unimq/consumer.hpp"
#include "unimq/message.hpp"
#include "unimq/producer.hpp"
#include "unimq/topic.hpp"

namespace unimq::bench {
namespace {

// Counts confirmations on the producer's thread. Failures count as confirmations so a failing
// broker ends the wait instead of stalling it; the first error is kept for the report. The
// waiter is woken once, by the confirmation it waits for: a condition variable notified per
// confirmation would cost the producer's thread a futex call per message, and polling (every
// 50 us, as this did) took CPU from what is measured for the whole run, since publish() only
// queues and the run's time is spent waiting here.
struct Confirmations {
  std::atomic<std::uint64_t> confirmed{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> wanted{0};  // what a waiter waits for; 0: nobody waits
  std::mutex mutex;
  std::condition_variable reached;
  std::exception_ptr first_error;

  void record(const PublishResult& r) {
    if (!r.ok() && failed.fetch_add(1) == 0) {
      std::lock_guard lock(mutex);
      first_error = r.error;
    }
    const auto now = confirmed.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (now == wanted.load(std::memory_order_acquire)) {
      std::lock_guard lock(mutex);  // the waiter checks and sleeps under it: no lost wake-up
      reached.notify_all();
    }
  }
};

class UnimqPublisher final : public Publisher {
 public:
  UnimqPublisher(const Client& client, const std::string& topic, const Options& o)
      : producer_(client.topic(topic).producer(producer_options(o))),
        // One callback object, copied per publish; it captures one pointer, so the copy stays
        // in std::function's small buffer and never allocates.
        done_([c = &confirmations_](const PublishResult& r) { c->record(r); }) {}
  ~UnimqPublisher() override { producer_.close(); }

  // Building the Message is part of what is measured: an application pays for it too.
  void send(std::string_view payload) override {
    ++sent_;
    producer_.publish(Message(payload), done_);
  }
  void send_shared(const std::shared_ptr<const std::string>& payload) override {
    ++sent_;
    producer_.publish(Message(payload), done_);
  }

  void confirm_all(std::chrono::seconds stall) override {
    {
      std::unique_lock lock(confirmations_.mutex);
      confirmations_.wanted.store(sent_, std::memory_order_release);
      auto last = confirmations_.confirmed.load(std::memory_order_acquire);
      auto last_progress = std::chrono::steady_clock::now();
      // Woken by the last confirmation; the timeout only looks for a stall.
      while (!confirmations_.reached.wait_for(lock, std::chrono::milliseconds{100}, [&] {
        return confirmations_.confirmed.load(std::memory_order_acquire) >= sent_;
      })) {
        const auto now_count = confirmations_.confirmed.load(std::memory_order_acquire);
        const auto now = std::chrono::steady_clock::now();
        if (now_count != last) {
          last = now_count;
          last_progress = now;
        } else if (now - last_progress > stall) {
          throw std::runtime_error("publish: no confirmation for " + std::to_string(stall.count()) +
                                   " s (" + std::to_string(now_count) + " of " +
                                   std::to_string(sent_) + ")");
        }
      }
    }
    if (confirmations_.failed.load() == 0) return;
    std::string why = "unknown error";
    try {
      std::lock_guard lock(confirmations_.mutex);
      if (confirmations_.first_error) std::rethrow_exception(confirmations_.first_error);
    } catch (const std::exception& e) {
      why = e.what();
    }
    throw std::runtime_error(std::to_string(confirmations_.failed.load()) +
                             " publish(es) failed, first: " + why);
  }

 private:
  static ProducerOptions producer_options(const Options& o) {
    ProducerOptions p;
    p.batch_size = o.batch_size;
    p.buffer_capacity = o.buffer_capacity;
    if (o.buffer_bytes != 0) p.buffer_bytes = o.buffer_bytes;
    return p;
  }

  Confirmations confirmations_;
  Producer producer_;
  const PublishCallback done_;
  std::uint64_t sent_ = 0;
};

class UnimqSubscription final : public Subscription {
 public:
  UnimqSubscription(const Client& client, const std::string& topic, const Options& o,
                    OnMessage on_message)
      : consumer_(client.topic(topic).consumer(consumer_options(o))) {
    // start() returns once the subscription exists, so the consumer sees the first message.
    consumer_.start([fn = std::move(on_message)](const Delivery& d) { fn(d.message().payload()); });
  }
  ~UnimqSubscription() override {
    consumer_.stop();
    const auto stats = consumer_.stats();
    if (stats.failed != 0) {
      std::cerr << "unimq-bench: " << stats.failed << " handler call(s) failed\n";
    }
  }

 private:
  static ConsumerOptions consumer_options(const Options& o) {
    ConsumerOptions c;
    c.concurrency = 1;
    c.ack = AckMode::auto_ack;
    c.max_in_flight = o.max_in_flight;
    return c;
  }

  Consumer consumer_;
};

class UnimqImpl final : public Impl {
 public:
  explicit UnimqImpl(const Options& o) : options_(o), client_(Client::connect(o.url)) {}
  ~UnimqImpl() override { client_.close(); }
  std::string name() const override { return "unimq"; }
  void keep(const std::string& topic) override {
    if (client_.capabilities().system != "rabbitmq") return;
    // A group consumer declares its durable queue; stopped, it leaves the queue bound.
    auto consumer = client_.topic(topic).consumer([] {
      ConsumerOptions c;
      c.group = "bench-keep";
      return c;
    }());
    consumer.start([](const Delivery&) {});
    consumer.stop();
  }
  std::unique_ptr<Publisher> publisher(const std::string& topic) override {
    return std::make_unique<UnimqPublisher>(client_, topic, options_);
  }
  std::unique_ptr<Subscription> subscribe(const std::string& topic, OnMessage fn) override {
    return std::make_unique<UnimqSubscription>(client_, topic, options_, std::move(fn));
  }

 private:
  const Options options_;
  Client client_;
};

}  // namespace

std::unique_ptr<Impl> make_unimq_impl(const Options& o) {
  return std::make_unique<UnimqImpl>(o);
}

}  // namespace unimq::bench
