// Request-reply in the common layer: requests carry a correlation id and the client's inbox
// address in headers; the inbox reader matches replies to waiting calls and enforces deadlines.
#include "internal/requester.hpp"

#include <algorithm>
#include <cstdio>
#include <random>

#include "internal/log.hpp"
#include "internal/producer_core.hpp"
#include "internal/trace_propagation.hpp"
#include "unimq/error.hpp"
#include "unimq/request_reply.hpp"

namespace unimq::detail {
namespace {

/// How long the reader waits for replies before it checks deadlines and stop again.
constexpr auto kReaderTick = std::chrono::milliseconds{50};

std::string random_prefix() {
  std::mt19937_64 rng{std::random_device{}()};
  char text[20];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(rng()));
  return text;
}

}  // namespace

Requester::Requester(driver::Connection& connection)
    : connection_(connection),
      inbox_(connection.open_inbox()),
      sender_(connection.open_sender()),
      id_prefix_(random_prefix()) {
  reader_ = std::thread([this] { read_loop(); });
  log_debug("request-reply inbox '" + inbox_.address + "' opened");
}

Requester::~Requester() {
  close();
}

std::future<Message> Requester::request(const std::string& topic, Message request,
                                        std::chrono::milliseconds timeout) {
  Waiting w;
  auto future = w.one.get_future();
  w.timeout = timeout;
  send(topic, std::move(request), std::move(w));
  return future;
}

std::future<std::vector<Message>> Requester::scatter(const std::string& topic, Message request,
                                                     std::chrono::milliseconds timeout,
                                                     std::size_t max_replies) {
  Waiting w;
  auto future = w.many.get_future();
  w.gather = true;
  w.max_replies = max_replies;
  w.timeout = timeout;
  send(topic, std::move(request), std::move(w));
  return future;
}

void Requester::send(const std::string& topic, Message request, Waiting waiting) {
  if (stop_.load()) throw ClosedError("client is closed: no request to '" + topic + "'");
  const std::string id = id_prefix_ + "-" + std::to_string(++next_id_);
  request.headers().set(std::string(correlation_id_header), id);
  request.headers().set(std::string(reply_to_header), inbox_.address);
  inject_trace(request.headers());
  waiting.topic = topic;
  waiting.deadline = Clock::now() + waiting.timeout;
  {
    std::lock_guard lock(mutex_);
    waiting_.emplace(id, std::move(waiting));
  }
  std::vector<Message> batch;
  batch.push_back(std::move(request));
  sender_->send(topic, std::move(batch), [this, id, topic](std::size_t, driver::SendResult r) {
    if (!r.error) return;
    // A broker that refuses a message no subscription takes (RabbitMQ: mandatory, returned as
    // unroutable) says nobody serves the topic: the call ends at its deadline, as elsewhere.
    if (r.error->kind == driver::ErrorKind::not_found) return;
    std::lock_guard lock(mutex_);
    auto it = waiting_.find(id);
    if (it == waiting_.end()) return;
    auto failure = failure_of(*r.error, topic, 1);
    if (it->second.gather) {
      it->second.many.set_exception(failure);
    } else {
      it->second.one.set_exception(failure);
    }
    waiting_.erase(it);
  });
}

void Requester::expire(Waiting& w) {
  if (w.gather) {
    w.many.set_value(std::move(w.replies));
    return;
  }
  w.one.set_exception(
      std::make_exception_ptr(TimeoutError("no reply to a request on '" + w.topic + "' within " +
                                           std::to_string(w.timeout.count()) + " ms")));
}

bool Requester::deliver(const Message& reply) {
  const auto id = reply.headers().get(correlation_id_header);
  if (!id) return false;
  std::lock_guard lock(mutex_);
  auto it = waiting_.find(std::string(*id));
  if (it == waiting_.end()) return false;
  Waiting& w = it->second;
  Message copy = reply;
  copy.headers().erase(correlation_id_header);
  if (!w.gather) {
    w.one.set_value(std::move(copy));
    waiting_.erase(it);
    return true;
  }
  w.replies.push_back(std::move(copy));
  if (w.max_replies != 0 && w.replies.size() >= w.max_replies) {
    w.many.set_value(std::move(w.replies));
    waiting_.erase(it);
  }
  return true;
}

Requester::Clock::time_point Requester::expire_due(Clock::time_point now) {
  auto next = now + kReaderTick;
  std::lock_guard lock(mutex_);
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (it->second.deadline <= now) {
      expire(it->second);
      it = waiting_.erase(it);
    } else {
      next = std::min(next, it->second.deadline);
      ++it;
    }
  }
  return next;
}

void Requester::read_loop() {
  while (!stop_.load()) {
    const auto next = expire_due(Clock::now());
    std::vector<driver::Inbound> batch;
    try {
      batch = inbox_.receiver->receive(256, next);
    } catch (const ClosedError&) {
      return;
    } catch (const std::exception& e) {
      // Waiting calls still end at their deadlines; the receiver reconnects on its next call.
      log_warn("request-reply inbox '" + inbox_.address + "': " + e.what());
      std::this_thread::sleep_for(kReaderTick);
      continue;
    }
    std::vector<driver::AckToken> tokens;
    for (const auto& in : batch) {
      if (!deliver(in.message)) {
        late_replies_.fetch_add(1);
        log_debug("request-reply inbox '" + inbox_.address +
                  "': dropped a reply nobody waits for (late or unknown)");
      }
      tokens.push_back(in.token);
    }
    if (!tokens.empty()) inbox_.receiver->ack(tokens);
  }
}

void Requester::close() {
  std::call_once(closed_, [&] {
    stop_.store(true);
    if (reader_.joinable()) reader_.join();
    std::map<std::string, Waiting> left;
    {
      std::lock_guard lock(mutex_);
      left.swap(waiting_);
    }
    for (auto& [id, w] : left) {
      auto closed = std::make_exception_ptr(
          ClosedError("client closed while waiting for a reply on '" + w.topic + "'"));
      if (w.gather) {
        w.many.set_exception(closed);
      } else {
        w.one.set_exception(closed);
      }
    }
    sender_->close();
    inbox_.receiver->close();
    connection_.delete_topic(inbox_.address);
    log_debug("request-reply inbox '" + inbox_.address + "' removed");
  });
}

}  // namespace unimq::detail
