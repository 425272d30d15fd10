// The three workloads over bench::Impl.
#include "workloads.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "countdown.hpp"

namespace unimq::bench {
namespace {

using Clock = std::chrono::steady_clock;

Measurement measurement(const Impl& impl, const Run& run, const char* workload,
                        std::uint64_t msgs) {
  Measurement m;
  m.backend = run.backend;
  m.impl = impl.name();
  m.workload = workload;
  m.size = run.size;
  m.msgs = msgs;
  return m;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The send time travels in the payload's first 8 bytes (one process, one steady clock).
void stamp(std::string& payload) {
  const std::int64_t now = Clock::now().time_since_epoch().count();
  std::memcpy(payload.data(), &now, sizeof now);
}

std::int64_t age_ns(std::string_view payload) {
  std::int64_t sent = 0;
  std::memcpy(&sent, payload.data(), sizeof sent);
  return Clock::now().time_since_epoch().count() - sent;
}

// The q-quantile (nearest rank) of sorted samples, in microseconds.
double quantile_us(const std::vector<std::int64_t>& sorted, double q) {
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]) / 1e3;
}

// One payload for every message of a throughput round, shared or copied per message as
// --payload says.
void send_payload(Publisher& publisher, const Options& o,
                  const std::shared_ptr<const std::string>& payload) {
  if (o.payload == "copy") {
    publisher.send(*payload);
  } else {
    publisher.send_shared(payload);
  }
}

}  // namespace

Measurement run_publish(Impl& impl, const Options& o, const Run& run) {
  impl.keep(run.topic);
  auto publisher = impl.publisher(run.topic);
  const auto payload = std::make_shared<const std::string>(run.size, 'x');
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < o.messages; ++i) send_payload(*publisher, o, payload);
  publisher->confirm_all(std::chrono::seconds{o.stall_seconds});
  auto m = measurement(impl, run, "publish", o.messages);
  m.seconds = seconds(Clock::now() - start);
  return m;
}

Measurement run_publish_consume(Impl& impl, const Options& o, const Run& run) {
  Countdown received(o.messages);
  std::atomic<std::uint64_t> wrong_size{0};
  // The handler looks at the payload so the message is really delivered, and stays cheap so the
  // numbers are the implementation's, not the handler's.
  auto subscription = impl.subscribe(run.topic, [&, size = run.size](std::string_view payload) {
    if (payload.size() != size) wrong_size.fetch_add(1, std::memory_order_relaxed);
    received.hit();
  });
  auto publisher = impl.publisher(run.topic);
  const auto payload = std::make_shared<const std::string>(run.size, 'x');
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < o.messages; ++i) send_payload(*publisher, o, payload);
  // Waiting for the confirmations first costs nothing (the countdown stamps its own end time)
  // and reports a failing publish instead of a consumer stall.
  publisher->confirm_all(std::chrono::seconds{o.stall_seconds});
  const auto end = received.wait(std::chrono::seconds{o.stall_seconds}, "consume");
  publisher.reset();
  subscription.reset();
  // Exact counts: a duplicate shows up as more deliveries than messages published.
  if (received.count() != o.messages || wrong_size.load() != 0) {
    throw std::runtime_error("consume: received " + std::to_string(received.count()) +
                             ", wrong size " + std::to_string(wrong_size.load()) + ", expected " +
                             std::to_string(o.messages));
  }
  auto m = measurement(impl, run, "publish_consume", o.messages);
  m.seconds = seconds(end - start);
  return m;
}

Measurement run_latency(Impl& impl, const Options& o, const Run& run) {
  if (run.size < sizeof(std::int64_t)) {
    throw std::invalid_argument("latency: messages need at least 8 bytes for the send time");
  }
  const std::uint64_t n = o.latency_messages;
  std::vector<std::int64_t> ages(n);
  std::atomic<std::uint64_t> next{0};
  Countdown received(n);
  auto subscription = impl.subscribe(run.topic, [&](std::string_view payload) {
    const auto i = next.fetch_add(1, std::memory_order_relaxed);
    if (i < n) ages[i] = age_ns(payload);
    received.hit();
  });
  auto publisher = impl.publisher(run.topic);
  std::string payload(run.size, 'x');
  const auto interval = std::chrono::nanoseconds{static_cast<std::int64_t>(1e9 / o.rate)};
  const auto start = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::this_thread::sleep_until(start + interval * static_cast<std::int64_t>(i));
    stamp(payload);
    publisher->send(payload);
    publisher->push();
  }
  publisher->confirm_all(std::chrono::seconds{o.stall_seconds});
  const auto end = received.wait(std::chrono::seconds{o.stall_seconds}, "latency");
  publisher.reset();
  subscription.reset();
  if (received.count() != n) {
    throw std::runtime_error("latency: received " + std::to_string(received.count()) +
                             ", expected " + std::to_string(n));
  }
  std::sort(ages.begin(), ages.end());
  auto m = measurement(impl, run, "latency", n);
  m.seconds = seconds(end - start);
  m.rate = o.rate;
  m.p50_us = quantile_us(ages, 0.50);
  m.p99_us = quantile_us(ages, 0.99);
  m.p999_us = quantile_us(ages, 0.999);
  return m;
}

}  // namespace unimq::bench
