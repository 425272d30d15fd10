// A consumer on its own AMQP connection: a group consumes the durable queue `<topic>.<group>`
// (competing consumers share it; every group has its own), a groupless consumer a server-named
// exclusive queue that lives as long as its connection (broadcast). Manual acks, prefetch =
// max_in_flight, acks batched with `multiple` where the acked tags are the oldest unsettled
// ones. When the connection breaks, receive() reconnects with backoff, declares and consumes
// again; deliveries of the old connection are forgotten (the broker requeued them), so their
// late acks are ignored.
#include <amqp.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <set>
#include <thread>
#include <unordered_map>

#include "amqp_link.hpp"
#include "amqp_table.hpp"
#include "internal/log.hpp"
#include "rabbitmq_connection.hpp"
#include "unimq/dead_letter_policy.hpp"

namespace unimq::rabbitmq {
namespace {

constexpr std::string_view delivery_count_header = "x-delivery-count";

// The unimq-attempt header's value, or 1 when it is missing or no positive number.
std::uint32_t attempt_from_header(const Headers& headers) {
  const auto text = headers.get(attempt_header);
  std::uint32_t value = 0;
  if (!text) return 1;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  return ec == std::errc{} && end == text->data() + text->size() && value > 0 ? value : 1;
}

class RabbitReceiver final : public driver::Receiver {
 public:
  RabbitReceiver(std::shared_ptr<ConnectionState> state, const driver::ReceiverSpec& spec)
      : state_(std::move(state)),
        settings_(state_->settings),
        topic_(spec.topic),
        queue_(spec.group.empty() ? std::string() : group_queue(spec.topic, spec.group)),
        prefetch_(
            static_cast<std::uint16_t>(std::clamp<std::uint32_t>(spec.max_in_flight, 1, 65535))),
        link_(settings_, "consumer") {
    link_.ensure_connected();
    subscribe();
  }

  ~RabbitReceiver() override { close(); }

  std::vector<driver::Inbound> receive(std::size_t max, Clock::time_point deadline) override {
    if (closed_ || state_->closed.load()) throw ClosedError("rabbitmq consumer is closed");
    if (!link_.connected() && !reconnect(deadline)) return {};
    try {
      // With max = 0 this only answers heartbeats and buffers what arrived.
      auto wait_until = max == 0 || !ready_.empty() ? Clock::now() : deadline;
      while (max == 0 || ready_.size() < max) {
        auto frame = link_.wait_frame(wait_until);
        if (!frame) break;
        handle(*frame);
        if (!link_.connected()) break;  // the broker cancelled the consumer
        wait_until = Clock::now();      // take what is already there, wait no longer
      }
      if (link_.connected()) amqp_maybe_release_buffers(link_.raw());
    } catch (const AmqpError&) {
      // Logged by the link; the next receive reconnects.
    }
    if (!link_.connected()) forget_connection();
    std::vector<driver::Inbound> out;
    while (!ready_.empty() && out.size() < max) {
      out.push_back(std::move(ready_.front()));
      ready_.pop_front();
    }
    return out;
  }

  void ack(std::span<const driver::AckToken> tokens) override {
    settle(tokens, [&](std::uint64_t tag, bool multiple) {
      return amqp_basic_ack(link_.raw(), channel, tag, multiple ? 1 : 0);
    });
  }

  void nack(std::span<const driver::AckToken> tokens, std::chrono::milliseconds delay) override {
    (void)delay;  // delayed_redelivery is not declared: the common layer only passes 0
    settle(tokens, [&](std::uint64_t tag, bool multiple) {
      return amqp_basic_nack(link_.raw(), channel, tag, multiple ? 1 : 0, 1);
    });
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    // Closing the connection hands every unacknowledged message back to the queue (and deletes
    // a broadcast consumer's exclusive queue).
    link_.close();
  }

