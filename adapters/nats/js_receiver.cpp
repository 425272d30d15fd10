// JetStream pull consumer: a durable consumer per group (competing consumers fetch from it), an
// ephemeral one for a consumer without a group. Fetch asks for as many messages as there are
// free in-flight slots; acks, naks (with delay) and "in progress" go back per message.
#include <nats/nats.h>

#include <deque>
#include <unordered_map>

#include "internal/log.hpp"
#include "nats_connection.hpp"
#include "nats_message.hpp"
#include "unimq/error.hpp"

namespace unimq::nats {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class JsReceiver final : public driver::Receiver {
 public:
  JsReceiver(std::shared_ptr<Shared> shared, const driver::ReceiverSpec& spec)
      : shared_(std::move(shared)),
        subject_(spec.topic),
        stream_(stream_name(spec.topic)),
        batch_(std::max<std::size_t>(spec.max_in_flight, 1)),
        // The server queues a whole pull for this connection at once and drops a client with
        // more than 64 MiB pending as a slow consumer (then publishes on the connection fail):
        // a pull asks for at most 4 MiB, or two of the largest messages the server accepts, so
        // one message always fits.
        pull_bytes_(std::max<std::int64_t>(std::int64_t{4} << 20,
                                           2 * natsConnection_GetMaxPayload(shared_->nc) + 4096)) {
    ensure_stream(*shared_, subject_);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = shared_->settings.api_timeout.count();
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream_.c_str();
    so.ManualAck = true;
    so.Config.DeliverPolicy = spec.start == StartPosition::earliest ? js_DeliverAll : js_DeliverNew;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = shared_->settings.ack_wait.count() * 1000000;  // nanoseconds
    so.Config.MaxAckPending = spec.max_in_flight;
    so.Config.MaxDeliver = -1;  // the common layer decides when to give up (dead-letter)
    const char* durable = nullptr;
    if (!spec.group.empty()) {
      durable_ = durable_name(spec.group);
      durable = durable_.c_str();
      create_durable(so.Config, jo);
      // Bind to it as it is: cnats refuses a bind whose config differs from the consumer's
      // (e.g. another member of the group asked for a different max_in_flight).
      so.Consumer = durable;
      jsConsumerConfig_Init(&so.Config);
    }
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus st =
        js_PullSubscribe(&sub_, shared_->js, subject_.c_str(), durable, &jo, &so, &code);
    if (st != NATS_OK) {
      throw ConnectionError("nats: cannot consume '" + subject_ + "' from stream '" + stream_ +
                            "': " + status_text(st) + " " + nats_GetLastError(nullptr));
    }
  }
  ~JsReceiver() override { close(); }

  std::vector<driver::Inbound> receive(std::size_t max, Clock::time_point deadline) override {
    if (sub_ == nullptr || shared_->closed.load()) {
      throw ClosedError("nats JetStream consumer is closed");
    }
    renew_leases();
    std::vector<driver::Inbound> out;
    if (max == 0) return out;
    if (stash_.empty()) fetch(deadline);
    while (out.size() < max && !stash_.empty()) {
      out.push_back(std::move(stash_.front()));
      stash_.pop_front();
    }
    return out;
  }

  void ack(std::span<const driver::AckToken> tokens) override {
    settle(
        tokens, [](natsMsg* m) { return natsMsg_Ack(m, nullptr); }, "ack");
  }

  void nack(std::span<const driver::AckToken> tokens, milliseconds delay) override {
    settle(
        tokens,
        [&](natsMsg* m) {
          return delay.count() > 0 ? natsMsg_NakWithDelay(m, delay.count(), nullptr)
                                   : natsMsg_Nak(m, nullptr);
        },
        "nak");
  }

  void close() override {
    if (sub_ == nullptr) return;
    // Hand what this consumer still holds back to the group now instead of after AckWait.
    for (auto& [token, held] : in_flight_) natsMsg_Nak(held.msg.get(), nullptr);
    in_flight_.clear();
    stash_.clear();
    // Unsubscribing deletes only a consumer cnats created: the ephemeral one of a consumer
    // without a group. A group's durable consumer was created here and only bound, so it stays.
    shared_->retire(sub_);
    sub_ = nullptr;
  }

 private:
  struct Held {
    MsgPtr msg;
    Clock::time_point touched;
  };

