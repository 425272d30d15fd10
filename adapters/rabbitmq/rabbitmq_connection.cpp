// The RabbitMQ Connection: validates the URL, checks the broker accepts the login, and opens
// senders and receivers, each on an AMQP connection of its own.
#include "rabbitmq_connection.hpp"

#include "amqp_link.hpp"
#include "internal/log.hpp"
#include "unimq/error.hpp"

namespace unimq::rabbitmq {

Capabilities capabilities_for(const Settings& settings) {
  Capabilities c;
  c.system = "rabbitmq";
  c.guarantee = DeliveryGuarantee::at_least_once;  // durable queues, persistent messages, confirms
  c.durable = true;
  c.consumer_groups = true;
  c.nack = true;
  // A nack requeues at once; a delayed requeue would need a retry queue per group queue. The
  // consume pipeline retries with a delay in process instead.
  c.delayed_redelivery = false;
  // Quorum queues count deliveries (x-delivery-count); classic queues only flag a redelivery.
  c.delivery_count = settings.queue_type == QueueType::quorum;
  // A queue gets only what is published after it was bound: a new group cannot replay.
  c.replay = false;
  c.native_headers = true;
  c.ordering = OrderingScope::topic;
  // RabbitMQ's default max_message_size (128 MiB) since 3.8.
  c.max_payload = std::size_t{128} << 20;
  return c;
}

std::string group_queue(const std::string& topic, const std::string& group) {
  return topic + "." + group;
}

namespace {

class RabbitConnection final : public driver::Connection {
 public:
  explicit RabbitConnection(std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)), caps_(capabilities_for(state_->settings)) {}
  ~RabbitConnection() override { close(); }

  const Capabilities& capabilities() const noexcept override { return caps_; }

  std::string hint(std::string_view capability) const override {
    if (capability == "delivery_count" && state_->settings.queue_type == QueueType::classic) {
      return "classic queues keep no delivery count; add queue_type=quorum to the URL";
    }
    if (capability == "delayed_redelivery") {
      return "RabbitMQ requeues a nacked message at once; retry backoff waits in the process";
    }
    if (capability == "replay") {
      return "a RabbitMQ queue receives only messages published after it was bound";
    }
    return {};
  }

  void ensure_topic(const driver::TopicSpec& topic) override {
    if (state_->closed.load()) throw ClosedError("rabbitmq connection is closed");
    if (!state_->settings.declare) return;
    Link link(state_->settings, "topology");
    link.ensure_connected();
    link.declare_exchange(topic.name);
  }

  // A client's reply inbox is a durable exchange like every topic; its exclusive queue goes with
  // the consumer, the exchange only when deleted here.
  void delete_topic(const std::string& name) noexcept override {
    if (state_->closed.load()) return;
    try {
      Link link(state_->settings, "topology");
      link.ensure_connected();
      link.delete_exchange(name);
    } catch (const std::exception& e) {
      detail::log_warn("rabbitmq: could not delete exchange '" + name + "': " + e.what());
    }
  }

  std::unique_ptr<driver::Sender> open_sender() override {
    if (state_->closed.load()) throw ClosedError("rabbitmq connection is closed");
    return make_sender(state_);
  }

  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec& spec) override {
    if (state_->closed.load()) throw ClosedError("rabbitmq connection is closed");
    if (spec.topic.empty()) throw ConfigError("rabbitmq receiver: topic name is empty");
    return make_receiver(state_, spec);
  }

  void close() override {
    std::vector<std::weak_ptr<driver::SendQueue>> senders;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed.exchange(true)) return;
      senders.swap(state_->senders);
    }
    for (auto& w : senders) {
      if (auto s = w.lock()) s->close();
    }
    detail::log_debug("rabbitmq: closed connection to " + state_->settings.display);
  }

 private:
  std::shared_ptr<ConnectionState> state_;
  Capabilities caps_;
};

}  // namespace

std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url) {
  auto state = std::make_shared<ConnectionState>();
  state->settings = parse_settings(url);
  {
    // Fail at connect when no host of the URL answers or the login is refused, not later.
    Link probe(state->settings, "probe");
    probe.ensure_connected();
  }
  detail::log_info("rabbitmq: connected to " + state->settings.display);
  return std::make_unique<RabbitConnection>(std::move(state));
}

}  // namespace unimq::rabbitmq
