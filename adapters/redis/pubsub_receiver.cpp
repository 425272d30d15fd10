// A pub/sub subscriber: its own connection in subscribed mode, read by the consumer's thread.
// Redis keeps nothing for a subscriber that is away, so acks are no-ops and a lost connection
// only needs re-subscribing; messages published in the gap are gone (at-most-once, declared).
#include <hiredis/hiredis.h>

#include "internal/log.hpp"
#include "redis_connection.hpp"
#include "redis_link.hpp"
#include "unimq/driver/envelope.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {
namespace {

class PubSubReceiver final : public driver::Receiver {
 public:
  PubSubReceiver(std::shared_ptr<ConnectionState> state, const driver::ReceiverSpec& spec)
      : state_(std::move(state)), channel_(spec.topic), link_(state_->settings, "subscriber") {
    link_.ensure_connected();
    subscribe();
  }

  std::vector<driver::Inbound> receive(std::size_t max, Clock::time_point deadline) override {
    if (closed_ || state_->closed.load()) throw ClosedError("redis subscriber is closed");
    if (!link_.connected()) {
      link_.ensure_connected();  // throws while the server is away; the consumer backs off
      subscribe();
      detail::log_info("redis: re-subscribed to channel '" + channel_ + "'");
    }
    std::vector<driver::Inbound> out;
    // Every slot busy: nothing to keep alive (a PING now would go unread until slots free up).
    if (max == 0) return out;
    for (;;) {
      const bool waiting = out.empty();
      if (waiting) keep_alive(Clock::now());
      // Once something arrived, take only what is already buffered (a deadline passed already):
      // the clock is read once per wait, not once per message.
      Reply reply = link_.read(waiting ? std::min(deadline, ping_due()) : Clock::time_point{});
      if (!reply) {
        if (!out.empty() || Clock::now() >= deadline) return out;
        continue;
      }
      if (waiting) {
        last_traffic_ = Clock::now();
        ping_sent_ = false;
      }
      if (auto in = to_inbound(*reply)) {
        out.push_back(std::move(*in));
        if (out.size() >= max) return out;
      }
    }
  }

  void ack(std::span<const driver::AckToken>) override {}  // nothing to acknowledge

  void nack(std::span<const driver::AckToken>, std::chrono::milliseconds) override {
    // Not declared (capabilities.nack is false), so the common layer never calls this.
  }

  void close() override {
    closed_ = true;
    link_.close();  // the server drops the subscription with the connection
  }

 private:
  void subscribe() {
    Args args;
    args.add("SUBSCRIBE").add(channel_);
    link_.append(args);
    link_.flush();
    // The confirmation proves the subscription exists, so later publishes reach it.
    Reply r = link_.read_or_drop(Clock::now() + state_->settings.command_timeout);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 || text(*r->element[0]) != "subscribe") {
      link_.drop("unexpected reply to SUBSCRIBE");
      throw ConnectionError("redis: SUBSCRIBE to '" + channel_ + "' was not confirmed");
    }
    last_traffic_ = Clock::now();
    ping_sent_ = false;
  }

  Clock::time_point ping_due() const {
    return ping_sent_ ? ping_sent_at_ + state_->settings.command_timeout
                      : last_traffic_ + state_->settings.command_timeout;
  }

  // A quiet subscription cannot tell a dead peer from no traffic, so after a command timeout of
  // silence it sends PING; no answer within another command timeout means the link is dead.
  void keep_alive(Clock::time_point now) {
    if (now < ping_due()) return;
    if (ping_sent_) {
      link_.drop("no answer to PING");
      throw ConnectionError("redis subscriber on '" + channel_ + "': no answer to PING");
    }
    Args ping;
    ping.add("PING");
    link_.append(ping);
    link_.flush();
    ping_sent_ = true;
    ping_sent_at_ = now;
  }

  std::optional<driver::Inbound> to_inbound(const redisReply& r) {
    if (r.type != REDIS_REPLY_ARRAY || r.elements < 3 || text(*r.element[0]) != "message") {
      return std::nullopt;  // pong, subscribe confirmations
    }
    const std::string_view bytes = text(*r.element[2]);
    driver::Inbound in;
    try {
      in.message = driver::envelope::decode(bytes);
    } catch (const MalformedError& e) {
      // Looks enveloped but is not valid: deliver the bytes as they are rather than drop them.
      detail::log_warn("redis: message on '" + channel_ +
                       "' has a damaged envelope, delivered as a plain payload: " + e.what());
      in.message = Message(bytes);
    }
    in.token = ++next_token_;
    return in;
  }

  std::shared_ptr<ConnectionState> state_;
  std::string channel_;
  Link link_;
  bool closed_ = false;
  driver::AckToken next_token_ = 0;
  Clock::time_point last_traffic_{};
  Clock::time_point ping_sent_at_{};
  bool ping_sent_ = false;
};

}  // namespace

std::unique_ptr<driver::Receiver> make_pubsub_receiver(std::shared_ptr<ConnectionState> state,
                                                       const driver::ReceiverSpec& spec) {
  return std::make_unique<PubSubReceiver>(std::move(state), spec);
}

}  // namespace unimq::redis
