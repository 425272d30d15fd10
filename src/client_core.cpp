// ClientCore: the connection and what was opened from it.
#include "internal/client_core.hpp"

#include "internal/consumer_core.hpp"
#include "internal/log.hpp"
#include "internal/producer_core.hpp"
#include "internal/requester.hpp"
#include "unimq/error.hpp"

#include <future>

namespace unimq::detail {

ClientCore::ClientCore(std::unique_ptr<driver::Connection> connection, Config config,
                       std::string url)
    : connection_(std::move(connection)), config_(std::move(config)), url_(std::move(url)) {}

ClientCore::~ClientCore() {
  try {
    // The inbox reader and the reply sender use the connection: they go first.
    if (requester_) requester_->close();
    if (reply_sender_) reply_sender_->close();
    connection_->close();
  } catch (...) {
  }
}

std::shared_ptr<Requester> ClientCore::requester() {
  check_open();
  std::lock_guard lock(mutex_);
  if (!requester_) requester_ = std::make_shared<Requester>(*connection_);
  return requester_;
}

std::uint64_t ClientCore::late_replies() {
  std::lock_guard lock(mutex_);
  return requester_ ? requester_->late_replies() : 0;
}

void ClientCore::send_reply(const std::string& address, Message reply,
                            std::chrono::milliseconds timeout) {
  check_open();
  std::shared_ptr<driver::Sender> sender;
  {
    std::lock_guard lock(mutex_);
    if (!reply_sender_) reply_sender_ = connection_->open_reply_sender();
    sender = reply_sender_;
  }
  auto done = std::make_shared<std::promise<std::exception_ptr>>();
  auto outcome = done->get_future();
  std::vector<Message> batch;
  batch.push_back(std::move(reply));
  sender->send(address, std::move(batch), [done, address](std::size_t, driver::SendResult r) {
    done->set_value(r.error ? failure_of(*r.error, address, 1) : nullptr);
  });
  if (outcome.wait_for(timeout) != std::future_status::ready) {
    throw TimeoutError("reply to '" + address + "' not confirmed within " +
                       std::to_string(timeout.count()) + " ms");
  }
  if (auto failure = outcome.get()) std::rethrow_exception(failure);
}

void ClientCore::check_open() const {
  if (closed_.load()) throw ClosedError("client for '" + url_ + "' is closed");
}

TopicOptions ClientCore::topic_options(const std::string& name) const {
  auto it = config_.topics.find(name);
  return it == config_.topics.end() ? TopicOptions{} : it->second;
}

void ClientCore::ensure_topic(const std::string& name, std::uint32_t partitions,
                              std::uint16_t replication) {
  check_open();
  {
    std::lock_guard lock(mutex_);
    if (ensured_topics_.count(name) != 0) return;
  }
  // Config settings win over call-site defaults so operations can size topics.
  if (auto it = config_.topics.find(name); it != config_.topics.end()) {
    partitions = it->second.partitions;
    replication = it->second.replication;
  }
  connection_->ensure_topic(driver::TopicSpec{name, partitions, replication});
  std::lock_guard lock(mutex_);
  ensured_topics_.insert(name);
}

void ClientCore::track(const std::shared_ptr<ProducerCore>& producer) {
  std::lock_guard lock(mutex_);
  std::erase_if(producers_, [](const auto& w) { return w.expired(); });
  producers_.push_back(producer);
}

void ClientCore::track(const std::shared_ptr<ConsumerCore>& consumer) {
  std::lock_guard lock(mutex_);
  std::erase_if(consumers_, [](const auto& w) { return w.expired(); });
  consumers_.push_back(consumer);
}

void ClientCore::close() {
  if (closed_.exchange(true)) return;
  std::vector<std::weak_ptr<ProducerCore>> producers;
  std::vector<std::weak_ptr<ConsumerCore>> consumers;
  {
    std::lock_guard lock(mutex_);
    producers.swap(producers_);
    consumers.swap(consumers_);
  }
  for (auto& weak : consumers) {
    if (auto consumer = weak.lock()) consumer->stop(std::chrono::seconds{30});
  }
  // Waiting requests fail with ClosedError; responders stopped above, so no reply is sent now.
  std::shared_ptr<Requester> requester;
  std::shared_ptr<driver::Sender> reply_sender;
  {
    std::lock_guard lock(mutex_);
    requester = requester_;  // kept: late_replies() still answers after close
    reply_sender = reply_sender_;
  }
  if (requester) requester->close();
  if (reply_sender) reply_sender->close();
  for (auto& weak : producers) {
    if (auto producer = weak.lock()) producer->close(std::chrono::seconds{10});
  }
  connection_->close();
  log_info("client for '" + url_ + "' closed");
}

}  // namespace unimq::detail
