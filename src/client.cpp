// Client and Topic: connecting by URL or config, and making producers and consumers.
#include "unimq/client.hpp"

#include "internal/client_core.hpp"
#include "internal/consumer_core.hpp"
#include "internal/log.hpp"
#include "internal/producer_core.hpp"
#include "internal/requester.hpp"
#include "internal/trace_propagation.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/error.hpp"

namespace unimq {

Client Client::connect(std::string_view url) {
  Config config;
  config.broker = std::string(url);
  return from_config(std::move(config));
}

Client Client::from_config(const std::filesystem::path& path) {
  return from_config(Config::load_file(path));
}

// Defined by the unimq::prometheus target when it is linked (see exporters/prometheus).
extern "C" void unimq_metrics_serve_prometheus(const char* listen) __attribute__((weak));

Client Client::from_config(Config config) {
  if (!config.metrics.prometheus_listen.empty()) {
    if (unimq_metrics_serve_prometheus == nullptr) {
      throw ConfigError(
          "metrics.prometheus.listen is set, but this program does not link "
          "unimq::prometheus (build with -DUNIMQ_WITH_PROMETHEUS=ON and link it)");
    }
    unimq_metrics_serve_prometheus(config.metrics.prometheus_listen.c_str());
  }
  auto parsed = driver::BrokerUrl::parse(config.broker);
  auto connection = driver::open_connection(parsed);
  std::string url = parsed.redacted();
  detail::log_info("connected to '" + url + "' (" + connection->capabilities().system + ")");
  return Client(std::make_shared<detail::ClientCore>(std::move(connection), std::move(config),
                                                     std::move(url)));
}

Topic Client::topic(std::string name) const {
  auto options = core_->topic_options(name);
  return Topic(core_, std::move(name), options);
}

Topic Client::topic(std::string name, TopicOptions options) const {
  return Topic(core_, std::move(name), options);
}

Consumer Client::consumer(std::string_view name) const {
  const auto& consumers = core_->config().consumers;
  auto it = consumers.find(std::string(name));
  if (it == consumers.end()) {
    throw ConfigError("no consumer named '" + std::string(name) + "' in the config");
  }
  return topic(it->second.topic).consumer(it->second.options);
}

Producer Client::producer(std::string_view name) const {
  const auto& producers = core_->config().producers;
  auto it = producers.find(std::string(name));
  if (it == producers.end()) {
    throw ConfigError("no producer named '" + std::string(name) + "' in the config");
  }
  return topic(it->second.topic).producer(it->second.options);
}

namespace {

// The topic a request goes to exists where the broker needs that (Kafka, JetStream streams).
void ensure_request_topic(detail::ClientCore& core, const std::string& topic) {
  if (topic.empty()) throw ConfigError("request topic name is empty");
  const auto options = core.topic_options(topic);
  core.ensure_topic(topic, options.partitions, options.replication);
}

}  // namespace

std::future<Message> Client::request(const std::string& topic, Message request,
                                     std::chrono::milliseconds timeout) const {
  ensure_request_topic(*core_, topic);
  return core_->requester()->request(topic, std::move(request), timeout);
}

std::future<std::vector<Message>> Client::scatter(const std::string& topic, Message request,
                                                  std::chrono::milliseconds timeout,
                                                  std::size_t max_replies) const {
  ensure_request_topic(*core_, topic);
  return core_->requester()->scatter(topic, std::move(request), timeout, max_replies);
}

Consumer Client::serve(std::string topic, std::string group, ReplyHandler handler,
                       ConsumerOptions options) const {
  if (!handler) throw ConfigError("serve('" + topic + "'): the reply handler is empty");
  options.group = std::move(group);
  // How long a reply may take to be confirmed before the request counts as failed (and is
  // retried by the consumer's policy).
  const auto confirm_timeout = std::chrono::seconds{10};
  auto consumer = this->topic(std::move(topic)).consumer(options);
  consumer.start([core = core_, handler = std::move(handler), confirm_timeout](const Delivery& d) {
    Message reply = handler(d);
    const std::string to = d.reply_to();
    if (to.empty()) {
      detail::log_debug("request " + d.id() + " on '" + d.topic() +
                        "' names no reply address; the reply is dropped");
      return;
    }
    if (auto id = d.message().headers().get(correlation_id_header)) {
      reply.headers().set(std::string(correlation_id_header), std::string(*id));
    }
    detail::inject_trace(reply.headers());  // the request's context, current in this handler
    core->send_reply(to, std::move(reply), confirm_timeout);
  });
  return consumer;
}

std::uint64_t Client::late_replies() const {
  return core_->late_replies();
}

const Capabilities& Client::capabilities() const noexcept {
  return core_->capabilities();
}
const std::string& Client::url() const noexcept {
  return core_->url();
}
const Config& Client::config() const noexcept {
  return core_->config();
}
void Client::close() {
  core_->close();
}

Topic::Topic(std::shared_ptr<detail::ClientCore> client, std::string name, TopicOptions options)
    : client_(std::move(client)), name_(std::move(name)), options_(options) {
  if (name_.empty()) throw ConfigError("topic name is empty");
}

Producer Topic::producer(const ProducerOptions& options) const {
  client_->check_open();
  client_->ensure_topic(name_, options_.partitions, options_.replication);
  auto core = detail::ProducerCore::create(client_, name_, options);
  client_->track(core);
  return Producer(std::move(core));
}

Consumer Topic::consumer(const ConsumerOptions& options) const {
  client_->check_open();
  // With this topic's settings: a consumer started before any producer creates the topic
  // (Kafka), and would otherwise create it with the defaults.
  client_->ensure_topic(name_, options_.partitions, options_.replication);
  auto core = detail::ConsumerCore::create(client_, name_, options);
  client_->track(core);
  return Consumer(std::move(core));
}

}  // namespace unimq
