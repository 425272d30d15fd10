// librdkafka as unimq's Kafka adapter configures it: an idempotent producer (acks=all,
// linger.ms=5, sticky.partitioning.linger.ms=0) whose delivery reports are served by a poll
// thread of its own, unconfirmed messages bounded by librdkafka's own queue
// (queue.buffering.max.messages, as in the adapter); a group consumer (new
// group per subscription, positioned at the partitions' ends when assigned) that stores the
// offset of each message after its handler and commits the stored offsets every 100 ms (the
// adapter's commit_interval). Topics are created through the Admin API as the adapter does
// (one partition, replication factor 1: the Topic defaults).
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "raw/raw_clients.hpp"
#include "unimq/driver/broker_url.hpp"

namespace unimq::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
  void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
  void operator()(rd_kafka_topic_partition_list_t* l) const {
    rd_kafka_topic_partition_list_destroy(l);
  }
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using HandlePtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, KafkaDeleter>;
using PartitionsPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, KafkaDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, KafkaDeleter>;

void set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
  std::array<char, 512> err{};
  if (rd_kafka_conf_set(conf, name, value.c_str(), err.data(), err.size()) != RD_KAFKA_CONF_OK) {
    throw std::runtime_error(std::string("raw kafka: ") + name + ": " + err.data());
  }
}

HandlePtr make_handle(ConfPtr conf, rd_kafka_type_t type) {
  std::array<char, 512> err{};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err.data(), err.size());
  if (rk == nullptr) throw std::runtime_error(std::string("raw kafka: ") + err.data());
  (void)conf.release();  // rd_kafka_new took it
  return HandlePtr(rk);
}

// Creates `topic` with one partition (replication factor 1) unless it exists.
void ensure_topic(rd_kafka_t* rk, const std::string& topic) {
  std::array<char, 512> err{};
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), 1, 1, err.data(), err.size());
  if (nt == nullptr) throw std::runtime_error(std::string("raw kafka: ") + err.data());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30'000);
  std::string failure;
  if (ev == nullptr) {
    failure = "no answer to CreateTopics within 30 s";
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failure = rd_kafka_event_error_string(ev);
  } else {
    std::size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (std::size_t i = 0; i < n; ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        failure = rd_kafka_err2str(e);
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(nt);
  if (!failure.empty()) throw std::runtime_error("raw kafka: creating " + topic + ": " + failure);
  // A topic just created has no leader for a moment; a producer that sees it so waits for its
  // next metadata refresh (about a second). Wait for the leader here, as the adapter does.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const auto deadline = Clock::now() + 30s;
  bool ready = false;
  while (!ready && Clock::now() < deadline) {
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ready = md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
              md->topics[0].partition_cnt > 0;
      for (int i = 0; ready && i < md->topics[0].partition_cnt; ++i) {
        ready = md->topics[0].partitions[i].leader >= 0;
      }
      rd_kafka_metadata_destroy(md);
    }
    if (!ready) std::this_thread::sleep_for(20ms);
  }
  rd_kafka_topic_destroy(rkt);
  if (!ready) throw std::runtime_error("raw kafka: " + topic + " has no leader after 30 s");
}

class KafkaPublisher final : public Publisher {
 public:
  KafkaPublisher(const std::string& bootstrap, std::string topic) : topic_(std::move(topic)) {
    ConfPtr conf(rd_kafka_conf_new());
    set(conf.get(), "bootstrap.servers", bootstrap);
    set(conf.get(), "enable.idempotence", "true");
    set(conf.get(), "acks", "all");
    set(conf.get(), "linger.ms", "5");
    set(conf.get(), "sticky.partitioning.linger.ms", "0");
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaPublisher::on_delivery);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rk_ = make_handle(std::move(conf), RD_KAFKA_PRODUCER);
    ensure_topic(rk_.get(), topic_);
    poller_ = std::thread([this] {
      while (!stop_) rd_kafka_poll(rk_.get(), 100);
    });
  }
  ~KafkaPublisher() override {
    rd_kafka_flush(rk_.get(), 10'000);
    stop_ = true;
    poller_.join();
  }
  KafkaPublisher(const KafkaPublisher&) = delete;
  KafkaPublisher& operator=(const KafkaPublisher&) = delete;

  void send(std::string_view payload) override {
    for (;;) {
      const rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        throw std::runtime_error(std::string("raw kafka: produce: ") + rd_kafka_err2str(err));
      }
      rd_kafka_poll(rk_.get(), 10);  // librdkafka's own queue is full: serve reports
    }
    outstanding_.fetch_add(1, std::memory_order_relaxed);
  }

  void confirm_all(std::chrono::seconds stall) override {
    auto last = outstanding_.load();
    auto progress = Clock::now();
    while (outstanding_.load() > 0) {
      std::this_thread::sleep_for(1ms);
      if (const auto now = outstanding_.load(); now != last) {
        last = now;
        progress = Clock::now();
      } else if (Clock::now() - progress > stall) {
        throw std::runtime_error("raw kafka: no delivery report for " +
                                 std::to_string(stall.count()) + " s");
      }
    }
    std::lock_guard lock(mutex_);
    if (!first_error_.empty()) {
      throw std::runtime_error("raw kafka: delivery failed: " + first_error_);
    }
  }

 private:
  static void on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<KafkaPublisher*>(opaque);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::lock_guard lock(self->mutex_);
      if (self->first_error_.empty()) self->first_error_ = rd_kafka_err2str(m->err);
    }
    self->outstanding_.fetch_sub(1, std::memory_order_release);
  }

  const std::string topic_;
  HandlePtr rk_;
  std::atomic<std::size_t> outstanding_{0};
  std::mutex mutex_;
  std::string first_error_;  // guarded by mutex_
  std::atomic<bool> stop_{false};
  std::thread poller_;
};

