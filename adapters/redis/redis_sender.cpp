// Publishing: a SendQueue's I/O thread owns the publishing connection and sends each round (all
// batches queued meanwhile) as one pipeline, one round trip, then reads the replies in order and
// completes each message.
#include <hiredis/hiredis.h>

#include "internal/log.hpp"
#include "redis_connection.hpp"
#include "redis_link.hpp"
#include "stream_fields.hpp"
#include "unimq/driver/envelope.hpp"
#include "unimq/driver/send_queue.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {

namespace {

// The publishing connection; owned by the SendQueue's round closure, so used by its thread only.
class Publisher {
 public:
  explicit Publisher(std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)), link_(state_->settings, "publisher") {}
  ~Publisher() { link_.close(); }

  void send_round(std::vector<driver::SendJob>& round) {
    std::size_t job = 0, index = 0;  // the first message without a result yet
    const auto fail_rest = [&](driver::ErrorKind kind, const std::string& why) {
      for (; job < round.size(); ++job, index = 0) round[job].fail_from(index, kind, why, true);
    };
    try {
      link_.ensure_connected();
      Args args;
      for (auto& j : round) {
        for (const auto& m : j.batch) append_command(args, j.topic, m);
      }
      link_.flush();
      for (; job < round.size(); ++job, index = 0) {
        auto& j = round[job];
        for (; index < j.batch.size(); ++index) {
          Reply reply = link_.read_or_drop(Clock::now() + state_->settings.command_timeout);
          j.done(index, result_of(*reply, j.batch, index));
        }
      }
    } catch (const TimeoutError& e) {
      fail_rest(driver::ErrorKind::timeout, e.what());
    } catch (const std::exception& e) {
      fail_rest(driver::ErrorKind::retryable, e.what());
    }
  }

 private:
  void append_command(Args& args, const std::string& topic, const Message& m) {
    const Settings& s = state_->settings;
    args.clear();
    if (s.mode == Mode::streams) {
      args.add("XADD").add(topic);
      if (s.maxlen > 0) args.add("MAXLEN").add("~").own(std::to_string(s.maxlen));
      args.add("*");
      stream_fields::append(args, m);
    } else {
      args.add("PUBLISH").add(topic);
      const bool bare =
          m.key().empty() && m.headers().empty() && !driver::envelope::is_enveloped(m.payload());
      if (bare || !s.envelope) {
        if (!s.envelope && !bare && !warned_bare_) {
          warned_bare_ = true;
          detail::log_warn(
              "redis: envelope=off publishes payloads only; keys and headers of "
              "messages to '" +
              topic + "' are not sent");
        }
        args.add(m.payload());
      } else {
        args.own(driver::envelope::encode(m));
      }
    }
    link_.append(args);
  }

  static driver::SendResult result_of(const redisReply& reply, std::vector<Message>& batch,
                                      std::size_t i) {
    driver::SendResult r;
    if (is_error(reply)) {
      const auto kind = classify_error(error_text(reply));
      r.error =
          driver::DriverError{kind, "redis refused the message: " + std::string(error_text(reply))};
      if (kind == driver::ErrorKind::retryable) r.message = std::move(batch[i]);
    } else if (reply.type == REDIS_REPLY_INTEGER) {
      r.receipt.receivers = reply.integer;  // PUBLISH: how many subscribers got it
    } else {
      r.receipt.message_id = std::string(text(reply));  // XADD: the entry id
    }
    return r;
  }

  std::shared_ptr<ConnectionState> state_;
  Link link_;
  bool warned_bare_ = false;
};

}  // namespace

std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state) {
  auto publisher = std::make_shared<Publisher>(state);
  // A round is formatted into hiredis's output buffer whole before it is written; past 1 MiB
  // that buffer grows by 1 MiB at a time, each growth a realloc, and is freed after the round,
  // so larger rounds only touch more fresh memory (200 000 x 1 KiB publishes, three pairs: page
  // faults 8.1-9.3 k -> 5.4-5.8 k, 658-691 k -> 693-870 k msg/s, against the default 8 MiB).
  auto queue = std::make_shared<driver::SendQueue>(
      [publisher](std::vector<driver::SendJob>& jobs) { publisher->send_round(jobs); }, 4096,
      std::size_t{1} << 20);
  {
    std::lock_guard lock(state->mu);
    if (state->closed.load()) {
      queue->close();
      throw ClosedError("redis connection is closed");
    }
    std::erase_if(state->senders, [](const auto& w) { return w.expired(); });
    state->senders.push_back(queue);
  }
  return std::make_unique<driver::QueuedSender>(std::move(queue));
}

}  // namespace unimq::redis
