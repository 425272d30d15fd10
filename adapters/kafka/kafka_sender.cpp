// Publishing with librdkafka's idempotent producer. send() hands each message to
// rd_kafka_producev (key, headers, payload without a copy); the delivery report of each one
// completes it on this sender's poll thread. close() purges what the broker has not confirmed,
// so those messages complete with ErrorKind::closed.
#include <array>
#include <condition_variable>
#include <optional>
#include <thread>
#include <unordered_map>

#include "internal/log.hpp"
#include "kafka_connection.hpp"
#include "unimq/driver/completion_batch.hpp"

namespace unimq::kafka {
namespace {

using driver::ErrorKind;

constexpr int purge_all = RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT;

// Topic handles a producer keeps before it starts over (a handle is a few hundred bytes; a
// service replying to many clients' inbox topics would otherwise keep one per client forever).
constexpr std::size_t max_topic_handles = 1024;

// A librdkafka topic handle shared by the batches producing to it.
using SharedTopic = std::shared_ptr<rd_kafka_topic_t>;

struct Batch;

// One message handed to librdkafka; owns the bytes librdkafka reads without copying, until the
// delivery report.
struct Pending {
  Batch* batch = nullptr;
  std::size_t index = 0;
  Message message;
};

// One send() call: the completion its messages report through, and their Pending records in
// one allocation (one per message, and a reference count touched twice per message, showed in
// profiles of 100-byte publishing). Deleted by whoever completes its last message.
struct Batch {
  std::string topic;
  SharedTopic handle;  // held until the batch is produced; the map may drop it meanwhile
  driver::SendCompletion done;
  std::vector<Pending> messages;           // reserved once: librdkafka holds their addresses
  std::atomic<std::size_t> unfinished{0};  // messages not completed, +1 while send() walks them

  // Marks one message completed; deletes the batch after the last one.
  static void finished(Batch* batch) {
    if (batch->unfinished.fetch_sub(1, std::memory_order_acq_rel) == 1) delete batch;
  }
};

class ProducerCore final : public Closable {
 public:
  explicit ProducerCore(std::shared_ptr<ConnectionState> state) : state_(std::move(state)) {
    handle_state_.name = "producer";
    handle_state_.owner = this;
    ConfPtr conf = make_conf(state_->settings, Role::producer, &handle_state_);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &ProducerCore::on_delivery);
    rk_ = make_handle(std::move(conf), RD_KAFKA_PRODUCER);
    poller_ = std::thread([this] { poll_loop(); });
  }

  ~ProducerCore() override {
    close();
    topics_.clear();  // librdkafka wants its topic handles back before the handle goes
    rk_.reset();
  }

  ProducerCore(const ProducerCore&) = delete;
  ProducerCore& operator=(const ProducerCore&) = delete;

  void send(const std::string& topic, std::vector<Message> batch, driver::SendCompletion done) {
    if (batch.empty()) return;
    auto* b =
        new Batch{topic, closed_.load() ? nullptr : topic_handle(topic), std::move(done), {}, {}};
    b->messages.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      b->messages.push_back(Pending{b, i, std::move(batch[i])});
    }
    // One more than the messages: delivery reports may complete them all while this loop
    // still walks the batch, so it lets go of the batch last.
    b->unfinished.store(batch.size() + 1, std::memory_order_relaxed);
    for (auto& pending : b->messages) {
      if (closed_.load()) {
        fail(pending, ErrorKind::closed, "kafka producer is closed");
      } else if (handle_state_.fatal.load()) {
        fail(pending, ErrorKind::permanent,
             "kafka producer hit a fatal error: " + handle_state_.fatal_text());
      } else {
        produce(pending);
      }
    }
    Batch::finished(b);
  }

