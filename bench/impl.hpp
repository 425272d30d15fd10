// What a benchmarked implementation offers the workloads: a publisher that confirms, and a
// subscription that acknowledges. unimq is one implementation, each broker's raw C client
// another, so every workload is written once and both sides run exactly the same loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "options.hpp"

namespace unimq::bench {

/// Publishes to one topic. Not thread-safe: one workload thread uses it.
class Publisher {
 public:
  virtual ~Publisher() = default;
  /// Sends one message. It may be buffered or pipelined and confirmed later; it blocks only
  /// while the implementation's confirmation window is full.
  virtual void send(std::string_view payload) = 0;
  /// Sends one message whose payload may be shared instead of copied (the same bytes sent again
  /// and again). The raw clients send from the caller's buffer anyway, so by default this is
  /// send(*payload).
  virtual void send_shared(const std::shared_ptr<const std::string>& payload) { send(*payload); }
  /// Hands what send() buffered to the broker now, without waiting for confirmations (the
  /// latency workload calls it after every message).
  virtual void push() {}
  /// Waits until the broker confirmed every message sent so far. Throws std::runtime_error when
  /// one was refused or the confirmation does not come within `stall`.
  virtual void confirm_all(std::chrono::seconds stall) = 0;
};

/// Called for each message a subscription receives, on the implementation's thread; the message
/// is acknowledged after it returns.
using OnMessage = std::function<void(std::string_view payload)>;

/// An active subscription; destroying it stops consuming.
class Subscription {
 public:
  virtual ~Subscription() = default;
};

/// One implementation against one broker.
class Impl {
 public:
  virtual ~Impl() = default;
  /// "unimq" or "raw".
  virtual std::string name() const = 0;
  /// Makes the broker keep what is published to `topic` while nobody subscribes: RabbitMQ
  /// routes a message only to a bound queue (and unimq's mandatory publish fails without one),
  /// so there this binds a durable group queue. A no-op elsewhere.
  virtual void keep(const std::string& topic) { (void)topic; }
  /// A publisher for `topic` (created on the broker when the backend needs that).
  virtual std::unique_ptr<Publisher> publisher(const std::string& topic) = 0;
  /// Subscribes to the messages published to `topic` from now on, one consumer, acknowledging
  /// each after `on_message`. Returns once the subscription receives.
  virtual std::unique_ptr<Subscription> subscribe(const std::string& topic,
                                                  OnMessage on_message) = 0;
};

/// unimq itself, on the broker of o.url.
std::unique_ptr<Impl> make_unimq_impl(const Options& o);
/// The raw C client of `backend` (see backend_of()) with settings equal to unimq's adapter, or
/// nullptr when the backend has none (memory) or this build lacks its client.
std::unique_ptr<Impl> make_raw_impl(const std::string& backend, const Options& o);
/// The backend a URL selects, named as the tests name them: memory, redis, redis_streams, nats,
/// jetstream, rabbitmq, kafka.
std::string backend_of(const std::string& url);

}  // namespace unimq::bench
