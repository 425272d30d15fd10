// The process-wide registry of memory brokers.
#include "memory_broker.hpp"

namespace unimq::memory {

std::shared_ptr<Broker> Broker::named(const std::string& name) {
  // Leaked on purpose: brokers must outlive every static that may still hold a connection at
  // exit, and the memory is reclaimed with the process anyway.
  static auto* mu = new std::mutex;
  static auto* brokers = new std::unordered_map<std::string, std::shared_ptr<Broker>>;
  std::lock_guard lock(*mu);
  auto& broker = (*brokers)[name];
  if (!broker) broker = std::make_shared<Broker>(name);
  return broker;
}

Broker::Broker(std::string name)
    : name_(std::move(name)),
      retention_(std::make_shared<Retention>(kDefaultMaxMessages, kDefaultMaxBytes)) {}

void Broker::drop(const std::string& name) {
  std::lock_guard lock(mu_);
  topics_.erase(name);
}

std::shared_ptr<Topic> Broker::topic(const std::string& name) {
  std::lock_guard lock(mu_);
  auto& topic = topics_[name];
  if (!topic) topic = std::make_shared<Topic>(name, retention_);
  return topic;
}

}  // namespace unimq::memory
