// The Kafka Connection: validates the URL, starts the mock cluster for kafka+mock://, checks a
// broker answers, creates topics through the Admin API and opens senders and receivers, each on
// a librdkafka handle of its own.
#include "kafka_connection.hpp"

#include <array>
#include <thread>

#include "internal/log.hpp"
#include "unimq/error.hpp"

namespace unimq::kafka {

ConnectionState::~ConnectionState() {
  admin.reset();
  if (mock != nullptr) rd_kafka_mock_cluster_destroy(mock);
  mock_host.reset();
}

Capabilities capabilities_for(const Settings& settings) {
  Capabilities c;
  c.system = "kafka";
  // Idempotent producer with acks=all; offsets committed only up to the contiguous acked prefix.
  c.guarantee = DeliveryGuarantee::at_least_once;
  c.durable = !settings.mock;  // the mock cluster lives in this process
  c.consumer_groups = true;
  // A partition is a log read in order: one message cannot be handed back while later ones
  // are committed. The consume pipeline retries in process instead.
  c.nack = false;
  c.delayed_redelivery = false;
  c.delivery_count = false;
  c.replay = true;  // a new group can start at the oldest retained offset
  c.native_headers = true;
  c.ordering = OrderingScope::partition;
  // librdkafka's default message.max.bytes is 1 000 000 bytes for a whole record batch, and
  // brokers default to about 1 MiB per batch; key, headers and batch framing take the rest.
  std::size_t batch_limit = 1000000;
  for (const auto& [name, value] : settings.native) {
    if (name == "message.max.bytes") batch_limit = std::stoul(value);
  }
  c.max_payload = batch_limit > 4096 ? batch_limit - 4096 : batch_limit / 2;
  return c;
}

namespace {

// Waits until the metadata of `topic` lists every partition with a leader: a topic just created
// is known to the controller before every broker serves it.
void await_topic(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  TopicPtr rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (std::chrono::milliseconds backoff{10};;
       backoff = std::min(backoff * 2, std::chrono::milliseconds{200})) {
    const rd_kafka_metadata_t* raw = nullptr;
    last = rd_kafka_metadata(rk, 0, rkt.get(), &raw, static_cast<int>(timeout.count()));
    MetadataPtr md(raw);
    if (last == RD_KAFKA_RESP_ERR_NO_ERROR) {
      last = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      bool ready = last == RD_KAFKA_RESP_ERR_NO_ERROR && md->topics[0].partition_cnt > 0;
      for (int i = 0; ready && i < md->topics[0].partition_cnt; ++i) {
        ready = md->topics[0].partitions[i].leader >= 0 && md->topics[0].partitions[i].err == 0;
      }
      if (ready) return;
    }
    if (std::chrono::steady_clock::now() + backoff > deadline) break;
    // Nothing to wait on: metadata propagation has no event a client can subscribe to.
    std::this_thread::sleep_for(backoff);
  }
  throw_error(last == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__TIMED_OUT : last,
              "kafka: topic '" + topic + "' has no leader for every partition yet");
}

void create_topic(ConnectionState& state, const driver::TopicSpec& topic) {
  const auto timeout = state.settings.operation_timeout;
  std::array<char, 512> err{};
  rd_kafka_NewTopic_t* raw =
      rd_kafka_NewTopic_new(topic.name.c_str(), static_cast<int>(topic.partitions),
                            static_cast<int>(topic.replication), err.data(), err.size());
  if (raw == nullptr) {
    throw ConfigError("kafka: topic '" + topic.name + "': " + err.data());
  }
  std::unique_ptr<rd_kafka_NewTopic_t, decltype(&rd_kafka_NewTopic_destroy)> new_topic(
      raw, &rd_kafka_NewTopic_destroy);
  std::unique_ptr<rd_kafka_AdminOptions_t, decltype(&rd_kafka_AdminOptions_destroy)> options(
      rd_kafka_AdminOptions_new(state.admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS),
      &rd_kafka_AdminOptions_destroy);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), static_cast<int>(timeout.count()),
                                              err.data(), err.size());
  rd_kafka_AdminOptions_set_request_timeout(options.get(), static_cast<int>(timeout.count()),
                                            err.data(), err.size());
  QueuePtr queue(rd_kafka_queue_new(state.admin.get()));
  rd_kafka_NewTopic_t* topics[] = {new_topic.get()};
  rd_kafka_CreateTopics(state.admin.get(), topics, 1, options.get(), queue.get());
  EventPtr ev(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000));
  if (!ev) {
    throw TimeoutError("kafka: creating topic '" + topic.name + "' got no answer within " +
                       std::to_string(timeout.count()) + " ms");
  }
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw_error(rd_kafka_event_error(ev.get()), "kafka: creating topic '" + topic.name + "'");
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(ev.get());
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (std::size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
      detail::log_debug("kafka: created topic '" + topic.name + "' (" +
                        std::to_string(topic.partitions) + " partitions, replication " +
                        std::to_string(topic.replication) + ")");
    } else if (e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      throw_error(e, "kafka: creating topic '" + topic.name + "' failed" +
                         (msg != nullptr ? std::string(" (") + msg + ")" : std::string()));
    }
  }
  await_topic(state.admin.get(), topic.name, timeout);
}

