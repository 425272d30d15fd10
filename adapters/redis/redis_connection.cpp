// The Redis Connection: validates the URL, checks the server answers, and opens the mode's
// senders and receivers.
#include "redis_connection.hpp"

#include "internal/log.hpp"
#include "redis_link.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {
namespace {

// Redis refuses bulk strings above proto-max-bulk-len, 512 MiB by default.
constexpr std::size_t max_bulk = std::size_t{512} << 20;

Capabilities capabilities_for(Mode mode) {
  Capabilities c;
  c.system = "redis";
  c.ordering = OrderingScope::topic;
  c.max_payload = max_bulk;
  if (mode == Mode::streams) {
    c.guarantee = DeliveryGuarantee::at_least_once;
    c.durable = true;  // as durable as the server's persistence (AOF) makes it
    c.consumer_groups = true;
    c.nack = true;
    c.delayed_redelivery = true;
    c.delivery_count = true;
    c.replay = true;
    c.native_headers = true;
  }
  return c;
}

class RedisConnection final : public driver::Connection {
 public:
  explicit RedisConnection(std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)), caps_(capabilities_for(state_->settings.mode)) {}
  ~RedisConnection() override { close(); }

  const Capabilities& capabilities() const noexcept override { return caps_; }

  std::string hint(std::string_view capability) const override {
    if (state_->settings.mode == Mode::pubsub) {
      return "Redis pub/sub has only broadcast subscribers; add mode=streams to the URL for "
             "consumer groups, acknowledgements, redelivery and replay (capability '" +
             std::string(capability) + "')";
    }
    return {};
  }

  std::unique_ptr<driver::Sender> open_sender() override { return make_sender(state_); }

  void delete_topic(const std::string& name) noexcept override {
    // A pub/sub channel keeps nothing; a stream keeps its entries until deleted.
    if (state_->settings.mode != Mode::streams || state_->closed.load()) return;
    try {
      Link link(state_->settings, "delete");
      link.ensure_connected();
      Args del;
      del.add("DEL");
      del.add(name);
      link.command(del);
    } catch (const std::exception& e) {
      detail::log_warn("redis: could not delete stream '" + name + "': " + e.what());
    }
  }

  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec& spec) override {
    if (state_->closed.load()) throw ClosedError("redis connection is closed");
    if (spec.topic.empty()) throw ConfigError("redis receiver: topic name is empty");
    if (state_->settings.mode == Mode::streams) return make_streams_receiver(state_, spec);
    if (!spec.group.empty()) {
      throw UnsupportedError(
          "backend 'redis' lacks capability 'consumer_groups', needed for "
          "consumer group '" +
          spec.group + "': " + hint("consumer_groups"));
    }
    return make_pubsub_receiver(state_, spec);
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
    detail::log_debug("redis: closed connection to " + state_->settings.display);
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
    // Fail at connect when the server is unreachable or refuses the credentials, not later.
    Link probe(state->settings, "probe");
    probe.ensure_connected();
    Args ping;
    ping.add("PING");
    Reply r = probe.command(ping);
    if (is_error(*r)) {
      throw ConnectionError("redis at " + state->settings.display +
                            " refused PING: " + std::string(error_text(*r)));
    }
  }
  detail::log_info("redis: connected to " + state->settings.display);
  return std::make_unique<RedisConnection>(std::move(state));
}

}  // namespace unimq::redis
