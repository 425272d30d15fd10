// Publishing with publisher confirms: a SendQueue's I/O thread owns the publishing connection.
// Each round declares the exchanges it needs, publishes every message (persistent, mandatory,
// headers as a table), then reads basic.ack / basic.nack / basic.return frames until every
// delivery tag is settled or the confirm timeout passes. rabbitmq-c 0.11 has no confirm helper,
// so tags are counted here: after confirm.select the broker numbers publishes 1, 2, 3... per
// channel, and an ack with `multiple` settles every tag up to its own.
#include <amqp.h>

#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include "amqp_link.hpp"
#include "amqp_table.hpp"
#include "internal/log.hpp"
#include "rabbitmq_connection.hpp"
#include "unimq/driver/send_queue.hpp"

namespace unimq::rabbitmq {
namespace {

using driver::ErrorKind;

// Drain confirms this often while publishing a large round, so neither side's socket buffer
// fills with acks nobody reads.
constexpr std::size_t drain_every = 256;

std::string random_prefix() {
  std::random_device rd;
  const auto v = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

ErrorKind kind_of(int code) {
  switch (code) {
    case reply_code::not_found:
      return ErrorKind::not_found;
    case reply_code::access_refused:
      return ErrorKind::unauthorized;
    case reply_code::precondition_failed:
      return ErrorKind::permanent;
    default:
      return ErrorKind::retryable;
  }
}

// The publishing connection; owned by the SendQueue's round closure, so used by its thread only.
class Publisher {
 public:
  explicit Publisher(std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)),
        settings_(state_->settings),
        link_(settings_, "publisher"),
        id_prefix_(random_prefix()) {}

  void send_round(std::vector<driver::SendJob>& round) {
    round_ = &round;
    done_.assign(round.size(), {});
    for (std::size_t j = 0; j < round.size(); ++j) done_[j].assign(round[j].batch.size(), false);
    pending_.clear();
    returned_.clear();
    ids_.clear();
    try {
      connect_and_declare(round);
      publish_all(round);
      await_confirms(Clock::now() + settings_.confirm_timeout);
    } catch (const AmqpError& e) {
      // The connection (already dropped) or the channel failed: what is not settled is retried
      // by the producer's policy on a new connection.
      fail_unsettled(e.code() == 0 ? ErrorKind::retryable : kind_of(e.code()), e.what());
    } catch (const std::exception& e) {
      link_.drop(e.what());
      fail_unsettled(ErrorKind::retryable, e.what());
    }
    round_ = nullptr;
  }

 private:
  struct Slot {
    std::size_t job;
    std::size_t index;
    std::string id;
  };

  void connect_and_declare(std::vector<driver::SendJob>& round) {
    if (link_.connected()) {
      // An idle publisher sends no heartbeats, so the broker may have closed it meanwhile; a
      // poll finds that out (and answers pending heartbeats) before anything is published.
      try {
        while (auto frame = link_.wait_frame(Clock::now())) handle(*frame);
      } catch (const AmqpError&) {
        link_.retry_now();  // it was idle, not failing: reconnect at once
      }
    }
    if (link_.ensure_connected()) {
      amqp_confirm_select(link_.raw(), channel);
      link_.check_rpc("confirm.select");
      next_tag_ = 1;
      declared_.clear();
    }
    if (!settings_.declare) return;
    for (const auto& job : round) {
      if (declared_.contains(job.topic)) continue;
      link_.declare_exchange(job.topic);
      declared_.insert(job.topic);
    }
  }

  void publish_all(std::vector<driver::SendJob>& round) {
    std::size_t since_drain = 0;
    for (std::size_t j = 0; j < round.size(); ++j) {
      auto& job = round[j];
      for (std::size_t i = 0; i < job.batch.size(); ++i) {
        if (done_[j][i]) continue;  // failed by a channel error during this round
        const Message& m = job.batch[i];
        Slot slot{j, i, id_prefix_ + "-" + std::to_string(++sequence_)};
        HeaderTable headers(m.headers());
        amqp_basic_properties_t props{};
        props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG;
        props.delivery_mode = 2;  // persistent: written to disk before the confirm
        props.message_id = bytes_of(slot.id);
        if (!m.headers().empty()) {
          props._flags |= AMQP_BASIC_HEADERS_FLAG;
          props.headers = headers.table();
        }
        // mandatory = 1: a message no queue is bound for comes back as basic.return.
        link_.write_within(settings_.confirm_timeout, "basic.publish", [&] {
          return amqp_basic_publish(link_.raw(), channel, bytes_of(job.topic), bytes_of(m.key()), 1,
                                    0, &props, bytes_of(m.payload()));
        });
        const auto tag = next_tag_++;
        ids_.emplace(slot.id, tag);
        pending_.emplace(tag, std::move(slot));
        if (++since_drain == drain_every) {
          since_drain = 0;
          while (auto frame = link_.wait_frame(Clock::now())) handle(*frame);
        }
      }
    }
  }

  void await_confirms(Clock::time_point deadline) {
    while (!pending_.empty()) {
      auto frame = link_.wait_frame(deadline);
      if (!frame) {
        // Outcome unknown. The tags of this channel can no longer be trusted to line up, so
        // the connection is replaced.
        const std::string why = "rabbitmq: no publisher confirm within " +
                                std::to_string(settings_.confirm_timeout.count()) + "ms";
        link_.drop(why);
        fail_unsettled(ErrorKind::timeout, why);
        return;
      }
      handle(*frame);
    }
    amqp_maybe_release_buffers(link_.raw());
  }

  void handle(const amqp_frame_t& frame) {
    if (frame.frame_type != AMQP_FRAME_METHOD) return;
    switch (frame.payload.method.id) {
      case AMQP_BASIC_ACK_METHOD: {
        const auto* ack = static_cast<const amqp_basic_ack_t*>(frame.payload.method.decoded);
        settle(ack->delivery_tag, ack->multiple != 0, true);
        break;
      }
      case AMQP_BASIC_NACK_METHOD: {
        const auto* nack = static_cast<const amqp_basic_nack_t*>(frame.payload.method.decoded);
        settle(nack->delivery_tag, nack->multiple != 0, false);
        break;
      }
      case AMQP_BASIC_RETURN_METHOD:
        read_return(frame);
        break;
      case AMQP_CHANNEL_CLOSE_METHOD: {
        AmqpError error = link_.reopen_channel(frame);
        amqp_confirm_select(link_.raw(), channel);
        link_.check_rpc("confirm.select");
        next_tag_ = 1;
        declared_.clear();
        fail_unsettled(kind_of(error.code()), error.what());
        break;
      }
      default:
        break;
    }
  }

  // basic.return comes before the basic.ack of the same message and carries no delivery tag,
  // so the message's id (set by publish_all) finds the tag.
  void read_return(const amqp_frame_t& frame) {
    const auto* ret = static_cast<const amqp_basic_return_t*>(frame.payload.method.decoded);
    const std::string why = "rabbitmq: exchange '" + std::string(view_of(ret->exchange)) +
                            "' routed the message to no queue (basic.return " +
                            std::to_string(ret->reply_code) + " " +
                            std::string(view_of(ret->reply_text)) +
                            "): no consumer group or subscriber is bound to the topic yet";
    amqp_message_t message{};
    link_.check_reply(amqp_read_message(link_.raw(), channel, &message, 0),
                      "reading a returned message");
    const std::string id(view_of(message.properties.message_id));
    amqp_destroy_message(&message);
    if (auto it = ids_.find(id); it != ids_.end()) returned_.emplace(it->second, why);
  }

  void settle(std::uint64_t tag, bool multiple, bool ok) {
    const auto end = multiple ? pending_.upper_bound(tag) : pending_.find(tag);
    auto begin = multiple ? pending_.begin() : end;
    if (!multiple && end == pending_.end()) return;
    const auto last = multiple ? end : std::next(end);
    for (auto it = begin; it != last; ++it) complete(it->first, it->second, ok);
    pending_.erase(begin, last);
  }

  void complete(std::uint64_t tag, Slot& slot, bool ok) {
    auto& job = (*round_)[slot.job];
    done_[slot.job][slot.index] = true;
    driver::SendResult r;
    if (auto ret = returned_.find(tag); ret != returned_.end()) {
      r.error = driver::DriverError{ErrorKind::not_found, ret->second};
    } else if (ok) {
      r.receipt.message_id = slot.id;
    } else {
      r.error = driver::DriverError{ErrorKind::retryable,
                                    "rabbitmq: the broker refused the message (basic.nack)"};
      r.message = std::move(job.batch[slot.index]);
    }
    job.done(slot.index, std::move(r));
  }

  void fail_unsettled(ErrorKind kind, const std::string& why) {
    auto& round = *round_;
    const bool hand_back = kind == ErrorKind::retryable || kind == ErrorKind::timeout;
    for (std::size_t j = 0; j < round.size(); ++j) {
      for (std::size_t i = 0; i < round[j].batch.size(); ++i) {
        if (done_[j][i]) continue;
        done_[j][i] = true;
        driver::SendResult r;
        r.error = driver::DriverError{kind, why};
        if (hand_back) r.message = std::move(round[j].batch[i]);
        round[j].done(i, std::move(r));
      }
    }
    pending_.clear();
  }

  std::shared_ptr<ConnectionState> state_;
  const Settings& settings_;
  Link link_;
  std::string id_prefix_;
  std::uint64_t sequence_ = 0;
  std::uint64_t next_tag_ = 1;
  std::set<std::string> declared_;
  // The running round: which messages are settled, which tags wait for a confirm.
  std::vector<driver::SendJob>* round_ = nullptr;
  std::vector<std::vector<bool>> done_;
  std::map<std::uint64_t, Slot> pending_;
  std::unordered_map<std::string, std::uint64_t> ids_;
  std::map<std::uint64_t, std::string> returned_;
};

}  // namespace

std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state) {
  auto publisher = std::make_shared<Publisher>(state);
  auto queue = std::make_shared<driver::SendQueue>(
      [publisher](std::vector<driver::SendJob>& jobs) { publisher->send_round(jobs); });
  {
    std::lock_guard lock(state->mu);
    if (state->closed.load()) {
      queue->close();
      throw ClosedError("rabbitmq connection is closed");
    }
    std::erase_if(state->senders, [](const auto& w) { return w.expired(); });
    state->senders.push_back(queue);
  }
  return std::make_unique<driver::QueuedSender>(std::move(queue));
}

}  // namespace unimq::rabbitmq
