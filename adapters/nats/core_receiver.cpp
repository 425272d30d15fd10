// Core NATS subscriber: a synchronous (queue) subscription read by the consumer's thread. cnats
// re-subscribes after a reconnect by itself; NATS core keeps nothing, so acks are no-ops.
#include <nats/nats.h>

#include "internal/log.hpp"
#include "nats_connection.hpp"
#include "nats_message.hpp"
#include "unimq/error.hpp"

namespace unimq::nats {
namespace {

using Clock = std::chrono::steady_clock;

class CoreReceiver final : public driver::Receiver {
 public:
  CoreReceiver(std::shared_ptr<Shared> shared, const driver::ReceiverSpec& spec)
      : shared_(std::move(shared)), subject_(spec.topic) {
    const natsStatus st = spec.group.empty()
                              ? natsConnection_SubscribeSync(&sub_, shared_->nc, subject_.c_str())
                              : natsConnection_QueueSubscribeSync(
                                    &sub_, shared_->nc, subject_.c_str(), spec.group.c_str());
    if (st != NATS_OK) {
      throw ConnectionError("nats: cannot subscribe to '" + subject_ + "': " + status_text(st));
    }
    // The subscription is only certain to exist on the server after a round trip.
    const natsStatus flushed = confirmed_flush(shared_->nc, shared_->settings.api_timeout.count());
    if (flushed != NATS_OK) {
      shared_->retire(sub_);
      throw ConnectionError("nats: subscribing to '" + subject_ +
                            "' was not confirmed: " + status_text(flushed));
    }
  }
  ~CoreReceiver() override { close(); }

  std::vector<driver::Inbound> receive(std::size_t max, Clock::time_point deadline) override {
    if (sub_ == nullptr || shared_->closed.load()) throw ClosedError("nats subscriber is closed");
    std::vector<driver::Inbound> out;
    if (max == 0) return out;
    // The messages read are destroyed together when this returns: cnats hands a subscription's
    // messages to its garbage-collector thread, and wakes that thread for each one that finds it
    // idle, so destroying them as they are copied cost a wake-up per message.
    std::vector<MsgPtr> read;
    const auto wait = std::max<std::int64_t>(
        std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count(), 1);
    if (!take(out, read, wait)) return out;
    // Then whatever is already buffered, without waiting.
    int buffered = 0, bytes = 0;
    natsSubscription_GetPending(sub_, &buffered, &bytes);
    while (out.size() < max && buffered-- > 0 && take(out, read, 1)) {
    }
    return out;
  }

  void ack(std::span<const driver::AckToken>) override {}  // NATS core keeps nothing to ack
  void nack(std::span<const driver::AckToken>, std::chrono::milliseconds) override {
    // Not declared (capabilities.nack is false), so the common layer never calls this.
  }

  void close() override {
    if (sub_ == nullptr) return;
    shared_->retire(sub_);
    sub_ = nullptr;
  }

 private:
  // Reads one message into `out`, keeping cnats's copy in `read`; false when none came within
  // `wait_ms`.
  bool take(std::vector<driver::Inbound>& out, std::vector<MsgPtr>& read, std::int64_t wait_ms) {
    natsMsg* raw = nullptr;
    const natsStatus st = natsSubscription_NextMsg(&raw, sub_, wait_ms);
    if (st == NATS_TIMEOUT) return false;
    if (st == NATS_SLOW_CONSUMER) {
      // cnats dropped messages this subscriber did not read in time (at-most-once).
      detail::log_warn("nats: subscriber of '" + subject_ +
                       "' is too slow; the client dropped messages");
      return false;
    }
    if (st == NATS_CONNECTION_CLOSED) throw ClosedError("nats connection is closed");
    if (st != NATS_OK) {
      throw ConnectionError("nats: receiving from '" + subject_ + "' failed: " + status_text(st));
    }
    read.emplace_back(raw);
    driver::Inbound in;
    in.message = from_nats(raw);
    if (const char* reply = natsMsg_GetReply(raw); reply != nullptr) in.reply_to = reply;
    in.token = ++next_token_;
    out.push_back(std::move(in));
    return true;
  }

  std::shared_ptr<Shared> shared_;
  std::string subject_;
  natsSubscription* sub_ = nullptr;
  driver::AckToken next_token_ = 0;
};

}  // namespace

std::unique_ptr<driver::Receiver> make_core_receiver(std::shared_ptr<Shared> shared,
                                                     const driver::ReceiverSpec& spec) {
  return std::make_unique<CoreReceiver>(std::move(shared), spec);
}

}  // namespace unimq::nats
