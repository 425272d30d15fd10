// Shared state behind Client, Topic, Producer and Consumer handles.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "unimq/config.hpp"
#include "unimq/driver/driver.hpp"

namespace unimq::detail {

class ProducerCore;
class ConsumerCore;
class Requester;

/// One broker connection and everything opened from it. Every handle holds a shared_ptr, so the
/// connection lives until the last producer, consumer or client handle is gone.
class ClientCore : public std::enable_shared_from_this<ClientCore> {
 public:
  ClientCore(std::unique_ptr<driver::Connection> connection, Config config, std::string url);
  ~ClientCore();

  driver::Connection& connection() { return *connection_; }
  const Capabilities& capabilities() const noexcept { return connection_->capabilities(); }
  const std::string& url() const noexcept { return url_; }
  const Config& config() const noexcept { return config_; }

  /// Throws ClosedError when the client was closed.
  void check_open() const;
  /// Asks the adapter once per topic to make sure it exists.
  void ensure_topic(const std::string& name, std::uint32_t partitions, std::uint16_t replication);
  /// Topic settings from the config, or defaults.
  TopicOptions topic_options(const std::string& name) const;

  /// Remembers producers and consumers so close() can stop them.
  void track(const std::shared_ptr<ProducerCore>& producer);
  void track(const std::shared_ptr<ConsumerCore>& consumer);
  /// The requesting side of request-reply (the client's inbox), opened on first use.
  /// ClosedError after close().
  std::shared_ptr<Requester> requester();
  /// Sends a responder's `reply` to `address` (a requester's inbox) and waits up to `timeout`
  /// for the broker to take it; throws the publish failure.
  void send_reply(const std::string& address, Message reply, std::chrono::milliseconds timeout);
  /// Replies dropped because nobody waited for them any more; 0 before the first request.
  std::uint64_t late_replies();
  /// Stops consumers (responders included), closes the inbox, producers, then the connection.
  void close();

 private:
  std::unique_ptr<driver::Connection> connection_;
  Config config_;
  std::string url_;
  std::atomic<bool> closed_{false};
  std::mutex mutex_;
  std::set<std::string> ensured_topics_;
  std::vector<std::weak_ptr<ProducerCore>> producers_;
  std::vector<std::weak_ptr<ConsumerCore>> consumers_;
  std::shared_ptr<Requester> requester_;          ///< Guarded by mutex_.
  std::shared_ptr<driver::Sender> reply_sender_;  ///< Guarded by mutex_.
};

}  // namespace unimq::detail
