// The consume pipeline. One poll thread owns the driver receiver (receive, ack, nack, close);
// workers run the handler and hand settlements back to it in batches. Retry and dead-letter
// policy live here, so every backend behaves the same.
#include "internal/consumer_core.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>
#include <ctime>

#include "internal/client_core.hpp"
#include "internal/instruments.hpp"
#include "internal/log.hpp"
#include "internal/message_bytes.hpp"
#include "internal/producer_core.hpp"
#include "internal/trace_propagation.hpp"
#include "unimq/dead_letter_policy.hpp"
#include "unimq/error.hpp"

namespace unimq::detail {
namespace {

// Largest batch asked of the driver in one receive call.
constexpr std::size_t max_receive_batch = 1024;

// Most handled deliveries waiting in the pool for the poll thread to reuse; the workers free
// the rest.
constexpr std::size_t max_spare_deliveries = 1024;

// The consumer whose handler runs on this thread, so stop() from inside a handler does not wait
// for itself.
thread_local const ConsumerCore* current_consumer = nullptr;

std::string utc_now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40] = {};
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(millis));
  return out;
}

std::atomic<int> pending_signal{0};
// C linkage for sigaction, internal linkage so no application symbol can clash with it.
extern "C" {
static void on_stop_signal(int sig) {
  pending_signal.store(sig);
}
}

}  // namespace

std::shared_ptr<ConsumerCore> ConsumerCore::create(std::shared_ptr<ClientCore> client,
                                                   std::string topic, ConsumerOptions options) {
  options.validate();
  const Capabilities& caps = client->capabilities();
  auto refuse = [&](const char* capability, const std::string& asked) {
    const std::string hint = client->connection().hint(capability);
    throw UnsupportedError("backend '" + caps.system + "' lacks capability '" + capability +
                           "', needed for " + asked + (hint.empty() ? "" : ". " + hint));
  };
  if (!options.group.empty() && !caps.consumer_groups) {
    refuse("consumer_groups", "consumer group '" + options.group + "'");
  }
  if (options.start == StartPosition::earliest && !caps.replay) {
    refuse("replay", "start position 'all'");
  }
  if (options.retry.mode == RetryMode::redeliver &&
      !(caps.nack && caps.delayed_redelivery && caps.delivery_count)) {
    log_info("consumer of '" + topic + "': backend '" + caps.system +
             "' cannot redeliver with a delay and a delivery count; retry mode 'redeliver' falls "
             "back to 'in_process'");
  }
  return std::make_shared<ConsumerCore>(std::move(client), std::move(topic), std::move(options));
}

ConsumerCore::ConsumerCore(std::shared_ptr<ClientCore> client, std::string topic,
                           ConsumerOptions options)
    : client_(std::move(client)),
      names_(
          std::make_shared<SubscriptionNames>(SubscriptionNames{std::move(topic), options.group})),
      options_(std::move(options)),
      caps_(client_->capabilities()),
      metrics_(caps_.system, names_->topic, names_->group, "process") {}

ConsumerCore::~ConsumerCore() {
  stop(std::chrono::seconds{30});
  for (auto& worker : workers_) {
    if (!worker.joinable()) continue;
    if (worker.get_id() == std::this_thread::get_id()) {
      worker.detach();
    } else {
      worker.join();
    }
  }
}

bool ConsumerCore::redeliver_natively() const noexcept {
  return options_.retry.mode == RetryMode::redeliver && caps_.nack && caps_.delayed_redelivery &&
         caps_.delivery_count;
}

void ConsumerCore::start(Handler handler) {
  if (!handler) throw ConfigError("consumer of '" + topic() + "': handler is empty");
  {
    std::lock_guard lock(mutex_);
    if (stopped_ || stopping_) throw ClosedError("consumer of '" + topic() + "' was stopped");
    if (started_) throw ConfigError("consumer of '" + topic() + "' is already started");
    started_ = true;
    starting_ = true;
  }
  // stop() (from another thread, or a client closing) waits until the setup below is complete,
  // so it never sees half-built lanes and workers.
  struct SetupDone {
    ConsumerCore& self;
    ~SetupDone() {
      {
        std::lock_guard lock(self.mutex_);
        self.starting_ = false;
      }
      self.cv_.notify_all();
    }
  } setup_done{*this};
  try {
    client_->check_open();
    client_->ensure_topic(topic(), 1, 1);
    driver::ReceiverSpec spec{topic(), options_.group, options_.start, options_.max_in_flight};
    receiver_ = client_->connection().open_receiver(spec);
  } catch (...) {
    std::lock_guard lock(mutex_);
    started_ = false;
    throw;
  }
  handler_ = std::move(handler);
  if (options_.rate_limit.per_second > 0) {
    bucket_.emplace(options_.rate_limit.per_second, options_.rate_limit.burst);
  }
  const std::size_t lanes = options_.ordering == Ordering::per_key ? options_.concurrency : 1;
  for (std::size_t i = 0; i < lanes; ++i)
    lanes_.push_back(std::make_unique<WorkQueue<DeliveryPtr>>());
  for (std::size_t i = 0; i < options_.concurrency; ++i) {
    workers_.emplace_back(
        [this, lane = lanes == 1 ? 0 : i, sharers = lanes == 1 ? options_.concurrency : 1] {
          worker_loop(lane, sharers);
        });
  }
  poller_ = std::thread([this] { poll_loop(); });
  log_debug("consumer of '" + topic() + "' group '" + options_.group + "' started");
}

