// rabbitmq-c as unimq's RabbitMQ adapter drives it. Publish: a durable topic exchange per topic,
// persistent mandatory basic.publish on a confirm-mode channel, confirms drained every 256
// publishes and awaited after each window of batch_size. Consume: a server-named exclusive queue
// bound with '#' (as the adapter's consumer without a group), basic.qos = max_in_flight, manual
// acks sent with `multiple` every 256 deliveries or when no frame is waiting.
#include <amqp.h>
#include <amqp_tcp_socket.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "raw/raw_clients.hpp"
#include "unimq/driver/broker_url.hpp"

namespace unimq::bench {
namespace {

constexpr amqp_channel_t channel = 1;
constexpr std::uint64_t every = 256;

amqp_bytes_t bytes(std::string_view s) {
  return {s.size(), const_cast<char*>(s.data())};
}

struct Target {
  std::string host;
  int port = 5672;
  std::string user = "guest", password = "guest", vhost = "/";
  bool quorum = false;
};

class AmqpConnection {
 public:
  explicit AmqpConnection(const Target& t) : conn_(amqp_new_connection()) {
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (socket == nullptr || amqp_socket_open(socket, t.host.c_str(), t.port) != AMQP_STATUS_OK) {
      amqp_destroy_connection(conn_);
      throw std::runtime_error("raw rabbitmq: cannot connect to " + t.host + ":" +
                               std::to_string(t.port));
    }
    // The adapter's defaults: frame_max 131072, heartbeat 30 s.
    rpc(amqp_login(conn_, t.vhost.c_str(), 0, 131072, 30, AMQP_SASL_METHOD_PLAIN, t.user.c_str(),
                   t.password.c_str()),
        "login");
    amqp_channel_open(conn_, channel);
    rpc(amqp_get_rpc_reply(conn_), "channel.open");
  }
  ~AmqpConnection() {
    amqp_channel_close(conn_, channel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
  }
  AmqpConnection(const AmqpConnection&) = delete;
  AmqpConnection& operator=(const AmqpConnection&) = delete;

  amqp_connection_state_t get() const { return conn_; }

  void rpc(const amqp_rpc_reply_t& r, const std::string& what) {
    if (r.reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error("raw rabbitmq: " + what);
  }
  void check_rpc(const std::string& what) { rpc(amqp_get_rpc_reply(conn_), what); }

  void declare_exchange(const std::string& name) {
    amqp_exchange_declare(conn_, channel, bytes(name), amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                          amqp_empty_table);
    check_rpc("exchange.declare " + name);
  }

  // Declares `name` (durable), or a server-named exclusive auto-delete queue when empty, bound
  // to `exchange` with '#'; returns its name.
  std::string declare_bound_queue(const std::string& name, const std::string& exchange,
                                  bool quorum) {
    amqp_table_entry_t type{};
    amqp_table_t args = amqp_empty_table;
    if (quorum && !name.empty()) {
      type.key = amqp_cstring_bytes("x-queue-type");
      type.value.kind = AMQP_FIELD_KIND_UTF8;
      type.value.value.bytes = amqp_cstring_bytes("quorum");
      args = amqp_table_t{1, &type};
    }
    const bool named = !name.empty();
    auto* ok = amqp_queue_declare(conn_, channel, bytes(name), 0, named ? 1 : 0, named ? 0 : 1,
                                  named ? 0 : 1, args);
    check_rpc("queue.declare " + name);
    std::string queue(static_cast<const char*>(ok->queue.bytes), ok->queue.len);
    amqp_queue_bind(conn_, channel, bytes(queue), bytes(exchange), amqp_cstring_bytes("#"),
                    amqp_empty_table);
    check_rpc("queue.bind " + queue);
    return queue;
  }

  // The next method frame within `timeout` (heartbeats skipped), or false.
  bool wait_frame(amqp_frame_t& frame, std::chrono::microseconds timeout) {
    for (;;) {
      timeval tv{static_cast<time_t>(timeout.count() / 1000000),
                 static_cast<suseconds_t>(timeout.count() % 1000000)};
      const int status = amqp_simple_wait_frame_noblock(conn_, &frame, &tv);
      if (status == AMQP_STATUS_TIMEOUT) return false;
      if (status != AMQP_STATUS_OK) {
        throw std::runtime_error(std::string("raw rabbitmq: reading: ") +
                                 amqp_error_string2(status));
      }
      if (frame.frame_type == AMQP_FRAME_METHOD) return true;
    }
  }

 private:
  amqp_connection_state_t conn_;
};

class AmqpPublisher final : public Publisher {
 public:
  AmqpPublisher(const Target& t, std::string exchange, std::size_t window)
      : connection_(t), exchange_(std::move(exchange)), window_(window) {
    amqp_confirm_select(connection_.get(), channel);
    connection_.check_rpc("confirm.select");
    connection_.declare_exchange(exchange_);
  }

  void send(std::string_view payload) override {
    amqp_basic_properties_t props{};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2;
    const int status = amqp_basic_publish(connection_.get(), channel, bytes(exchange_),
                                          amqp_empty_bytes, 1, 0, &props, bytes(payload));
    if (status != AMQP_STATUS_OK) {
      throw std::runtime_error(std::string("raw rabbitmq: publish: ") + amqp_error_string2(status));
    }
    ++published_;
    if (published_ % every == 0) drain(std::chrono::microseconds{0});
    if (published_ - confirmed_ >= window_) confirm_all(std::chrono::seconds{30});
  }

  void confirm_all(std::chrono::seconds stall) override {
    while (confirmed_ < published_) {
      if (!drain(stall)) throw std::runtime_error("raw rabbitmq: no confirm within the stall");
    }
  }

 private:
  // Reads confirms until none is waiting (after the first, which may take `timeout`); false when
  // none came.
  bool drain(std::chrono::microseconds timeout) {
    amqp_frame_t frame;
    bool any = false;
    while (connection_.wait_frame(frame, any ? std::chrono::microseconds{0} : timeout)) {
      any = true;
      switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
          const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
          // Confirms come in tag order on one channel.
          confirmed_ =
              ack->multiple != 0 ? std::max(confirmed_, ack->delivery_tag) : confirmed_ + 1;
          break;
        }
        case AMQP_BASIC_NACK_METHOD:
          throw std::runtime_error("raw rabbitmq: the broker refused a message (basic.nack)");
        case AMQP_BASIC_RETURN_METHOD:
          throw std::runtime_error("raw rabbitmq: a message was routed to no queue");
        default:
          break;
      }
      if (confirmed_ >= published_) break;
    }
    return any;
  }

