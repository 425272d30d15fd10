// Publishing: send() queues a batch; one I/O thread owns the publishing connection and sends
// everything queued as one pipeline (one round trip for many batches), then reads the replies
// in order and completes each message. While it waits, new batches queue up for the next round,
// so batching grows with load by itself.
#include <hiredis/hiredis.h>

#include <condition_variable>
#include <deque>
#include <thread>

#include "internal/log.hpp"
#include "redis_connection.hpp"
#include "redis_link.hpp"
#include "stream_fields.hpp"
#include "unimq/driver/envelope.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {

class SenderCore : public std::enable_shared_from_this<SenderCore> {
 public:
  explicit SenderCore(std::shared_ptr<ConnectionState> state)
      : state_(std::move(state)), link_(state_->settings, "publisher") {}

  void start() {
    thread_ = std::thread([self = shared_from_this()] { self->run(); });
  }

  void send(const std::string& topic, std::vector<Message> batch, driver::SendCompletion done) {
    {
      std::lock_guard lock(mu_);
      if (!closing_) {
        queue_.push_back(Job{topic, std::move(batch), std::move(done)});
        cv_.notify_one();
        return;
      }
    }
    fail(batch, done, 0, driver::ErrorKind::closed, "redis sender is closed", false);
  }

  void close() {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
      cv_.notify_one();
    }
    std::lock_guard join_lock(join_mu_);
    if (!thread_.joinable()) return;
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // closed from a completion callback; run() ends after this round
    } else {
      thread_.join();
    }
  }

 private:
  struct Job {
    std::string topic;
    std::vector<Message> batch;
    driver::SendCompletion done;
  };

  // A round stops growing past these, so one huge backlog does not become one giant write.
  static constexpr std::size_t round_max_messages = 4096;
  static constexpr std::size_t round_max_bytes = 8u << 20;

  static void fail(std::vector<Message>& batch, const driver::SendCompletion& done,
                   std::size_t from, driver::ErrorKind kind, const std::string& why,
                   bool hand_back) {
    for (std::size_t i = from; i < batch.size(); ++i) {
      driver::SendResult r;
      r.error = driver::DriverError{kind, why};
      if (hand_back) r.message = std::move(batch[i]);
      done(i, std::move(r));
    }
  }

  void run() {
    std::vector<Job> round;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (closing_) break;
        std::size_t messages = 0, bytes = 0;
        while (!queue_.empty() &&
               (round.empty() || (messages < round_max_messages && bytes < round_max_bytes))) {
          for (const auto& m : queue_.front().batch) bytes += m.payload().size();
          messages += queue_.front().batch.size();
          round.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      send_round(round);
      round.clear();
    }
    std::deque<Job> left;
    {
      std::lock_guard lock(mu_);
      left.swap(queue_);
    }
    for (auto& job : left) {
      fail(job.batch, job.done, 0, driver::ErrorKind::closed, "redis sender closed", false);
    }
    link_.close();
  }

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

  driver::SendResult result_of(const redisReply& reply, std::vector<Message>& batch,
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

  void send_round(std::vector<Job>& round) {
    std::size_t job = 0, index = 0;  // the first message without a result yet
    const auto fail_rest = [&](driver::ErrorKind kind, const std::string& why) {
      for (; job < round.size(); ++job, index = 0) {
        fail(round[job].batch, round[job].done, index, kind, why, true);
      }
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

  std::shared_ptr<ConnectionState> state_;
  Link link_;  // used by thread_ only
  bool warned_bare_ = false;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool closing_ = false;

  std::mutex join_mu_;
  std::thread thread_;
};

namespace {

class RedisSender final : public driver::Sender {
 public:
  explicit RedisSender(std::shared_ptr<SenderCore> core) : core_(std::move(core)) {}
  ~RedisSender() override { core_->close(); }
  void send(const std::string& topic, std::vector<Message> batch,
            driver::SendCompletion on_complete) override {
    core_->send(topic, std::move(batch), std::move(on_complete));
  }
  void close() override { core_->close(); }

 private:
  std::shared_ptr<SenderCore> core_;
};

}  // namespace

void close_sender(SenderCore& sender) {
  sender.close();
}

std::unique_ptr<driver::Sender> make_sender(const std::shared_ptr<ConnectionState>& state) {
  auto core = std::make_shared<SenderCore>(state);
  {
    std::lock_guard lock(state->mu);
    if (state->closed.load()) throw ClosedError("redis connection is closed");
    std::erase_if(state->senders, [](const auto& w) { return w.expired(); });
    state->senders.push_back(core);
  }
  core->start();
  return std::make_unique<RedisSender>(std::move(core));
}

}  // namespace unimq::redis