void ConsumerCore::run(Handler handler) {
  start(std::move(handler));
  // Stop on SIGINT/SIGTERM only while run() blocks; the previous handlers come back afterwards.
  struct sigaction action {};
  struct sigaction old_int {};
  struct sigaction old_term {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &old_int);
  sigaction(SIGTERM, &action, &old_term);
  {
    std::unique_lock lock(mutex_);
    while (!stopping_ && !stopped_ && pending_signal.load() == 0) {
      cv_.wait_for(lock, std::chrono::milliseconds{100});
    }
  }
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  if (int sig = pending_signal.exchange(0); sig != 0) {
    log_info("consumer of '" + topic() + "' stopping on signal " + std::to_string(sig));
  }
  stop(std::chrono::seconds{30});
}

bool ConsumerCore::stop(std::chrono::milliseconds deadline) {
  {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !starting_; });
    if (stopped_ || stopping_) return active_handlers_ <= handlers_left_running_;
    if (!started_) {
      stopped_ = true;
      return true;
    }
    stopping_ = true;
    stop_requested_.store(true, std::memory_order_release);
    stop_deadline_ = Clock::now() + deadline;
    handlers_left_running_ = current_consumer == this ? 1 : 0;
  }
  cv_.notify_all();
  if (bucket_) bucket_->cancel();
  // Messages queued in lanes but not started stay unacknowledged: the broker redelivers them
  // once the receiver is closed.
  for (auto& lane : lanes_) lane->close();
  if (poller_.joinable()) poller_.join();
  std::shared_ptr<ProducerCore> dlq;
  {
    std::lock_guard lock(dlq_mutex_);
    dlq = dlq_;
  }
  if (dlq) dlq->close(std::chrono::milliseconds{0});
  bool finished;
  {
    std::lock_guard lock(mutex_);
    finished = active_handlers_ <= handlers_left_running_;
    stopped_ = true;
  }
  cv_.notify_all();
  if (finished) {
    for (auto& worker : workers_) {
      if (worker.joinable() && worker.get_id() != std::this_thread::get_id()) worker.join();
    }
  } else {
    log_warn("consumer of '" + topic() +
             "': handlers still running at the stop deadline; their "
             "messages will be redelivered");
  }
  log_debug("consumer of '" + topic() + "' stopped");
  return finished;
}

bool ConsumerCore::running() const noexcept {
  std::lock_guard lock(mutex_);
  return started_ && !stopping_ && !stopped_;
}

ConsumerStats ConsumerCore::stats() const noexcept {
  ConsumerStats s;
  s.received = counters_.received.load();
  s.handled = counters_.handled.load();
  s.failed = counters_.failed.load();
  s.retried = counters_.retried.load();
  s.acked = counters_.acked.load();
  s.nacked = counters_.nacked.load();
  s.dead_lettered = counters_.dead_lettered.load();
  return s;
}

std::uint32_t ConsumerCore::first_attempt(const driver::Inbound& in) const {
  if (in.delivery_count > 0) return in.delivery_count;
  if (auto header = in.message.headers().get(attempt_header)) {
    std::uint32_t value = 0;
    auto [end, ec] = std::from_chars(header->data(), header->data() + header->size(), value);
    if (ec == std::errc{} && end == header->data() + header->size() && value > 0) return value;
  }
  return 1;
}

