// The entry point: a connection to one broker, chosen by URL or config file.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "unimq/capabilities.hpp"
#include "unimq/config.hpp"
#include "unimq/consumer.hpp"
#include "unimq/producer.hpp"
#include "unimq/request_reply.hpp"
#include "unimq/topic.hpp"

namespace unimq {

namespace detail {
class ClientCore;
}

/// A connection to one broker. Application code is the same for every broker; the URL scheme
/// (`memory://`, `kafka://`, `amqp://`, `redis://`, `nats://`) picks the adapter.
/// A cheap copyable handle; thread-safe. Producers, consumers and topics keep the connection
/// alive, so handles may be destroyed in any order.
///
///     auto client = unimq::Client::connect("memory://");
///     auto producer = client.topic("orders").producer();
class Client {
 public:
  /// Connects to the broker at `url`. Throws ConfigError for a malformed URL, an unknown scheme
  /// or an unknown option, and ConnectionError when the broker cannot be reached.
  static Client connect(std::string_view url);
  /// Connects using a YAML config file (see Config); UNIMQ_URL overrides its broker.
  static Client from_config(const std::filesystem::path& path);
  /// Connects using an already parsed config.
  static Client from_config(Config config);

  /// A topic handle; settings come from `options`, or from the config's `topics` entry.
  Topic topic(std::string name) const;
  /// A topic handle with explicit settings.
  Topic topic(std::string name, TopicOptions options) const;
  /// The consumer named `name` in the config; ConfigError when there is none.
  Consumer consumer(std::string_view name) const;
  /// The producer named `name` in the config; ConfigError when there is none.
  Producer producer(std::string_view name) const;

  /// Sends `request` to `topic` and returns a future for the first reply. The request carries a
  /// correlation id and this client's private reply inbox (opened on first use, removed on
  /// close) in headers. The future fails with TimeoutError when no reply came within
  /// `timeout` (also when nobody serves `topic`), with the publish error when the request could
  /// not be sent, or with ClosedError when the client closes first. A reply arriving after the
  /// deadline is dropped and counted (late_replies()), never handed to another call.
  ///
  ///     auto price = client.request("prices", unimq::Message("sku-7"), 2s).get();
  std::future<Message> request(const std::string& topic, Message request,
                               std::chrono::milliseconds timeout) const;
  /// Scatter-gather: sends `request` to `topic` and returns every reply received until
  /// `timeout`, or until `max_replies` arrived (0 = wait for the whole timeout). No reply is an
  /// empty vector, not an error. Replies come from every group serving `topic`.
  std::future<std::vector<Message>> scatter(const std::string& topic, Message request,
                                            std::chrono::milliseconds timeout,
                                            std::size_t max_replies = 0) const;
  /// Serves requests sent to `topic`: a started consumer (in `group`, so responders of one
  /// group share the requests; empty = every responder gets each request) whose `handler`
  /// returns the reply, which goes back to the requester with its correlation id. The reply is
  /// confirmed by the broker before the request is acknowledged; a handler that throws gets the
  /// consumer's retry and dead-letter policies, and no reply is sent. `options.group` is
  /// replaced by `group`. Stopping or destroying the returned consumer stops serving.
  Consumer serve(std::string topic, std::string group, ReplyHandler handler,
                 ConsumerOptions options = {}) const;
  /// Replies dropped because they arrived after their request's deadline (or answered no
  /// request of this client).
  std::uint64_t late_replies() const;

  /// What the backend can do.
  const Capabilities& capabilities() const noexcept;
  /// The broker URL with the password redacted.
  const std::string& url() const noexcept;
  /// The configuration this client was made from (only `broker` for connect()).
  const Config& config() const noexcept;
  /// Closes the connection: producers and consumers made from it stop; later calls fail with
  /// ClosedError. Idempotent.
  void close();

 private:
  explicit Client(std::shared_ptr<detail::ClientCore> core) : core_(std::move(core)) {}
  std::shared_ptr<detail::ClientCore> core_;
};

}  // namespace unimq