class KafkaSubscription final : public Subscription {
 public:
  KafkaSubscription(const std::string& bootstrap, const std::string& topic, OnMessage on_message)
      : on_message_(std::move(on_message)) {
    static std::atomic<unsigned> seq{0};
    ConfPtr conf(rd_kafka_conf_new());
    set(conf.get(), "bootstrap.servers", bootstrap);
    set(conf.get(), "group.id",
        "raw-bench-" + std::to_string(::getpid()) + "-" + std::to_string(++seq));
    set(conf.get(), "session.timeout.ms", "10000");
    set(conf.get(), "heartbeat.interval.ms", "1000");
    set(conf.get(), "enable.auto.offset.store", "false");
    set(conf.get(), "auto.commit.interval.ms", "100");
    rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSubscription::on_rebalance);
    rd_kafka_conf_set_opaque(conf.get(), this);
    rk_ = make_handle(std::move(conf), RD_KAFKA_CONSUMER);
    ensure_topic(rk_.get(), topic);
    rd_kafka_poll_set_consumer(rk_.get());
    PartitionsPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (const auto err = rd_kafka_subscribe(rk_.get(), list.get()); err) {
      throw std::runtime_error(std::string("raw kafka: subscribe: ") + rd_kafka_err2str(err));
    }
    // Receives from now on once assigned: wait for the assignment (messages polled meanwhile
    // are handled, as the adapter hands them over).
    const auto deadline = Clock::now() + 30s;
    while (!assigned_ && Clock::now() < deadline) poll_one(100);
    if (!assigned_) throw std::runtime_error("raw kafka: no assignment within 30 s");
    thread_ = std::thread([this] {
      while (!stop_) poll_one(100);
    });
  }
  ~KafkaSubscription() override {
    stop_ = true;
    thread_.join();
    rd_kafka_commit(rk_.get(), nullptr, 0);  // what was stored since the last auto commit
    rd_kafka_consumer_close(rk_.get());
  }
  KafkaSubscription(const KafkaSubscription&) = delete;
  KafkaSubscription& operator=(const KafkaSubscription&) = delete;

 private:
  void poll_one(int timeout_ms) {
    MessagePtr m(rd_kafka_consumer_poll(rk_.get(), timeout_ms));
    if (!m || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    on_message_(std::string_view(static_cast<const char*>(m->payload), m->len));
    rd_kafka_offset_store(m->rkt, m->partition, m->offset);  // stores offset + 1
  }

  // A new group starts at each partition's end as of the assignment (the adapter's start=latest).
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<KafkaSubscription*>(opaque);
    if (err != RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, nullptr);
      return;
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      auto& tp = partitions->elems[i];
      std::int64_t low = 0;
      std::int64_t high = 0;
      if (rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, 10'000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        tp.offset = high;
      }
    }
    rd_kafka_assign(rk, partitions);
    self->assigned_ = true;
  }

  OnMessage on_message_;
  HandlePtr rk_;
  bool assigned_ = false;  // set by a poll of the constructor's thread
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class RawKafka final : public Impl {
 public:
  explicit RawKafka(std::string bootstrap) : bootstrap_(std::move(bootstrap)) {}
  std::string name() const override { return "raw"; }
  std::unique_ptr<Publisher> publisher(const std::string& topic) override {
    return std::make_unique<KafkaPublisher>(bootstrap_, topic);
  }
  std::unique_ptr<Subscription> subscribe(const std::string& topic, OnMessage fn) override {
    return std::make_unique<KafkaSubscription>(bootstrap_, topic, std::move(fn));
  }

 private:
  const std::string bootstrap_;
};

}  // namespace

std::unique_ptr<Impl> make_raw_kafka(const Options& o) {
  const auto url = driver::BrokerUrl::parse(o.url);
  if (url.scheme != "kafka") throw std::invalid_argument("raw kafka: only kafka://");
  std::string bootstrap;
  for (const auto& h : url.hosts) {
    if (!bootstrap.empty()) bootstrap += ",";
    bootstrap += h.host + ":" + std::to_string(h.port != 0 ? h.port : 9092);
  }
  return std::make_unique<RawKafka>(std::move(bootstrap));
}

}  // namespace unimq::bench