void ConsumerCore::flush_settlements(
    std::vector<driver::AckToken>& acks,
    std::vector<std::pair<driver::AckToken, std::chrono::milliseconds>>& nacks) {
  // The in-flight gauge moves once per flush, not per message: handlers on several threads
  // would otherwise contend on it.
  if (!acks.empty() || !nacks.empty()) {
    metrics_.held(-static_cast<double>(acks.size() + nacks.size()));
  }
  if (metrics_.active()) {
    // Two buffers trade places so neither loses its capacity.
    process_reported_.clear();
    {
      std::lock_guard lock(mutex_);
      process_reported_.swap(process_took_);
    }
    metrics_.succeeded(process_reported_);
  }
  try {
    if (!acks.empty()) receiver_->ack(acks);
    // Nacks are grouped by delay so each distinct delay is one driver call.
    std::sort(nacks.begin(), nacks.end(),
              [](const auto& a, const auto& b) { return a.second < b.second; });
    for (std::size_t i = 0; i < nacks.size();) {
      std::size_t j = i;
      std::vector<driver::AckToken> tokens;
      while (j < nacks.size() && nacks[j].second == nacks[i].second)
        tokens.push_back(nacks[j++].first);
      receiver_->nack(tokens, nacks[i].second);
      i = j;
    }
  } catch (const std::exception& e) {
    log_warn("consumer of '" + topic() + "': settling " +
             std::to_string(acks.size() + nacks.size()) +
             " message(s) failed, the broker will redeliver them: " + e.what());
  }
  acks.clear();
  nacks.clear();
}

void ConsumerCore::tick_receiver() {
  try {
    receiver_->receive(0, Clock::now());
  } catch (const std::exception& e) {
    log_debug("consumer of '" + topic() + "': idle receive failed: " + e.what());
  }
}

void ConsumerCore::poll_loop() {
  std::vector<driver::AckToken> acks;
  std::vector<std::pair<driver::AckToken, std::chrono::milliseconds>> nacks;
  std::vector<DeliveryPtr> due;
  std::vector<DeliveryPtr> deliveries;
  std::vector<DeliveryPtr> spares;  // handled deliveries the workers gave back, to reuse
  std::chrono::milliseconds error_backoff{0};
  for (;;) {
    std::size_t free_slots = 0;
    Clock::time_point receive_deadline;
    bool idle_tick = false;  // every slot busy for a whole poll_timeout
    {
      std::unique_lock lock(mutex_);
      for (;;) {
        acks.swap(acks_);
        // Take what the workers gave back, up to a full batch's worth.
        while (!spare_deliveries_.empty() && spares.size() < max_receive_batch) {
          spares.push_back(std::move(spare_deliveries_.back()));
          spare_deliveries_.pop_back();
        }
        nacks.swap(nacks_);
        const auto now = Clock::now();
        while (!local_redeliveries_.empty() && local_redeliveries_.begin()->first <= now) {
          due.push_back(std::move(local_redeliveries_.begin()->second));
          local_redeliveries_.erase(local_redeliveries_.begin());
        }
        if (stopping_) break;
        free_slots = options_.max_in_flight - std::min(in_flight_, options_.max_in_flight);
        receive_deadline = now + options_.poll_timeout;
        if (!local_redeliveries_.empty()) {
          receive_deadline = std::min(receive_deadline, local_redeliveries_.begin()->first);
        }
        if (free_slots > 0 || !acks.empty() || !nacks.empty() || !due.empty()) break;
        poller_waiting_ = true;
        const bool woken = cv_.wait_until(lock, receive_deadline) == std::cv_status::no_timeout;
        poller_waiting_ = false;
        if (!woken && in_flight_ >= options_.max_in_flight) {
          idle_tick = true;
          break;
        }
      }
      if (stopping_) break;
    }
    flush_settlements(acks, nacks);
    dispatch_all(due);
    if (free_slots == 0) {
      // receive(0) takes no message; it lets the receiver keep its session alive (lease renewal,
      // keepalives) while slow handlers hold every slot.
      if (idle_tick) tick_receiver();
      continue;
    }
    std::vector<driver::Inbound> batch;
    try {
      batch = receiver_->receive(std::min(free_slots, max_receive_batch), receive_deadline);
      error_backoff = std::chrono::milliseconds{0};
    } catch (const ClosedError& e) {
      log_warn("consumer of '" + topic() + "': receiver closed: " + e.what());
      break;
    } catch (const std::exception& e) {
      // Adapters reconnect by themselves; this only paces a receiver that keeps failing.
      error_backoff = std::min(std::max(error_backoff * 2, std::chrono::milliseconds{50}),
                               std::chrono::milliseconds{5000});
      log_warn("consumer of '" + topic() + "': receive failed, retrying in " +
               std::to_string(error_backoff.count()) + "ms: " + e.what());
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, error_backoff, [&] { return stopping_; });
      continue;
    }
    if (batch.empty()) continue;
    {
      std::lock_guard lock(mutex_);
      in_flight_ += static_cast<std::uint32_t>(batch.size());
    }
    counters_.received += batch.size();
    metrics_.held(static_cast<double>(batch.size()));
    deliveries.reserve(batch.size());
    for (auto& in : batch) {
      DeliveryPtr d;
      if (!spares.empty()) {
        d = std::move(spares.back());
        spares.pop_back();
        d->lane = 0;
        d->settled.store(false, std::memory_order_relaxed);
      } else {
        d = std::make_shared<DeliveryState>();
        d->consumer = weak_from_this();
        d->names = names_;
      }
      d->attempt = first_attempt(in);
      if (d->attempt > 1) metrics_.redelivered();
      // A reused delivery's previous message is freed here, by the thread that allocates the
      // next ones, so its memory is at hand for them (a free on another thread is not).
      d->inbound = std::move(in);
      deliveries.push_back(std::move(d));
    }
    dispatch_all(deliveries);
  }
  // Stopping: let in-flight handlers and dead-letter publishes finish until the deadline, then
  // flush what they settled and leave the subscription.
  {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, stop_deadline_, [&] {
      return active_handlers_ <= handlers_left_running_ && pending_dead_letters_ == 0;
    });
    acks.insert(acks.end(), acks_.begin(), acks_.end());
    nacks.insert(nacks.end(), nacks_.begin(), nacks_.end());
    acks_.clear();
    nacks_.clear();
    local_redeliveries_.clear();
  }
  receiver_closed_.store(true);
  {
    // Settlements that raced with the flag still get flushed.
    std::lock_guard lock(mutex_);
    acks.insert(acks.end(), acks_.begin(), acks_.end());
    nacks.insert(nacks.end(), nacks_.begin(), nacks_.end());
    acks_.clear();
    nacks_.clear();
  }
  flush_settlements(acks, nacks);
  {
    // What is still in flight goes back to the broker with the subscription.
    std::lock_guard lock(mutex_);
    metrics_.held(-static_cast<double>(in_flight_));
  }
  try {
    receiver_->close();
  } catch (const std::exception& e) {
    log_warn("consumer of '" + topic() + "': closing the receiver failed: " + e.what());
  }
}

