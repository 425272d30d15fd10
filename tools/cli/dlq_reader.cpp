// Reading a dead-letter topic as a consumer group, holding messages until they are settled.
#include "unimq/dead_letter_policy.hpp"
#include "unimq/error.hpp"

#include "dlq.hpp"

namespace unimq::cli {
namespace {

// Dead letters can be read by another process only where the broker keeps them until a group
// takes them: an at-least-once, durable backend.
void require_durable(const Client& client, const std::string& dlq_topic) {
  const Capabilities& c = client.capabilities();
  if (c.durable && c.guarantee == DeliveryGuarantee::at_least_once) return;
  std::string why;
  if (c.system == "memory") {
    why =
        "memory:// keeps messages inside the process that published them, so the dead "
        "letters of an application are out of this command's reach; read '" +
        dlq_topic + "' with a consumer in that process";
  } else {
    why = c.system + " at '" + client.url() + "' does not keep messages for later (" +
          to_string(c.guarantee) + (c.durable ? "" : ", not durable") +
          "): a dead letter published while nobody was subscribed is gone";
    if (c.system == "redis") why += "; dead-letter to Redis Streams (mode=streams) instead";
    if (c.system == "nats") {
      why += c.guarantee == DeliveryGuarantee::at_least_once
                 ? "; use JetStream file storage (storage=file)"
                 : "; use JetStream (jetstream=true) instead";
    }
  }
  throw Failure(Exit::unsupported, "dlq: cannot read dead letters here: " + why);
}

}  // namespace

DlqReader::DlqReader(const Client& client, const DlqOptions& options)
    : idle_(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(options.idle_seconds))),
      last_arrival_(std::chrono::steady_clock::now()) {
  const std::string topic = options.dead_letter_topic();
  require_durable(client, topic);
  ConsumerOptions co;
  co.group = options.group;
  // From the oldest dead letter where a new group can start there; elsewhere (RabbitMQ) the
  // group's queue holds what was dead-lettered since it was first declared.
  co.start = client.capabilities().replay ? StartPosition::earliest : StartPosition::latest;
  co.ack = AckMode::manual;
  co.max_in_flight = window;
  co.dead_letter.enabled = false;  // the handler only queues; nothing fails
  consumer_.emplace(client.topic(topic).consumer(co));
  consumer_->start([this](const Delivery& d) {
    std::lock_guard lock(mutex_);
    // A broker may deliver a message again while this reader holds it (JetStream after
    // ack_wait): counted, shown and replayed once. The copy stays unsettled and goes back to
    // the broker at stop, when the first copy was already settled or is settled then.
    if (!d.id().empty() && !seen_.insert(d.id()).second) return;
    pending_.push_back(d);
    last_arrival_ = std::chrono::steady_clock::now();
    arrived_.notify_all();
  });
}

DlqReader::~DlqReader() {
  stop();
}

std::vector<Delivery> DlqReader::next_round(std::size_t limit) {
  if (limit == 0) limit = window;
  std::unique_lock lock(mutex_);
  // The round ends after `idle` without a new message, counted from its start at the earliest.
  last_arrival_ = std::max(last_arrival_, std::chrono::steady_clock::now());
  while (pending_.size() < limit) {
    const auto quiet_until = last_arrival_ + idle_;
    if (std::chrono::steady_clock::now() >= quiet_until) break;
    arrived_.wait_until(lock, quiet_until);
  }
  const std::size_t n = std::min(limit, pending_.size());
  std::vector<Delivery> out(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

void DlqReader::stop() {
  if (consumer_) consumer_->stop(std::chrono::seconds{10});
}

Message republished(const Message& dead_letter) {
  Message out(dead_letter.payload());
  out.key(dead_letter.key());
  for (const auto& [name, value] : dead_letter.headers()) {
    if (name.rfind("unimq-dlq-", 0) == 0 || name == attempt_header) continue;
    out.headers().set(name, value);
  }
  return out;
}

}  // namespace unimq::cli
