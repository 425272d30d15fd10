// The requesting side of request-reply (DESIGN §10): one private inbox per client, requests
// correlated with their replies by a header, deadlines enforced by the inbox reader.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "unimq/driver/driver.hpp"
#include "unimq/message.hpp"

namespace unimq::detail {

/// Sends requests and matches replies. Opens the client's inbox and a sender on construction;
/// one thread reads the inbox, resolves waiting calls, and fails those past their deadline.
/// A reply nobody waits for (late, or for another client) is dropped and counted. Thread-safe.
class Requester {
 public:
  using Clock = std::chrono::steady_clock;

  /// Opens the inbox and the request sender on `connection`, which must outlive this object.
  explicit Requester(driver::Connection& connection);
  ~Requester();
  Requester(const Requester&) = delete;
  Requester& operator=(const Requester&) = delete;

  /// Sends `request` to `topic`; the future holds the first reply, or TimeoutError after
  /// `timeout`, or the publish failure.
  std::future<Message> request(const std::string& topic, Message request,
                               std::chrono::milliseconds timeout);
  /// Sends `request` to `topic`; the future holds every reply received until `timeout` or until
  /// `max_replies` arrived (0 = no limit), possibly none.
  std::future<std::vector<Message>> scatter(const std::string& topic, Message request,
                                            std::chrono::milliseconds timeout,
                                            std::size_t max_replies);
  /// Replies that arrived for no waiting call (after its deadline, or unknown).
  std::uint64_t late_replies() const noexcept { return late_replies_.load(); }
  /// Fails waiting calls with ClosedError, stops the reader and removes the inbox. Idempotent.
  void close();

 private:
  /// A call waiting for replies: `one` for request(), `many` for scatter().
  struct Waiting {
    std::promise<Message> one;
    std::promise<std::vector<Message>> many;
    bool gather = false;
    std::size_t max_replies = 0;
    std::vector<Message> replies;
    Clock::time_point deadline;
    std::string topic;  ///< For the TimeoutError text.
    std::chrono::milliseconds timeout{};
  };

  /// Registers `waiting` under a new correlation id and sends the request.
  void send(const std::string& topic, Message request, Waiting waiting);
  /// Resolves `w` with what it has: its replies (scatter), else TimeoutError.
  static void expire(Waiting& w);
  void read_loop();
  /// Hands one reply to its waiting call; false when nobody waits for it.
  bool deliver(const Message& reply);
  /// Resolves every call whose deadline passed; returns the earliest deadline still waiting.
  Clock::time_point expire_due(Clock::time_point now);

  driver::Connection& connection_;
  driver::Inbox inbox_;
  std::unique_ptr<driver::Sender> sender_;
  const std::string id_prefix_;
  std::atomic<std::uint64_t> next_id_{0};
  std::atomic<std::uint64_t> late_replies_{0};
  std::atomic<bool> stop_{false};

  std::mutex mutex_;
  std::map<std::string, Waiting> waiting_;  ///< By correlation id.
  std::thread reader_;
  std::once_flag closed_;
};

}  // namespace unimq::detail