std::size_t ConsumerCore::lane_of(const DeliveryPtr& d) {
  if (lanes_.size() == 1) return 0;
  const auto& key = d->inbound.message.key();
  return key.empty() ? round_robin_.fetch_add(1) % lanes_.size() : lane_for_key(key, lanes_.size());
}

void ConsumerCore::dispatch_all(std::vector<DeliveryPtr>& batch) {
  if (lanes_.size() == 1) {
    for (auto& d : batch) d->lane = 0;
    lanes_[0]->push_all(batch);
    return;
  }
  // One push per lane and batch: a lock and a wake-up per message would cost more than the
  // memory broker's whole receive path.
  std::vector<std::vector<DeliveryPtr>> per_lane(lanes_.size());
  for (auto& d : batch) {
    d->lane = lane_of(d);
    per_lane[d->lane].push_back(std::move(d));
  }
  batch.clear();
  for (std::size_t i = 0; i < lanes_.size(); ++i) {
    if (!per_lane[i].empty()) lanes_[i]->push_all(per_lane[i]);
  }
}

void ConsumerCore::worker_loop(std::size_t lane, std::size_t sharers) {
  // Workers take small runs from their lane; with one shared lane each takes a fair share, so
  // a run never starves the other workers.
  constexpr std::size_t max_run = 64;
  std::vector<DeliveryPtr> run;
  std::vector<DeliveryPtr> handled;
  run.reserve(max_run);
  handled.reserve(max_run);
  while (lanes_[lane]->pop_some(run, max_run, sharers) > 0) {
    process_run(run, handled);
    run.clear();
    handled.clear();  // those the spare pool had no room for
  }
}

namespace {

// A delivery given back for reuse keeps a message of up to this many bytes (message_bytes), to
// be freed by the poll thread when it reuses the delivery; a larger one is freed at once, so
// the spare deliveries hold little memory.
constexpr std::size_t max_kept_message_bytes = 256;

// Whether `d` is the only reference left, so the delivery may be reused. Nobody can gain a
// new one then: there are no weak references to deliveries.
bool sole_owner(const DeliveryPtr& d) {
  if (d.use_count() != 1) return false;
  // The count was read relaxed; copying and dropping the pointer is an acquire-release
  // operation on it, which orders every former owner's use of the delivery (a Delivery handle
  // released on another thread) before its reuse.
  DeliveryPtr{d}.reset();
  return true;
}

}  // namespace