  AmqpConnection connection_;
  const std::string exchange_;
  const std::size_t window_;
  std::uint64_t published_ = 0;
  std::uint64_t confirmed_ = 0;
};

class AmqpSubscription final : public Subscription {
 public:
  AmqpSubscription(const Target& t, const std::string& exchange, std::uint32_t max_in_flight,
                   OnMessage fn)
      : connection_(t), fn_(std::move(fn)) {
    connection_.declare_exchange(exchange);
    const std::string queue = connection_.declare_bound_queue("", exchange, false);
    amqp_basic_qos(connection_.get(), channel, 0,
                   static_cast<std::uint16_t>(std::clamp<std::uint32_t>(max_in_flight, 1, 65535)),
                   0);
    connection_.check_rpc("basic.qos");
    amqp_basic_consume(connection_.get(), channel, bytes(queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    connection_.check_rpc("basic.consume");
    thread_ = std::thread([this] { consume(); });
  }
  ~AmqpSubscription() override {
    stop_ = true;
    thread_.join();
  }

 private:
  void consume() {
    std::uint64_t last = 0, acked = 0;
    auto ack = [&] {
      if (last == acked) return;
      amqp_basic_ack(connection_.get(), channel, last, 1);
      acked = last;
    };
    amqp_frame_t frame;
    while (!stop_) {
      if (!connection_.wait_frame(frame, std::chrono::microseconds{0})) {
        ack();  // idle: settle what was handled
        if (!connection_.wait_frame(frame, std::chrono::milliseconds{100})) continue;
      }
      if (frame.payload.method.id != AMQP_BASIC_DELIVER_METHOD) continue;
      last = static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded)->delivery_tag;
      amqp_message_t message{};
      const auto r = amqp_read_message(connection_.get(), channel, &message, 0);
      if (r.reply_type != AMQP_RESPONSE_NORMAL) return;
      fn_(std::string_view(static_cast<const char*>(message.body.bytes), message.body.len));
      amqp_destroy_message(&message);
      if (last - acked >= every) ack();
      amqp_maybe_release_buffers(connection_.get());
    }
    ack();
  }

  AmqpConnection connection_;
  OnMessage fn_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class RawRabbitmq final : public Impl {
 public:
  RawRabbitmq(Target t, const Options& o)
      : target_(std::move(t)), window_(o.batch_size), max_in_flight_(o.max_in_flight) {}
  std::string name() const override { return "raw"; }
  void keep(const std::string& topic) override {
    AmqpConnection c(target_);
    c.declare_exchange(topic);
    c.declare_bound_queue(topic + ".bench-keep", topic, target_.quorum);
  }
  std::unique_ptr<Publisher> publisher(const std::string& topic) override {
    return std::make_unique<AmqpPublisher>(target_, topic, window_);
  }
  std::unique_ptr<Subscription> subscribe(const std::string& topic, OnMessage fn) override {
    return std::make_unique<AmqpSubscription>(target_, topic, max_in_flight_, std::move(fn));
  }

 private:
  const Target target_;
  const std::size_t window_;
  const std::uint32_t max_in_flight_;
};

}  // namespace

std::unique_ptr<Impl> make_raw_rabbitmq(const Options& o) {
  const auto url = driver::BrokerUrl::parse(o.url);
  if (url.scheme != "amqp") throw std::invalid_argument("raw rabbitmq: only amqp:// (no TLS)");
  Target t;
  t.host = url.hosts.at(0).host;
  if (url.hosts[0].port != 0) t.port = url.hosts[0].port;
  if (!url.username.empty()) t.user = url.username;
  if (!url.password.empty()) t.password = url.password;
  if (!url.path.empty()) t.vhost = url.path;
  t.quorum = url.option_string("queue_type", "classic") == "quorum";
  return std::make_unique<RawRabbitmq>(std::move(t), o);
}

}  // namespace unimq::bench
