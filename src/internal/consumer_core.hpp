// The consume pipeline behind Consumer (DESIGN §3): receive → in-flight window → lanes →
// workers → handler → ack / retry / dead-letter.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "internal/instruments.hpp"
#include "internal/lanes.hpp"
#include "internal/token_bucket.hpp"
#include "unimq/consumer.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::detail {

class ClientCore;
class ConsumerCore;
class ProducerCore;

/// Names shared by every delivery of one consumer.
struct SubscriptionNames {
  std::string topic;
  std::string group;
};

/// One received message on its way through the pipeline; Delivery handles point here.
struct DeliveryState {
  std::weak_ptr<ConsumerCore> consumer;
  std::shared_ptr<const SubscriptionNames> names;
  driver::Inbound inbound;
  std::uint32_t attempt = 1;
  std::size_t lane = 0;
  std::atomic<bool> settled{false};
};

using DeliveryPtr = std::shared_ptr<DeliveryState>;

/// Runs one subscription. Thread-safe.
class ConsumerCore : public std::enable_shared_from_this<ConsumerCore> {
 public:
  using Clock = std::chrono::steady_clock;

  /// Validates options against the backend's capabilities; throws ConfigError or
  /// UnsupportedError.
  static std::shared_ptr<ConsumerCore> create(std::shared_ptr<ClientCore> client, std::string topic,
                                              ConsumerOptions options);
  ConsumerCore(std::shared_ptr<ClientCore> client, std::string topic, ConsumerOptions options);
  ~ConsumerCore();

  void start(Handler handler);
  void run(Handler handler);
  bool stop(std::chrono::milliseconds deadline);
  bool running() const noexcept;
  ConsumerStats stats() const noexcept;
  const std::string& topic() const noexcept { return names_->topic; }
  const ConsumerOptions& options() const noexcept { return options_; }

  // Settlement, from workers or from Delivery handles (any thread). Idempotent per delivery.
  /// Whether settlements still reach the broker: false once the receiver was closed by stop().
  bool accepting_settlements() const noexcept { return !receiver_closed_.load(); }
  void ack(const DeliveryPtr& d);
  void nack(const DeliveryPtr& d, std::chrono::milliseconds delay);
  void dead_letter(const DeliveryPtr& d, std::string reason);

 private:
  void poll_loop();
  /// Calls receive(0) so the receiver can keep its session alive while no slot is free.
  void tick_receiver();
  /// Runs handlers for `lane`, which `sharers` workers take from.
  void worker_loop(std::size_t lane, std::size_t sharers);
  /// How a handler call ended.
  enum class Outcome { success, failure, permanent };
  /// Runs the handler for each delivery of `run` (one worker's take from its lane) until stop();
  /// the deliveries it could not give back for reuse are left in `handled`.
  void process_run(std::vector<DeliveryPtr>& run, std::vector<DeliveryPtr>& handled);
  /// Runs the handler for `d` and settles the outcome; false once stop() was called.
  bool process(const DeliveryPtr& d);
  /// Applies the ack/retry/dead-letter policy to a finished handler call; returns the backoff
  /// to wait in the lane when the message is retried right there (per-key ordering).
  std::optional<std::chrono::milliseconds> settle(const DeliveryPtr& d, Outcome outcome,
                                                  const std::string& error);
  std::size_t lane_of(const DeliveryPtr& d);
  /// Routes a batch to the lanes (moved from, then cleared).
  void dispatch_all(std::vector<DeliveryPtr>& batch);
  void queue_ack(const DeliveryPtr& d);
  void redeliver_locally(DeliveryPtr d, std::chrono::milliseconds delay, bool next_attempt);
  bool wait_backoff(std::chrono::milliseconds delay);
  void flush_settlements(
      std::vector<driver::AckToken>& acks,
      std::vector<std::pair<driver::AckToken, std::chrono::milliseconds>>& nacks);
  std::uint32_t first_attempt(const driver::Inbound& in) const;
  bool redeliver_natively() const noexcept;
  ProducerCore& dead_letter_producer();

  std::shared_ptr<ClientCore> client_;
  std::shared_ptr<const SubscriptionNames> names_;
  ConsumerOptions options_;
  Capabilities caps_;
  Handler handler_;
  std::unique_ptr<driver::Receiver> receiver_;  // used by the poll thread only once started
  std::optional<TokenBucket> bucket_;
  std::vector<std::unique_ptr<WorkQueue<DeliveryPtr>>> lanes_;
  std::vector<std::thread> workers_;
  std::thread poller_;
  std::atomic<std::size_t> round_robin_{0};

  std::mutex dlq_mutex_;
  std::shared_ptr<ProducerCore> dlq_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<driver::AckToken> acks_;
  /// Handled deliveries, given back by the workers for the poll thread to reuse.
  std::vector<DeliveryPtr> spare_deliveries_;
  std::vector<std::pair<driver::AckToken, std::chrono::milliseconds>> nacks_;
  std::multimap<Clock::time_point, DeliveryPtr> local_redeliveries_;
  std::vector<double> process_took_;      // successful handler durations (s) not yet reported
  std::vector<double> process_reported_;  // the poll thread's: the batch being reported
  std::uint32_t in_flight_ = 0;
  std::uint32_t active_handlers_ = 0;
  std::uint32_t handlers_left_running_ = 0;  // a handler that called stop() itself
  std::uint32_t pending_dead_letters_ = 0;
  bool poller_waiting_ = false;
  bool started_ = false;
  bool starting_ = false;  // start() is building lanes, workers and the poller
  bool stopping_ = false;
  bool stopped_ = false;
  std::atomic<bool> stop_requested_{false};   // stopping_, readable without the lock
  std::atomic<bool> receiver_closed_{false};  // the poll thread closed the receiver
  Clock::time_point stop_deadline_{};

  struct Counters {
    std::atomic<std::uint64_t> received{0}, handled{0}, failed{0}, retried{0}, acked{0}, nacked{0},
        dead_lettered{0};
  } counters_;
  Instruments metrics_;  ///< After caps_ and names_, which it is made from.
};

}  // namespace unimq::detail