void ConsumerCore::process_run(std::vector<DeliveryPtr>& run, std::vector<DeliveryPtr>& handled) {
  // A run counts as one active handler, so the shared lock is taken twice per run rather than
  // twice per message; each message still checks for stop() before its handler starts, so
  // stop() waits for at most the handler that is running.
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    ++active_handlers_;
  }
  for (auto& d : run) {
    if (!process(d)) break;
    // Release each message once handled, not when the whole run is; the delivery itself goes
    // back to the poll thread for reuse when nothing else holds it.
    if (sole_owner(d)) {
      if (message_bytes(d->inbound.message) > max_kept_message_bytes) {
        d->inbound.message = Message{};
      }
      handled.push_back(std::move(d));
    } else {
      d.reset();
    }
  }
  bool stopping;
  {
    std::lock_guard lock(mutex_);
    --active_handlers_;
    stopping = stopping_;
    while (!handled.empty() && spare_deliveries_.size() < max_spare_deliveries) {
      spare_deliveries_.push_back(std::move(handled.back()));
      handled.pop_back();
    }
  }
  // Only a stopping poll thread waits for the count of active handlers.
  if (stopping) cv_.notify_all();
}

bool ConsumerCore::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, delay, [&] { return stopping_; });
}

bool ConsumerCore::process(const DeliveryPtr& d) {
  for (;;) {
    // Stopping: leave it for redelivery.
    if (stop_requested_.load(std::memory_order_acquire)) return false;
    if (bucket_ && !bucket_->acquire()) return false;
    Outcome outcome = Outcome::success;
    std::string error;
    current_consumer = this;
    const auto started = metrics_.active() ? Clock::now() : Clock::time_point{};
    std::string error_type;
    try {
      // The message's trace context is current while its handler runs (and publishes).
      const auto trace = activate_trace(d->inbound.message.headers());
      handler_(Delivery(d));
    } catch (const PermanentError& e) {
      outcome = Outcome::permanent;
      error = e.what();
      if (metrics_.active()) error_type = error_type_of(std::current_exception());
    } catch (const std::exception& e) {
      outcome = Outcome::failure;
      error = e.what();
      if (metrics_.active()) error_type = error_type_of(std::current_exception());
    } catch (...) {
      outcome = Outcome::failure;
      error = "handler threw a non-standard exception";
      error_type = "unknown";
    }
    current_consumer = nullptr;
    double took = 0;
    if (metrics_.active()) {
      took = std::chrono::duration<double>(Clock::now() - started).count();
      if (outcome != Outcome::success) metrics_.failed(error_type, Clock::now() - started);
    }
    // The handler counts as active until its outcome is queued for the poll thread, so stop()
    // cannot close the receiver between the handler's return and its ack.
    const auto retry_in_lane = settle(d, outcome, error);
    if (metrics_.active() && outcome == Outcome::success) {
      // Successes reach the sink in batches, from the poll thread (flush_settlements): handlers
      // on several threads would otherwise contend on the histogram's lock per message.
      std::lock_guard lock(mutex_);
      process_took_.push_back(took);
    }
    if (!retry_in_lane) return true;
    if (!wait_backoff(*retry_in_lane)) return false;
  }
}

std::optional<std::chrono::milliseconds> ConsumerCore::settle(const DeliveryPtr& d, Outcome outcome,
                                                              const std::string& error) {
  if (outcome == Outcome::success) {
    ++counters_.handled;
    if (options_.ack == AckMode::auto_ack) ack(d);
    return std::nullopt;
  }
  ++counters_.failed;
  if (d->settled.load()) return std::nullopt;  // manual mode: the handler settled before throwing
  if (outcome == Outcome::permanent || d->attempt >= options_.retry.max_attempts) {
    dead_letter(d, error);
    return std::nullopt;
  }
  ++counters_.retried;
  metrics_.retried();
  const auto wait = options_.retry.backoff(d->attempt);
  log_debug("consumer of '" + topic() + "': attempt " + std::to_string(d->attempt) +
            " of message " + d->inbound.id + " failed (" + error + "), retry in " +
            std::to_string(wait.count()) + "ms");
  if (redeliver_natively()) {
    nack(d, wait);
    return std::nullopt;
  }
  if (options_.ordering == Ordering::per_key) {
    // The lane waits (in process()), so later messages with the same key cannot overtake.
    ++d->attempt;
    return wait;
  }
  redeliver_locally(d, wait, true);
  return std::nullopt;
}

