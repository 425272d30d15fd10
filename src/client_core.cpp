// ClientCore: the connection and what was opened from it.
#include "internal/client_core.hpp"

#include "internal/consumer_core.hpp"
#include "internal/log.hpp"
#include "internal/producer_core.hpp"
#include "unimq/error.hpp"

namespace unimq::detail {

ClientCore::ClientCore(std::unique_ptr<driver::Connection> connection, Config config,
                       std::string url)
    : connection_(std::move(connection)), config_(std::move(config)), url_(std::move(url)) {}

ClientCore::~ClientCore() {
  try {
    connection_->close();
  } catch (...) {
  }
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
  for (auto& weak : producers) {
    if (auto producer = weak.lock()) producer->close(std::chrono::seconds{10});
  }
  connection_->close();
  log_info("client for '" + url_ + "' closed");
}

}  // namespace unimq::detail