  // Called by the connection's close, the sender's close and its destructor, maybe at once:
  // one of them purges and joins the poll thread, the others wait for it (a thread joined twice
  // is undefined behaviour). From a delivery report (the poll thread) it only purges and stops
  // the loop; the destructor joins.
  void close() override {
    if (std::this_thread::get_id() == poller_.get_id()) {
      if (!closed_.exchange(true)) rd_kafka_purge(rk_.get(), purge_all);
      stop_.store(true);
      return;
    }
    std::lock_guard close_lock(close_mu_);
    if (!closed_.exchange(true)) {
      // What the broker has not confirmed fails now (ERR__PURGE_*), so nothing waits for a
      // delivery report that would only come after a reconnect.
      rd_kafka_purge(rk_.get(), purge_all);
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, state_->settings.operation_timeout, [&] { return outstanding_ == 0; });
    }
    stop_.store(true);
    if (poller_.joinable()) poller_.join();
  }

 private:
  // Completes `pending` with an error, handing its message back. The last completion of a
  // batch deletes it, so `pending` is gone afterwards.
  static void fail(Pending& pending, ErrorKind kind, const std::string& why) {
    driver::SendResult result;
    result.error = driver::DriverError{kind, why};
    result.message = std::move(pending.message);
    Batch* batch = pending.batch;
    batch->done(pending.index, std::move(result));
    Batch::finished(batch);
  }

  void produce(Pending& pending) {
    Batch& batch = *pending.batch;
    const Message& m = pending.message;
    // Read the clock only once the queue is full: a clock read per message showed in profiles.
    std::optional<std::chrono::steady_clock::time_point> deadline;
    for (;;) {
      // No header list at all for a message without headers: one allocation per message less,
      // and the record carries none.
      HeadersPtr headers(m.headers().empty() ? nullptr : rd_kafka_headers_new(m.headers().size()));
      for (const auto& [name, value] : m.headers()) {
        rd_kafka_header_add(headers.get(), name.data(), static_cast<ssize_t>(name.size()),
                            value.data(), static_cast<ssize_t>(value.size()));
      }
      outstanding_.fetch_add(1, std::memory_order_relaxed);
      // Payload and key are read from `pending` until its delivery report: no copy. The array
      // form, since the RD_KAFKA_V_* macros use a GNU extension -Wpedantic refuses.
      std::array<rd_kafka_vu_t, 5> fields{};
      // The handle spares librdkafka a lookup of the name (under its handle's lock) per message.
      if (batch.handle) {
        fields[0].vtype = RD_KAFKA_VTYPE_RKT;
        fields[0].u.rkt = batch.handle.get();
      } else {
        fields[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        fields[0].u.cstr = batch.topic.c_str();
      }
      fields[1].vtype = RD_KAFKA_VTYPE_VALUE;
      fields[1].u.mem.ptr = const_cast<char*>(m.payload().data());
      fields[1].u.mem.size = m.payload().size();
      fields[2].vtype = RD_KAFKA_VTYPE_KEY;
      fields[2].u.mem.ptr = m.key().empty() ? nullptr : const_cast<char*>(m.key().data());
      fields[2].u.mem.size = m.key().size();
      fields[3].vtype = RD_KAFKA_VTYPE_OPAQUE;
      fields[3].u.ptr = &pending;
      std::size_t count = 4;
      if (headers) {
        fields[count].vtype = RD_KAFKA_VTYPE_HEADERS;
        fields[count++].u.headers = headers.get();
      }
      rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
      if (rd_kafka_error_t* e = rd_kafka_produceva(rk_.get(), fields.data(), count)) {
        err = rd_kafka_error_code(e);
        rd_kafka_error_destroy(e);
      }
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        (void)headers.release();  // librdkafka owns them now; the delivery report completes it
        return;
      }
      served();
      // A full local queue drains as the broker confirms: serve delivery reports here a
      // moment and try again, until the operation timeout.
      const auto now = std::chrono::steady_clock::now();
      if (!deadline) deadline = now + state_->settings.operation_timeout;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && now < *deadline && !closed_.load()) {
        rd_kafka_poll(rk_.get(), 10);
        continue;
      }
      fail(pending, kind_of(err),
           "kafka: producing to '" + batch.topic + "' failed: " + rd_kafka_err2str(err));
      return;
    }
  }

  // The handle of topic `name`, made on its first use here. A new handle's metadata is fetched
  // before anything is produced to it: producing at once leaves it to librdkafka to ask for
  // the topic's leader, and while the handle is still connecting that query can be lost; the
  // messages then wait for librdkafka's refresh of topics without metadata, a second later.
  // Null when librdkafka refuses the name: producing by name then reports why.
  SharedTopic topic_handle(const std::string& name) {
    {
      std::lock_guard lock(topics_mu_);
      if (auto it = topics_.find(name); it != topics_.end()) return it->second;
    }
    SharedTopic handle(rd_kafka_topic_new(rk_.get(), name.c_str(), nullptr),
                       [](rd_kafka_topic_t* t) { rd_kafka_topic_destroy(t); });
    if (!handle.get()) return nullptr;
    // At most the delay it avoids: an unreachable cluster holds the messages up either way.
    const auto wait = std::min<std::chrono::milliseconds>(state_->settings.operation_timeout,
                                                          std::chrono::seconds(1));
    const rd_kafka_metadata_t* raw = nullptr;
    if (rd_kafka_metadata(rk_.get(), 0, handle.get(), &raw, static_cast<int>(wait.count())) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      MetadataPtr release(raw);
    }
    std::lock_guard lock(topics_mu_);
    if (topics_.size() >= max_topic_handles) topics_.clear();
    return topics_.try_emplace(name, std::move(handle)).first->second;
  }

  // Called by rd_kafka_poll (this sender's poll thread, or a send() waiting on a full queue).
  static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* msg, void* opaque) noexcept {
    (void)rk;
    auto* self = static_cast<ProducerCore*>(static_cast<HandleState*>(opaque)->owner);
    auto* pending = static_cast<Pending*>(msg->_private);
    if (pending == nullptr) return;
    Batch* batch = pending->batch;
    try {
      driver::SendResult result;
      if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        result.receipt.partition = msg->partition;
        result.receipt.offset = msg->offset;
        result.receipt.message_id =
            std::to_string(msg->partition) + "@" + std::to_string(msg->offset);
      } else {
        std::string why = "kafka: delivery to '" + batch->topic +
                          "' failed: " + rd_kafka_err2name(msg->err) + " (" +
                          rd_kafka_err2str(msg->err) + ")";
        if (msg->err == RD_KAFKA_RESP_ERR__FATAL) why += ": " + self->handle_state_.fatal_text();
        result.error = driver::DriverError{kind_of(msg->err), std::move(why)};
        result.message = std::move(pending->message);
      }
      batch->done(pending->index, std::move(result));
    } catch (const std::exception& e) {
      detail::log_error(std::string("kafka producer: completing a delivery failed: ") + e.what());
    }
    Batch::finished(batch);
    self->served();
  }

  // One produced message is done with (its delivery report served, or producing failed).
  void served() {
    if (outstanding_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard lock(mu_);  // close() checks and waits under it: no lost wake-up
      cv_.notify_all();
    }
  }

  void poll_loop() {
    while (!stop_.load()) {
      // One poll serves every delivery report that is ready: they reach the producer together.
      driver::CompletionBatch completions;
      rd_kafka_poll(rk_.get(), 100);
    }
  }

  std::shared_ptr<ConnectionState> state_;
  HandleState handle_state_;
  HandlePtr rk_;
  std::thread poller_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> stop_{false};
  std::mutex close_mu_;  // serialises close()
  std::mutex topics_mu_;
  std::unordered_map<std::string, SharedTopic> topics_;  // by name, see topic_handle()
  std::mutex mu_;
  std::condition_variable cv_;
  // Produced, delivery report not yet served; close() waits on cv_ (under mu_) for zero.
  std::atomic<std::size_t> outstanding_{0};
};

class KafkaSender final : public driver::Sender {
 public:
  explicit KafkaSender(std::shared_ptr<ProducerCore> core) : core_(std::move(core)) {}
  ~KafkaSender() override { core_->close(); }
  KafkaSender(const KafkaSender&) = delete;
  KafkaSender& operator=(const KafkaSender&) = delete;

  void send(const std::string& topic, std::vector<Message> batch,
            driver::SendCompletion on_complete) override {
    core_->send(topic, std::move(batch), std::move(on_complete));
  }
  void close() override { core_->close(); }

 private:
  std::shared_ptr<ProducerCore> core_;
};

}  // namespace

std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state) {
  auto core = std::make_shared<ProducerCore>(state);
  {
    std::lock_guard lock(state->mu);
    std::erase_if(state->senders, [](const auto& w) { return w.expired(); });
    state->senders.push_back(core);
  }
  return std::make_unique<KafkaSender>(std::move(core));
}

}  // namespace unimq::kafka
