// The entry point: a connection to one broker, chosen by URL or config file.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "unimq/capabilities.hpp"
#include "unimq/config.hpp"
#include "unimq/consumer.hpp"
#include "unimq/producer.hpp"
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