  // Pulls the next messages into stash_. cnats 3.4.1's Fetch shortens its own wait faster than
  // the server's pull request expires, so messages can arrive after it returned; the next fetch
  // then hands over all of them first, even more than its batch, writing past the array it
  // allocated for the batch (heap corruption, seen under ASan with shrinking batches). So every
  // pull asks for the same batch (the consumer's max_in_flight), which bounds those leftovers by
  // that batch; what exceeds the free slots waits in stash_. A no-wait request with an expiry
  // returns at once when messages are available and waits until the expiry when none are.
  void fetch(Clock::time_point deadline) {
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = static_cast<int>(batch_);
    req.MaxBytes = pull_bytes_;
    req.NoWait = true;
    req.Expires =
        std::max<std::int64_t>(std::chrono::ceil<milliseconds>(deadline - Clock::now()).count(),
                               1) *
        1000000;  // nanoseconds
    pull(natsSubscription_FetchRequest(&list_, sub_, &req));
  }

  // Moves what a fetch returned into stash_; false when it returned nothing.
  bool pull(natsStatus st) {
    if (st == NATS_TIMEOUT || st == NATS_NOT_FOUND) return false;
    if (st == NATS_CONNECTION_CLOSED) throw ClosedError("nats connection is closed");
    if (st != NATS_OK) {
      throw ConnectionError("nats: fetching from '" + subject_ + "' failed: " + status_text(st));
    }
    const auto now = Clock::now();
    for (int i = 0; i < list_.Count; ++i) {
      MsgPtr msg(list_.Msgs[i]);
      list_.Msgs[i] = nullptr;
      driver::Inbound in;
      in.message = from_nats(msg.get());
      jsMsgMetaData* meta = nullptr;
      if (natsMsg_GetMetaData(&meta, msg.get()) == NATS_OK) {
        in.delivery_count = static_cast<std::uint32_t>(meta->NumDelivered);
        in.id = std::to_string(meta->Sequence.Stream);
        jsMsgMetaData_Destroy(meta);
      }
      in.token = ++next_token_;
      in_flight_.emplace(in.token, Held{std::move(msg), now});
      stash_.push_back(std::move(in));
    }
    const bool got = list_.Count > 0;
    natsMsgList_Destroy(&list_);
    list_ = natsMsgList{};
    return got;
  }

  void create_durable(jsConsumerConfig cfg, jsOptions& jo) {
    jsConsumerInfo* info = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    natsStatus st =
        js_GetConsumerInfo(&info, shared_->js, stream_.c_str(), durable_.c_str(), &jo, &code);
    if (st == NATS_OK) {
      jsConsumerInfo_Destroy(info);
      return;  // the group exists: join it as it is
    }
    cfg.Durable = durable_.c_str();
    st = js_AddConsumer(&info, shared_->js, stream_.c_str(), &cfg, &jo, &code);
    if (st == NATS_OK) {
      jsConsumerInfo_Destroy(info);
      return;
    }
    if (code == JSConsumerNameExistErr) return;  // created meanwhile by another consumer
    throw ConnectionError("nats: cannot create consumer group '" + durable_ + "' on stream '" +
                          stream_ + "': " + status_text(st) + " " + nats_GetLastError(nullptr));
  }

  template <typename Fn>
  void settle(std::span<const driver::AckToken> tokens, Fn fn, const char* what) {
    for (auto t : tokens) {
      auto it = in_flight_.find(t);
      if (it == in_flight_.end()) continue;  // unknown or repeated: ignored
      const natsStatus st = fn(it->second.msg.get());
      if (st != NATS_OK) {
        detail::log_warn(std::string("nats: ") + what + " of a message from '" + subject_ +
                         "' failed (it will be redelivered after ack_wait): " + status_text(st));
      }
      in_flight_.erase(it);
    }
  }

  // A handler that runs longer than ack_wait would see its message redelivered to another
  // consumer; "in progress" resets the server's timer, every ack_wait/3.
  void renew_leases() {
    const auto now = Clock::now();
    const auto period = shared_->settings.ack_wait / 3;
    for (auto& [token, held] : in_flight_) {
      if (now - held.touched < period) continue;
      natsMsg_InProgress(held.msg.get(), nullptr);
      held.touched = now;
    }
  }

  std::shared_ptr<Shared> shared_;
  std::string subject_;
  std::string stream_;
  std::string durable_;
  natsSubscription* sub_ = nullptr;
  driver::AckToken next_token_ = 0;
  std::unordered_map<driver::AckToken, Held> in_flight_;
  std::deque<driver::Inbound> stash_;  // fetched, not yet handed to the pipeline
  natsMsgList list_{};                 // a fetch's result, while it is moved to stash_
  std::size_t batch_ = 1;              // every fetch asks for this many (see fetch())
  std::int64_t pull_bytes_ = 0;        // and for at most this many bytes
};

}  // namespace

std::unique_ptr<driver::Receiver> make_js_receiver(std::shared_ptr<Shared> shared,
                                                   const driver::ReceiverSpec& spec) {
  return std::make_unique<JsReceiver>(std::move(shared), spec);
}

}  // namespace unimq::nats