void ConsumerCore::redeliver_locally(DeliveryPtr d, std::chrono::milliseconds delay,
                                     bool next_attempt) {
  if (next_attempt) ++d->attempt;
  d->settled.store(false);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    local_redeliveries_.emplace(Clock::now() + delay, std::move(d));
  }
  cv_.notify_all();
}

void ConsumerCore::queue_ack(const DeliveryPtr& d) {
  bool wake;
  {
    std::lock_guard lock(mutex_);
    acks_.push_back(d->inbound.token);
    --in_flight_;
    wake = poller_waiting_;
  }
  ++counters_.acked;
  if (wake) cv_.notify_all();
}

void ConsumerCore::ack(const DeliveryPtr& d) {
  if (d->settled.exchange(true)) return;
  queue_ack(d);
}

void ConsumerCore::nack(const DeliveryPtr& d, std::chrono::milliseconds delay) {
  if (d->settled.exchange(true)) return;
  if (caps_.nack && (delay.count() == 0 || caps_.delayed_redelivery)) {
    {
      std::lock_guard lock(mutex_);
      nacks_.emplace_back(d->inbound.token, delay);
      --in_flight_;
    }
    ++counters_.nacked;
    cv_.notify_all();
    return;
  }
  // The broker cannot take it back: keep it in flight and hand it to a worker again later.
  redeliver_locally(d, delay, true);
}

ProducerCore& ConsumerCore::dead_letter_producer() {
  std::lock_guard lock(dlq_mutex_);
  if (!dlq_) {
    const std::string dlq_topic =
        options_.dead_letter.topic.empty() ? topic() + ".dlq" : options_.dead_letter.topic;
    client_->ensure_topic(dlq_topic, 1, 1);
    dlq_ = ProducerCore::create(client_, dlq_topic, ProducerOptions{}, true);
  }
  return *dlq_;
}

void ConsumerCore::dead_letter(const DeliveryPtr& d, std::string reason) {
  if (d->settled.exchange(true)) return;
  if (!options_.dead_letter.enabled) {
    log_error("consumer of '" + topic() + "': message " + d->inbound.id + " failed after " +
              std::to_string(d->attempt) +
              " attempt(s) and dead-lettering is disabled; "
              "dropping it: " +
              reason);
    queue_ack(d);
    return;
  }
  Message copy = d->inbound.message;
  Headers& h = copy.headers();
  h.set(dlq_header::topic, topic());
  h.set(dlq_header::group, options_.group);
  h.set(dlq_header::error, std::move(reason));
  h.set(dlq_header::attempts, std::to_string(d->attempt));
  h.set(dlq_header::failed_at, utc_now_rfc3339());
  h.set(dlq_header::message_id, d->inbound.id);
  {
    std::lock_guard lock(mutex_);
    ++pending_dead_letters_;
  }
  auto on_done = [weak = weak_from_this(), d](const PublishResult& result) {
    auto self = weak.lock();
    if (!self) return;
    if (result.ok()) {
      ++self->counters_.dead_lettered;
      self->metrics_.dead_lettered();
      log_info("consumer of '" + self->topic() + "': message " + d->inbound.id +
               " dead-lettered to '" + result.receipt.topic + "' after " +
               std::to_string(d->attempt) + " attempt(s)");
      self->queue_ack(d);
    } else {
      // Never ack what the dead-letter topic did not confirm: the message comes back and fails
      // into the dead-letter topic again. A crash can duplicate it there, never lose it.
      std::string why = "unknown error";
      try {
        std::rethrow_exception(result.error);
      } catch (const std::exception& e) {
        why = e.what();
      }
      log_error("consumer of '" + self->topic() + "': dead-lettering message " + d->inbound.id +
                " failed, it will be redelivered: " + why);
      d->settled.store(false);
      self->nack(d, self->options_.retry.max_backoff);
    }
    {
      std::lock_guard lock(self->mutex_);
      --self->pending_dead_letters_;
    }
    self->cv_.notify_all();
  };
  try {
    dead_letter_producer().publish(std::move(copy), on_done);
  } catch (...) {
    PublishResult failed;
    failed.error = std::current_exception();
    on_done(failed);
  }
}

}  // namespace unimq::detail