// Deletes a topic through the Admin API (a client's own reply inbox); waits for the answer.
void delete_topic_now(ConnectionState& state, const std::string& name) {
  const auto timeout = state.settings.operation_timeout;
  std::unique_ptr<rd_kafka_DeleteTopic_t, decltype(&rd_kafka_DeleteTopic_destroy)> del(
      rd_kafka_DeleteTopic_new(name.c_str()), &rd_kafka_DeleteTopic_destroy);
  QueuePtr queue(rd_kafka_queue_new(state.admin.get()));
  rd_kafka_DeleteTopic_t* topics[] = {del.get()};
  rd_kafka_DeleteTopics(state.admin.get(), topics, 1, nullptr, queue.get());
  EventPtr ev(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count()) + 1000));
  if (!ev) throw TimeoutError("no answer within " + std::to_string(timeout.count()) + " ms");
  if (rd_kafka_event_error(ev.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw_error(rd_kafka_event_error(ev.get()), "deleting");
  }
  std::size_t count = 0;
  const rd_kafka_topic_result_t** results =
      rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev.get()), &count);
  for (std::size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
      throw_error(e, "deleting");
    }
  }
}

class KafkaConnection final : public driver::Connection {
 public:
  explicit KafkaConnection(std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)), caps_(capabilities_for(state_->settings)) {}
  ~KafkaConnection() override { close(); }

  const Capabilities& capabilities() const noexcept override { return caps_; }

  std::string hint(std::string_view capability) const override {
    if (capability == "nack" || capability == "delayed_redelivery") {
      return "a Kafka partition is read in order and cannot hand back one message; retries "
             "wait in the process";
    }
    if (capability == "delivery_count") return "Kafka keeps no delivery count per message";
    return {};
  }

  void ensure_topic(const driver::TopicSpec& topic) override {
    if (state_->closed.load()) throw ClosedError("kafka connection is closed");
    if (!state_->settings.declare) return;
    std::lock_guard lock(state_->mu);
    if (state_->mock != nullptr) {
      // The mock cluster has no CreateTopics handler; it is told directly.
      const int replication =
          std::min(static_cast<int>(topic.replication), state_->settings.mock_brokers);
      const rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(
          state_->mock, topic.name.c_str(), static_cast<int>(topic.partitions), replication);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        throw_error(e, "kafka mock: creating topic '" + topic.name + "'");
      }
      return;
    }
    create_topic(*state_, topic);
  }

  // A client's reply inbox is a topic like any other; it goes when the client closes.
  void delete_topic(const std::string& name) noexcept override {
    if (state_->closed.load() || !state_->settings.declare) return;
    try {
      std::lock_guard lock(state_->mu);
      if (state_->mock != nullptr) return;  // the mock cluster keeps it until it is destroyed
      delete_topic_now(*state_, name);
    } catch (const std::exception& e) {
      detail::log_warn("kafka: could not delete topic '" + name + "': " + e.what());
    }
  }

  std::unique_ptr<driver::Sender> open_sender() override {
    if (state_->closed.load()) throw ClosedError("kafka connection is closed");
    return make_sender(state_);
  }

  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec& spec) override {
    if (state_->closed.load()) throw ClosedError("kafka connection is closed");
    if (spec.topic.empty()) throw ConfigError("kafka receiver: topic name is empty");
    return make_receiver(state_, spec);
  }

  void close() override {
    std::vector<std::weak_ptr<Closable>> senders;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed.exchange(true)) return;
      senders.swap(state_->senders);
    }
    for (auto& w : senders) {
      if (auto s = w.lock()) s->close();
    }
    detail::log_debug("kafka: closed connection to " + state_->settings.display);
  }

 private:
  std::shared_ptr<ConnectionState> state_;
  Capabilities caps_;
};

}  // namespace

std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url) {
  auto state = std::make_shared<ConnectionState>();
  state->settings = parse_settings(url);
  Settings& s = state->settings;
  if (s.mock) {
    // The cluster needs a handle to run on; it serves every client of this connection.
    s.display = "kafka+mock://?brokers=" + std::to_string(s.mock_brokers);
    Settings host_settings;
    host_settings.display = s.display;
    state->mock_host =
        make_handle(make_conf(host_settings, Role::admin, nullptr), RD_KAFKA_PRODUCER);
    state->mock = rd_kafka_mock_cluster_new(state->mock_host.get(), s.mock_brokers);
    if (state->mock == nullptr) throw ConnectionError("kafka+mock: the mock cluster did not start");
    s.bootstrap = rd_kafka_mock_cluster_bootstraps(state->mock);
    detail::log_info("kafka+mock: in-process mock cluster of " + std::to_string(s.mock_brokers) +
                     " broker(s) at " + s.bootstrap + " (for tests: nothing is stored on disk)");
  }
  state->admin_state.name = "admin";
  state->admin = make_handle(make_conf(s, Role::admin, &state->admin_state), RD_KAFKA_PRODUCER);
  // Fail at connect when no broker of the URL answers, not at the first publish.
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t e = rd_kafka_metadata(state->admin.get(), 0, nullptr, &raw,
                                                  static_cast<int>(s.operation_timeout.count()));
  MetadataPtr md(raw);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw ConnectionError("kafka: no broker of " + s.display + " answered within " +
                          std::to_string(s.operation_timeout.count()) +
                          " ms: " + rd_kafka_err2str(e));
  }
  detail::log_info("kafka: connected to " + s.display + " (" + std::to_string(md->broker_cnt) +
                   " broker(s))");
  return std::make_unique<KafkaConnection>(std::move(state));
}

}  // namespace unimq::kafka
