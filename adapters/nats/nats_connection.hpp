// The NATS adapter's shared connection state and the factories of its senders and receivers.
#pragma once

#include <nats/nats.h>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "nats_settings.hpp"
#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/driver.hpp"
#include "unimq/driver/send_queue.hpp"

namespace unimq::nats {

/// One JetStream publish waiting for its PubAck.
struct PendingPublish {
  std::uint64_t sender = 0;  ///< Which sender published it (for that sender's close()).
  /// Completion of its batch, shared by the batch's messages: a std::function copied per
  /// message would allocate per message.
  std::shared_ptr<const driver::SendCompletion> done;
  std::size_t index = 0;  ///< Its index in the batch.
};

/// Shared by a connection and everything opened from it; the cnats connection lives as long as
/// any of them. Thread-safe.
struct Shared {
  Settings settings;
  natsConnection* nc = nullptr;
  /// JetStream context for API calls, pull subscriptions and async publishes (its PubAck
  /// handler completes `pending`).
  jsCtx* js = nullptr;
  std::atomic<bool> closed{false};
  /// Whether `js` ever published asynchronously (cnats 3.4 crashes listing pending publishes of
  /// a context that never did).
  std::atomic<bool> async_used{false};

  /// Set once cnats reported the connection closed; ~Shared waits for it, because cnats calls
  /// the connection callbacks (which use this object) on its own thread after Close returns.
  bool nc_closed = false;
  /// Set while ~Shared closes the connection, so that disconnect is not logged as a failure.
  std::atomic<bool> closing{false};
  std::condition_variable closed_cv;

  std::mutex mu;
  std::condition_variable pending_cv;  ///< Signalled when `pending` shrinks.
  /// JetStream publishes awaiting PubAck, by the message cnats hands back with it.
  std::unordered_map<natsMsg*, PendingPublish> pending;
  /// Acknowledged messages not destroyed yet: cnats frees a message on its garbage-collector
  /// thread and wakes that thread for each one that finds it idle, so they go in groups.
  std::vector<natsMsg*> acknowledged;
  std::set<std::string> streams;  ///< Streams known to exist.
  std::vector<std::weak_ptr<driver::SendQueue>> core_senders;
  std::uint64_t next_sender = 0;
  /// Unsubscribed subscriptions not yet known to be unused by cnats' reader thread; freed
  /// after the connection closed.
  std::vector<natsSubscription*> retired;

  Shared() = default;
  Shared(const Shared&) = delete;
  Shared& operator=(const Shared&) = delete;
  /// Waits (bounded) for outstanding PubAcks, then closes and frees the cnats objects.
  ~Shared();

  /// Unsubscribes `sub` and frees it once cnats' reader thread cannot be using it any more.
  /// cnats 3.4.1 looks a subscription up for an incoming message and then uses it without a
  /// reference, so freeing it at once can be a use-after-free in that thread. After a flush
  /// round trip the reader has finished every message that came before the PONG; when no round
  /// trip is possible (closed or reconnecting), the subscription is freed in ~Shared instead.
  void retire(natsSubscription* sub);
};

/// natsConnection_FlushTimeout that returns NATS_OK only when the server answered the flush's
/// PING. cnats 3.4.1 reports success for a flush whose PING it could not write (a write deadline
/// that expired, a socket already shut down after one): its PING writer drops the write error
/// and the wait for a PONG that was never asked for ends at once. That write error is still
/// recorded as the calling thread's last error, which is what this checks.
natsStatus confirmed_flush(natsConnection* nc, std::int64_t timeout_ms);

/// Opens a connection for `url`: connects to one of its servers (and JetStream when asked).
std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url);

/// The JetStream stream that holds `topic`: the topic with characters stream names cannot
/// have replaced by '_' (plus a hash of the topic when anything was replaced, so two topics
/// never share a stream).
std::string stream_name(const std::string& topic);
/// A durable consumer name for `group` (same rules as stream names).
std::string durable_name(const std::string& group);
/// Makes sure the stream for `topic` exists (creating it unless declare=none). Throws.
void ensure_stream(Shared& shared, const std::string& topic);

/// A core NATS sender: publishes a round, then one flush round trip confirms it.
std::unique_ptr<driver::Sender> make_core_sender(const std::shared_ptr<Shared>& shared);
/// A JetStream sender: async publishes completed by PubAcks.
std::unique_ptr<driver::Sender> make_js_sender(const std::shared_ptr<Shared>& shared);
/// A core subscriber (queue subscriber for a group); subscribed when this returns.
std::unique_ptr<driver::Receiver> make_core_receiver(std::shared_ptr<Shared> shared,
                                                     const driver::ReceiverSpec& spec);
/// A JetStream pull consumer; the durable consumer exists when this returns.
std::unique_ptr<driver::Receiver> make_js_receiver(std::shared_ptr<Shared> shared,
                                                   const driver::ReceiverSpec& spec);

}  // namespace unimq::nats
