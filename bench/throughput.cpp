// The workloads: publish through the callback overload, consume with a counting handler.
#include "throughput.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>

#include "countdown.hpp"
#include "unimq/consumer.hpp"
#include "unimq/message.hpp"
#include "unimq/producer.hpp"
#include "unimq/topic.hpp"

namespace unimq::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Publish outcomes, filled on the producer's thread. Failures count as completions so a failing
// broker ends the round instead of stalling it; the first error is kept for the report.
struct PublishTally {
  explicit PublishTally(std::uint64_t n) : confirmed(n) {}
  Countdown confirmed;
  std::atomic<std::uint64_t> failed{0};
  std::mutex error_mutex;
  std::exception_ptr first_error;

  void record(const PublishResult& r) {
    if (!r.ok()) {
      if (failed.fetch_add(1) == 0) {
        std::lock_guard lock(error_mutex);
        first_error = r.error;
      }
    }
    confirmed.hit();
  }

  void throw_if_failed() {
    if (failed.load() == 0) return;
    std::string why = "unknown error";
    try {
      std::lock_guard lock(error_mutex);
      if (first_error) std::rethrow_exception(first_error);
    } catch (const std::exception& e) {
      why = e.what();
    }
    throw std::runtime_error(std::to_string(failed.load()) + " publish(es) failed, first: " + why);
  }
};

ProducerOptions producer_options(const Options& o) {
  ProducerOptions p;
  p.batch_size = o.batch_size;
  p.buffer_capacity = o.buffer_capacity;
  return p;
}

// Publishes o.messages copies of one payload; returns when the first publish began. Building the
// Message is part of what is measured: an application pays for it too.
Clock::time_point publish_all(Producer& producer, const Options& o, PublishTally& tally) {
  const std::string payload(o.size, 'x');
  // One callback object, copied per publish; it captures one pointer, so the copy stays inside
  // std::function's small buffer and never allocates.
  const PublishCallback done = [&tally](const PublishResult& r) { tally.record(r); };
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < o.messages; ++i) producer.publish(Message(payload), done);
  return start;
}

Measurement measurement(const Client& client, const Options& o, const char* workload,
                        Clock::duration elapsed) {
  Measurement m;
  m.backend = client.capabilities().system;
  m.workload = workload;
  m.size = o.size;
  m.msgs = o.messages;
  m.seconds = std::chrono::duration<double>(elapsed).count();
  return m;
}

}  // namespace

Measurement run_publish(const Client& client, const Options& o, const std::string& topic) {
  auto producer = client.topic(topic).producer(producer_options(o));
  PublishTally tally(o.messages);
  const auto start = publish_all(producer, o, tally);
  const auto end = tally.confirmed.wait(std::chrono::seconds{o.stall_seconds}, "publish");
  tally.throw_if_failed();
  producer.close();
  return measurement(client, o, "publish", end - start);
}

Measurement run_publish_consume(const Client& client, const Options& o, const std::string& topic) {
  auto t = client.topic(topic);
  ConsumerOptions c;
  c.concurrency = 1;
  c.ack = AckMode::auto_ack;
  c.max_in_flight = o.max_in_flight;
  auto consumer = t.consumer(c);
  Countdown handled(o.messages);
  std::atomic<std::uint64_t> wrong_size{0};
  // The handler reads the payload size so the message is really looked at, and stays cheap
  // so the numbers are the SDK's, not the handler's.
  consumer.start([&handled, &wrong_size, size = o.size](const Delivery& d) {
    if (d.message().payload().size() != size) wrong_size.fetch_add(1, std::memory_order_relaxed);
    handled.hit();
  });
  // start() returns once the subscription exists, so the consumer sees the first message.
  auto producer = t.producer(producer_options(o));
  PublishTally tally(o.messages);
  const auto start = publish_all(producer, o, tally);
  // Each countdown stamps its own end time, so waiting for the publishes first costs nothing and
  // reports a failing publish instead of a consumer stall.
  tally.confirmed.wait(std::chrono::seconds{o.stall_seconds}, "publish");
  tally.throw_if_failed();
  const auto end = handled.wait(std::chrono::seconds{o.stall_seconds}, "consume");
  producer.close();
  consumer.stop();
  // Exact counts: a duplicate shows up as more handler calls than messages published.
  const auto stats = consumer.stats();
  if (stats.handled != o.messages || stats.failed != 0 || wrong_size.load() != 0) {
    throw std::runtime_error("consume: handled " + std::to_string(stats.handled) + ", failed " +
                             std::to_string(stats.failed) + ", wrong size " +
                             std::to_string(wrong_size.load()) + ", expected " +
                             std::to_string(o.messages) + " handled");
  }
  return measurement(client, o, "publish_consume", end - start);
}

}  // namespace unimq::bench