 private:
  void subscribe() {
    // A new connection: tags of the old one (dropped in receive() or by a failed ack) mean
    // nothing on it, and acking one would make the broker close the channel.
    forget_connection();
    amqp_table_t args = amqp_empty_table;
    amqp_table_entry_t type{};
    if (!queue_.empty() && settings_.queue_type == QueueType::quorum) {
      type.key = amqp_cstring_bytes("x-queue-type");
      type.value.kind = AMQP_FIELD_KIND_UTF8;
      type.value.value.bytes = amqp_cstring_bytes("quorum");
      args = amqp_table_t{1, &type};
    }
    std::string queue = queue_;
    // declare=none leaves exchanges and group queues to the operator; a broadcast consumer's
    // queue is its own and exists only while it runs, so it is always declared and bound.
    if (settings_.declare || queue_.empty()) {
      if (settings_.declare) link_.declare_exchange(topic_);
      queue = link_.declare_queue(queue_, args);
      link_.bind(queue, topic_, "#");
    }
    amqp_basic_qos(link_.raw(), channel, 0, prefetch_, 0);
    link_.check_rpc("basic.qos");
    amqp_basic_consume(link_.raw(), channel, bytes_of(queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    link_.check_rpc(("basic.consume '" + queue + "'").c_str());
  }

  // Reconnects once the backoff allows it, waiting for that until `deadline` at most.
  bool reconnect(Clock::time_point deadline) {
    const auto at = link_.next_attempt();
    if (Clock::now() < at) {
      std::this_thread::sleep_until(std::min(at, deadline));
      if (Clock::now() < at) return false;
    }
    try {
      link_.ensure_connected();
      subscribe();
      detail::log_info("rabbitmq: consumer of '" + topic_ + "' resumed" +
                       (queue_.empty() ? std::string() : " on queue '" + queue_ + "'"));
      return true;
    } catch (const AmqpError& e) {
      detail::log_debug(std::string("rabbitmq: reconnecting a consumer failed: ") + e.what());
      link_.drop(e.what());
      return false;
    }
  }

  // The broker requeued every delivery of the lost connection; none may be settled any more.
  void forget_connection() {
    ready_.clear();
    unsettled_.clear();
    in_flight_.clear();
  }

  void handle(const amqp_frame_t& frame) {
    if (frame.frame_type != AMQP_FRAME_METHOD) return;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_DELIVER_METHOD:
        read_delivery(*static_cast<const amqp_basic_deliver_t*>(frame.payload.method.decoded));
        break;
      case AMQP_BASIC_CANCEL_METHOD:
        // The queue was deleted under us: consume again (re-declaring it) after a reconnect.
        link_.drop("the broker cancelled the consumer (queue deleted?)");
        break;
      case AMQP_CHANNEL_CLOSE_METHOD:
        link_.drop("channel closed by the broker: " + close_text(frame));
        break;
      default:
        break;
    }
  }

  void read_delivery(const amqp_basic_deliver_t& deliver) {
    // The method's fields live in the connection's frame pool; copy them before reading on.
    const std::uint64_t tag = deliver.delivery_tag;
    const bool redelivered = deliver.redelivered != 0;
    std::string key(view_of(deliver.routing_key));
    amqp_message_t message{};
    // On failure rabbitmq-c has freed what it read (the body's bytes are gone, its length is
    // not): nothing of `message` may be used.
    link_.check_reply(amqp_read_message(link_.raw(), channel, &message, 0), "reading a delivery");
    driver::Inbound in;
    in.message = Message(std::string(view_of(message.body)));
    in.message.key(std::move(key));
    const auto& props = message.properties;
    std::optional<std::int64_t> count;
    if ((props._flags & AMQP_BASIC_HEADERS_FLAG) != 0) {
      in.message.headers() = headers_from_table(props.headers);
      count = table_integer(props.headers, delivery_count_header);
      in.message.headers().erase(delivery_count_header);
    }
    if ((props._flags & AMQP_BASIC_MESSAGE_ID_FLAG) != 0) {
      in.id = std::string(view_of(props.message_id));
    }
    amqp_destroy_message(&message);
    // Everything of this delivery is copied out: the channel's decoding pool can be reused for
    // the next one. Left until the whole receive, the pool grew by every body read and freed
    // the pages at the end, and each receive faulted them in afresh (3 000 bodies of 64 KiB:
    // 71-76 k page faults in all before, 48-57 k after).
    amqp_maybe_release_buffers_on_channel(link_.raw(), channel);
    if (settings_.queue_type == QueueType::quorum && !queue_.empty()) {
      // x-delivery-count counts earlier deliveries; it is absent on the first.
      in.delivery_count =
          static_cast<std::uint32_t>(std::max<std::int64_t>(count.value_or(0), 0) + 1);
    } else if (redelivered) {
      // Classic queues keep no count, only a flag: the attempt is one more than the
      // unimq-attempt header says (1 without it), exact for a first redelivery and a lower
      // bound after several, which is why classic queues do not declare delivery_count.
      in.delivery_count = attempt_from_header(in.message.headers()) + 1;
    }
    // Otherwise 0: the consume pipeline takes the unimq-attempt header, or 1.
    in.token = ++next_token_;
    in_flight_.emplace(in.token, tag);
    unsettled_.insert(tag);
    ready_.push_back(std::move(in));
  }

  // Sends acks (or nacks) for `tokens`: the tags that are the oldest unsettled ones go as one
  // `multiple` call, the others one by one.
  template <typename Send>
  void settle(std::span<const driver::AckToken> tokens, Send send) {
    std::vector<std::uint64_t> tags;
    tags.reserve(tokens.size());
    for (auto t : tokens) {
      auto it = in_flight_.find(t);
      if (it == in_flight_.end()) continue;  // unknown, repeated or of a lost connection
      tags.push_back(it->second);
      in_flight_.erase(it);
    }
    if (tags.empty() || !link_.connected()) return;
    std::sort(tags.begin(), tags.end());
    std::size_t i = 0;
    while (i < tags.size()) {
      if (!unsettled_.empty() && *unsettled_.begin() == tags[i]) {
        std::uint64_t last = tags[i];
        unsettled_.erase(unsettled_.begin());
        bool multiple = false;
        for (++i; i < tags.size() && !unsettled_.empty() && *unsettled_.begin() == tags[i]; ++i) {
          last = tags[i];
          unsettled_.erase(unsettled_.begin());
          multiple = true;
        }
        link_.check_status(send(last, multiple), "settling deliveries");
      } else {
        unsettled_.erase(tags[i]);
        link_.check_status(send(tags[i], false), "settling a delivery");
        ++i;
      }
    }
  }

  std::shared_ptr<ConnectionState> state_;
  const Settings& settings_;
  std::string topic_;
  std::string queue_;  // empty: a server-named broadcast queue
  std::uint16_t prefetch_;
  Link link_;
  bool closed_ = false;
  driver::AckToken next_token_ = 0;
  std::deque<driver::Inbound> ready_;                              // received, not yet handed out
  std::unordered_map<driver::AckToken, std::uint64_t> in_flight_;  // token -> delivery tag
  std::set<std::uint64_t> unsettled_;                              // tags the broker waits on
};

}  // namespace

std::unique_ptr<driver::Receiver> make_receiver(std::shared_ptr<ConnectionState> state,
                                                const driver::ReceiverSpec& spec) {
  return std::make_unique<RabbitReceiver>(std::move(state), spec);
}

}  // namespace unimq::rabbitmq
