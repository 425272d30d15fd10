// The memory Connection: picks the named broker from the URL and opens senders and receivers.
#include "memory_connection.hpp"

#include <limits>
#include <optional>

#include "internal/log.hpp"
#include "unimq/error.hpp"

namespace unimq::memory {
namespace {

const Capabilities& memory_capabilities() {
  static const Capabilities caps = [] {
    Capabilities c;
    c.system = "memory";
    c.guarantee = DeliveryGuarantee::at_least_once;
    c.durable = false;
    c.consumer_groups = true;
    c.nack = true;
    c.delayed_redelivery = true;
    c.delivery_count = true;
    c.replay = true;
    c.native_headers = true;
    c.request_reply = false;
    c.ordering = OrderingScope::topic;
    c.max_payload = 0;
    return c;
  }();
  return caps;
}

class MemoryConnection final : public driver::Connection {
 public:
  explicit MemoryConnection(std::shared_ptr<Broker> broker)
      : state_(std::make_shared<ConnectionState>()) {
    state_->broker = std::move(broker);
  }
  ~MemoryConnection() override { close(); }

  const Capabilities& capabilities() const noexcept override { return memory_capabilities(); }

  std::unique_ptr<driver::Sender> open_sender() override {
    if (state_->closed.load()) throw ClosedError("memory connection is closed");
    return make_sender(state_);
  }

  void delete_topic(const std::string& name) noexcept override { state_->broker->drop(name); }

  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec& spec) override {
    if (spec.topic.empty()) throw ConfigError("memory receiver: topic name is empty");
    std::lock_guard lock(state_->mu);
    if (state_->closed.load()) throw ClosedError("memory connection is closed");
    return make_receiver(state_, spec);
  }

  void close() override {
    std::vector<ConnectionState::Registered> receivers;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed.exchange(true)) return;
      receivers.swap(state_->receivers);
    }
    // Hands every unsettled message back to its group and wakes blocked receive() calls.
    for (auto& r : receivers) {
      if (auto sub = r.sub.lock()) r.topic->unsubscribe(*sub);
    }
    detail::log_debug("memory: closed connection to broker '" + state_->broker->name() + "'");
  }

 private:
  std::shared_ptr<ConnectionState> state_;
};

std::string broker_name(const driver::BrokerUrl& url) {
  if (url.hosts.size() > 1) {
    throw ConfigError("broker URL '" + url.redacted() +
                      "': memory takes one broker name, not a host list");
  }
  if (!url.hosts.empty() && url.hosts.front().port != 0) {
    throw ConfigError("broker URL '" + url.redacted() +
                      "': memory broker names have no port (expected memory://NAME)");
  }
  if (!url.path.empty()) {
    throw ConfigError("broker URL '" + url.redacted() + "': memory takes no path '" + url.path +
                      "' (expected memory://NAME)");
  }
  return url.hosts.empty() ? std::string() : url.hosts.front().host;
}

}  // namespace

std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url) {
  const std::string name = broker_name(url);
  auto limit = [&](const char* option) -> std::optional<std::uint64_t> {
    if (!url.option(option)) return std::nullopt;
    return static_cast<std::uint64_t>(
        url.option_int(option, 0, 0, std::numeric_limits<std::int64_t>::max()));
  };
  const auto max_messages = limit("max_messages");
  const auto max_bytes = limit("max_bytes");
  auto broker = Broker::named(name);
  // An explicit value applies to the whole named broker; without one the broker keeps its own.
  if (max_messages) broker->set_max_messages(*max_messages);
  if (max_bytes) broker->set_max_bytes(*max_bytes);
  detail::log_debug("memory: connected to broker '" + name + "'");
  return std::make_unique<MemoryConnection>(std::move(broker));
}

}  // namespace unimq::memory
