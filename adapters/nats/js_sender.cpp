// JetStream publishing: js_PublishMsgAsync per message; the connection's PubAck handler
// (nats_connection.cpp) completes each future from the server's acknowledgement or its failure
// (including cnats' own timeout after api_timeout), so no future waits for ever.
#include <nats/nats.h>

#include <memory>
#include <vector>

#include "nats_connection.hpp"
#include "nats_message.hpp"
#include "unimq/error.hpp"

namespace unimq::nats {
namespace {

class JsSender final : public driver::Sender {
 public:
  explicit JsSender(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {
    std::lock_guard lock(shared_->mu);
    id_ = ++shared_->next_sender;
  }
  ~JsSender() override { close(); }

  void send(const std::string& topic, std::vector<Message> batch,
            driver::SendCompletion on_complete) override {
    std::string unavailable;
    auto unavailable_kind = driver::ErrorKind::retryable;
    try {
      ensure_stream(*shared_, topic);  // a set lookup unless the stream went missing
    } catch (const ConfigError& e) {
      unavailable = e.what();  // missing and declare=none: sending again will not help
      unavailable_kind = driver::ErrorKind::not_found;
    } catch (const Error& e) {
      unavailable = e.what();
    }
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = shared_->settings.api_timeout.count();
    // The batch's messages are converted first and registered under one lock (a PubAck may
    // arrive before js_PublishMsgAsync returns, so registering comes first): a lock per message
    // contended with the PubAck handler, which takes the same lock for every acknowledgement.
    std::vector<MsgPtr> msgs(batch.size());
    auto done = std::make_shared<const driver::SendCompletion>(std::move(on_complete));
    for (std::size_t i = 0; i < batch.size(); ++i) {
      driver::SendResult r;
      if (closed_.load() || shared_->closed.load()) {
        r.error = driver::DriverError{driver::ErrorKind::closed, "nats sender is closed"};
      } else if (!unavailable.empty()) {
        r.error = driver::DriverError{unavailable_kind, unavailable};
        if (unavailable_kind == driver::ErrorKind::retryable) r.message = std::move(batch[i]);
      } else {
        try {
          msgs[i] = to_nats(topic, batch[i]);
          continue;
        } catch (const Error& e) {
          r.error = driver::DriverError{driver::ErrorKind::permanent, e.what()};
        }
      }
      (*done)(i, std::move(r));
    }
    {
      std::lock_guard lock(shared_->mu);
      for (std::size_t i = 0; i < msgs.size(); ++i) {
        if (msgs[i]) shared_->pending[msgs[i].get()] = PendingPublish{id_, done, i};
      }
    }
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      if (!msgs[i]) continue;
      natsMsg* key = msgs[i].get();
      if (closed_.load() || shared_->closed.load()) {
        // close() may already have failed it (it fails every registered message of this
        // sender); whoever takes it out of `pending` completes it.
        if (unregister(key)) {
          driver::SendResult r;
          r.error = driver::DriverError{driver::ErrorKind::closed, "nats sender is closed"};
          (*done)(i, std::move(r));
        }
        continue;
      }
      shared_->async_used.store(true);
      natsMsg* raw = msgs[i].release();
      const natsStatus st = js_PublishMsgAsync(shared_->js, &raw, &po);
      if (st == NATS_OK) continue;  // cnats owns the message now
      natsMsg_Destroy(raw);
      if (!unregister(key)) continue;
      driver::SendResult r;
      const auto kind = classify(st);
      r.error = driver::DriverError{
          kind, "nats: JetStream publish to '" + topic + "' failed: " + status_text(st)};
      if (kind == driver::ErrorKind::retryable || kind == driver::ErrorKind::timeout) {
        r.message = std::move(batch[i]);
      }
      (*done)(i, std::move(r));
    }
  }

  // Waits (bounded by api_timeout) for this sender's PubAcks, then fails what is left.
  void close() override {
    if (closed_.exchange(true)) return;
    std::vector<PendingPublish> left;
    {
      std::unique_lock lock(shared_->mu);
      const auto mine = [&] {
        for (const auto& [msg, p] : shared_->pending) {
          if (p.sender == id_) return true;
        }
        return false;
      };
      shared_->pending_cv.wait_for(lock, shared_->settings.api_timeout, [&] { return !mine(); });
      for (auto it = shared_->pending.begin(); it != shared_->pending.end();) {
        if (it->second.sender == id_) {
          left.push_back(std::move(it->second));
          it = shared_->pending.erase(it);  // a late PubAck finds nothing and is dropped
        } else {
          ++it;
        }
      }
    }
    for (auto& p : left) {
      driver::SendResult r;
      r.error = driver::DriverError{driver::ErrorKind::closed,
                                    "nats sender closed before JetStream acknowledged"};
      (*p.done)(p.index, std::move(r));
    }
  }

 private:
  // Takes a message cnats does not own out of `pending`; false if close() already completed it.
  bool unregister(natsMsg* key) {
    std::lock_guard lock(shared_->mu);
    if (shared_->pending.erase(key) == 0) return false;
    shared_->pending_cv.notify_all();  // a closing sender waits for its registered messages
    return true;
  }

  std::shared_ptr<Shared> shared_;
  std::uint64_t id_ = 0;
  std::atomic<bool> closed_{false};
};

}  // namespace

std::unique_ptr<driver::Sender> make_js_sender(const std::shared_ptr<Shared>& shared) {
  return std::make_unique<JsSender>(shared);
}

}  // namespace unimq::nats
