// The NATS Connection: cnats options from the URL, connect, capabilities, JetStream streams.
#include "nats_connection.hpp"

#include <nats/nats.h>

#include <cstdio>

#include "internal/log.hpp"
#include "nats_message.hpp"
#include "unimq/error.hpp"

namespace unimq::nats {
namespace {

// Room left for headers under the server's max_payload (which counts headers too).
constexpr std::size_t header_allowance = 4096;

std::string sanitized(const std::string& name) {
  std::string out = name;
  bool changed = false;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7f || c == '.' || c == '*' || c == '>' || c == '/' || c == '\\') {
      c = '_';
      changed = true;
    }
  }
  if (changed) {
    std::uint32_t h = 2166136261u;  // FNV-1a
    for (unsigned char c : name) h = (h ^ c) * 16777619u;
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", h);
    out += "_";
    out += hex;
  }
  return out;
}

// cnats callbacks run on its own threads; they only log.
void on_disconnected(natsConnection*, void* closure) {
  auto* shared = static_cast<Shared*>(closure);
  if (shared->closing.load()) return;  // our own close, not a failure
  detail::log_warn("nats: disconnected from " + shared->settings.display + "; reconnecting");
}
void on_closed(natsConnection*, void* closure) {
  auto* shared = static_cast<Shared*>(closure);
  // Notified under the lock: the waiter in ~Shared destroys the condition variable as soon as
  // it sees the flag, so nothing may touch `shared` after the lock is released.
  std::lock_guard lock(shared->mu);
  shared->nc_closed = true;
  shared->closed_cv.notify_all();
}
void on_reconnected(natsConnection*, void* closure) {
  detail::log_info("nats: reconnected to " + static_cast<Shared*>(closure)->settings.display);
}
void on_async_error(natsConnection*, natsSubscription*, natsStatus err, void* closure) {
  detail::log_warn("nats: asynchronous error on " +
                   static_cast<Shared*>(closure)->settings.display + ": " + status_text(err));
}

// PubAck (or its failure) of a JetStream async publish: completes the message's future.
void on_pub_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  auto* shared = static_cast<Shared*>(closure);
  PendingPublish p;
  bool found = false;
  std::vector<natsMsg*> destroy;
  {
    std::lock_guard lock(shared->mu);
    if (auto it = shared->pending.find(msg); it != shared->pending.end()) {
      p = std::move(it->second);
      shared->pending.erase(it);
      found = true;
      shared->pending_cv.notify_all();  // a closing sender waits for its publishes
    }
    // The group is destroyed when it is full or nothing more is awaited, so an idle
    // connection keeps none.
    constexpr std::size_t kDestroyGroup = 256;
    if (shared->acknowledged.empty()) shared->acknowledged.reserve(kDestroyGroup);
    shared->acknowledged.push_back(msg);
    if (shared->acknowledged.size() >= kDestroyGroup || shared->pending.empty()) {
      destroy.swap(shared->acknowledged);
    }
  }
  if (found) {
    driver::SendResult r;
    if (pa != nullptr) {
      r.receipt.message_id = std::to_string(pa->Sequence);
      r.receipt.offset = static_cast<std::int64_t>(pa->Sequence);
    } else {
      const natsStatus err = pae != nullptr ? pae->Err : NATS_ERR;
      std::string why = "nats: JetStream did not store the message: " + status_text(err);
      if (pae != nullptr && pae->ErrText != nullptr) why += std::string(" (") + pae->ErrText + ")";
      if (err == NATS_NO_RESPONDERS) {
        // No stream takes the subject: the server lost it (memory storage, wiped store).
        // Forget it, so the next batch's ensure_stream() creates it again.
        std::lock_guard lock(shared->mu);
        shared->streams.erase(stream_name(natsMsg_GetSubject(msg)));
      }
      const auto kind = classify(err);
      r.error = driver::DriverError{kind, why};
      if (kind == driver::ErrorKind::retryable || kind == driver::ErrorKind::timeout) {
        r.message = from_nats(msg);  // handed back for the producer's retry policy
      }
    }
    (*p.done)(p.index, std::move(r));
  }
  for (natsMsg* m : destroy) natsMsg_Destroy(m);
}

Capabilities capabilities_for(const Settings& s, std::size_t max_payload) {
  Capabilities c;
  c.system = "nats";
  c.consumer_groups = true;
  c.native_headers = true;
  c.ordering = OrderingScope::topic;
  c.request_reply = true;  // core request/reply with inbox subjects, in both modes
  c.max_payload = max_payload > header_allowance ? max_payload - header_allowance : max_payload;
  if (s.jetstream) {
    c.guarantee = DeliveryGuarantee::at_least_once;
    c.durable = !s.memory_storage;
    c.nack = true;
    c.delayed_redelivery = true;
    c.delivery_count = true;
    c.replay = true;
  }
  return c;
}

class NatsConnection final : public driver::Connection {
 public:
  NatsConnection(std::shared_ptr<Shared> shared, Capabilities caps)
      : shared_(std::move(shared)), caps_(std::move(caps)) {}
  ~NatsConnection() override { close(); }

  const Capabilities& capabilities() const noexcept override { return caps_; }

  std::string hint(std::string_view capability) const override {
    if (!shared_->settings.jetstream) {
      return "NATS core delivers at most once; add jetstream=true to the URL for "
             "acknowledgements, redelivery and replay (capability '" +
             std::string(capability) + "')";
    }
    return {};
  }

  void ensure_topic(const driver::TopicSpec& topic) override {
    if (shared_->settings.jetstream) ensure_stream(*shared_, topic.name);
  }

  Message request(const std::string& topic, const Message& request,
                  std::chrono::milliseconds timeout) override {
    if (shared_->closed.load()) throw ClosedError("nats connection is closed");
    auto msg = to_nats(topic, request);
    natsMsg* reply = nullptr;
    const natsStatus st = natsConnection_RequestMsg(&reply, shared_->nc, msg.get(),
                                                    std::max<std::int64_t>(timeout.count(), 1));
    MsgPtr owned(reply);
    if (st == NATS_OK) return from_nats(owned.get());
    if (st == NATS_TIMEOUT || st == NATS_NO_RESPONDERS) {
      throw TimeoutError("nats: no reply to a request on '" + topic + "' within " +
                         std::to_string(timeout.count()) + "ms" +
                         (st == NATS_NO_RESPONDERS ? " (nobody serves it)" : ""));
    }
    if (st == NATS_CONNECTION_CLOSED) throw ClosedError("nats connection is closed");
    throw ConnectionError("nats: request on '" + topic + "' failed: " + status_text(st));
  }

  // Replies travel over core NATS in both modes: an inbox subject is private and short-lived,
  // so a JetStream stream for it would only add storage and a PubAck round trip.
  driver::Inbox open_inbox() override {
    if (shared_->closed.load()) throw ClosedError("nats connection is closed");
    natsInbox* inbox = nullptr;
    if (const natsStatus st = natsInbox_Create(&inbox); st != NATS_OK) {
      throw ConnectionError("nats: cannot create an inbox: " + status_text(st));
    }
    driver::Inbox out;
    out.address = inbox;
    natsInbox_Destroy(inbox);
    driver::ReceiverSpec spec;
    spec.topic = out.address;
    out.receiver = make_core_receiver(shared_, spec);
    return out;
  }

  std::unique_ptr<driver::Sender> open_reply_sender() override {
    if (shared_->closed.load()) throw ClosedError("nats connection is closed");
    return make_core_sender(shared_);
  }

  std::unique_ptr<driver::Sender> open_sender() override {
    if (shared_->closed.load()) throw ClosedError("nats connection is closed");
    return shared_->settings.jetstream ? make_js_sender(shared_) : make_core_sender(shared_);
  }

  std::unique_ptr<driver::Receiver> open_receiver(const driver::ReceiverSpec& spec) override {
    if (shared_->closed.load()) throw ClosedError("nats connection is closed");
    if (spec.topic.empty()) throw ConfigError("nats receiver: topic name is empty");
    return shared_->settings.jetstream ? make_js_receiver(shared_, spec)
                                       : make_core_receiver(shared_, spec);
  }

  void close() override {
    std::vector<std::weak_ptr<driver::SendQueue>> senders;
    {
      std::lock_guard lock(shared_->mu);
      if (shared_->closed.exchange(true)) return;
      senders.swap(shared_->core_senders);
    }
    for (auto& w : senders) {
      if (auto s = w.lock()) s->close();
    }
    detail::log_debug("nats: closed connection to " + shared_->settings.display);
  }

 private:
  std::shared_ptr<Shared> shared_;
  Capabilities caps_;
};

// natsOptions with the URL's servers, credentials and passthrough settings.
struct OptionsDeleter {
  void operator()(natsOptions* o) const noexcept { natsOptions_Destroy(o); }
};

std::unique_ptr<natsOptions, OptionsDeleter> make_options(Shared& shared) {
  const Settings& s = shared.settings;
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) throw ConnectionError("nats: out of memory");
  std::unique_ptr<natsOptions, OptionsDeleter> opts(raw);
  std::vector<const char*> servers;
  for (const auto& server : s.servers) servers.push_back(server.c_str());
  natsStatus st =
      natsOptions_SetServers(opts.get(), servers.data(), static_cast<int>(servers.size()));
  if (st == NATS_OK && !s.user.empty()) {
    st = s.password.empty()
             ? natsOptions_SetToken(opts.get(), s.user.c_str())
             : natsOptions_SetUserInfo(opts.get(), s.user.c_str(), s.password.c_str());
  }
  if (st == NATS_OK) st = natsOptions_SetName(opts.get(), "unimq");
  if (st == NATS_OK) st = natsOptions_SetTimeout(opts.get(), s.connect_timeout.count());
  if (st == NATS_OK) st = natsOptions_SetReconnectWait(opts.get(), s.reconnect_wait.count());
  if (st == NATS_OK) st = natsOptions_SetMaxReconnect(opts.get(), s.max_reconnect);
  if (st == NATS_OK) st = natsOptions_SetPingInterval(opts.get(), s.ping_interval.count());
  if (st == NATS_OK) st = natsOptions_SetDisconnectedCB(opts.get(), on_disconnected, &shared);
  if (st == NATS_OK) st = natsOptions_SetReconnectedCB(opts.get(), on_reconnected, &shared);
  if (st == NATS_OK) st = natsOptions_SetErrorHandler(opts.get(), on_async_error, &shared);
  if (st == NATS_OK) st = natsOptions_SetClosedCB(opts.get(), on_closed, &shared);
  // A server that stops reading must not block a writer for ever: cnats writes under the
  // connection's lock, so a blocked write also stops its ping timer from noticing the stale
  // connection, and every publish, flush and close waits behind it.
  if (st == NATS_OK) st = natsOptions_SetWriteDeadline(opts.get(), s.api_timeout.count());
  if (st != NATS_OK) {
    throw ConfigError("broker URL '" + s.display + "': " + status_text(st) + ": " +
                      nats_GetLastError(nullptr));
  }
  return opts;
}

}  // namespace

Shared::~Shared() {
  if (js != nullptr && async_used.load()) {
    // Give outstanding PubAcks a moment; anything left is dropped with the connection (its
    // futures already failed when their sender closed).
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = settings.api_timeout.count();
    js_PublishAsyncComplete(js, &po);
    natsMsgList left{};
    if (js_PublishAsyncGetPendingList(&left, js) == NATS_OK) natsMsgList_Destroy(&left);
  }
  if (nc != nullptr) {
    closing.store(true);
    natsConnection_Close(nc);
    // The closed callback is the last one cnats makes for this connection; after it, nothing
    // of cnats' refers to this object any more.
    std::unique_lock lock(mu);
    closed_cv.wait_for(lock, std::chrono::seconds{10}, [&] { return nc_closed; });
  }
  // The reader thread is gone once the connection closed.
  for (natsSubscription* sub : retired) natsSubscription_Destroy(sub);
  for (natsMsg* m : acknowledged) natsMsg_Destroy(m);
  if (js != nullptr) jsCtx_Destroy(js);
  if (nc != nullptr) natsConnection_Destroy(nc);
}

void Shared::retire(natsSubscription* sub) {
  if (sub == nullptr) return;
  natsSubscription_Unsubscribe(sub);  // no new message is routed to it from here on
  if (natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED &&
      confirmed_flush(nc, settings.api_timeout.count()) == NATS_OK) {
    natsSubscription_Destroy(sub);
    return;
  }
  std::lock_guard lock(mu);
  retired.push_back(sub);
}

natsStatus confirmed_flush(natsConnection* nc, std::int64_t timeout_ms) {
  // A flush without a connection fails at once and makes NATS_INVALID_ARG this thread's last
  // error: whatever the real flush records after it was recorded by that flush.
  (void)natsConnection_FlushTimeout(nullptr, timeout_ms);
  const natsStatus st = natsConnection_FlushTimeout(nc, timeout_ms);
  if (st != NATS_OK) return st;
  natsStatus last = NATS_OK;
  (void)nats_GetLastError(&last);
  return last == NATS_INVALID_ARG || last == NATS_OK ? NATS_OK : last;
}

std::string stream_name(const std::string& topic) {
  return sanitized(topic);
}

std::string durable_name(const std::string& group) {
  return sanitized(group);
}

void ensure_stream(Shared& shared, const std::string& topic) {
  const std::string name = stream_name(topic);
  {
    std::lock_guard lock(shared.mu);
    if (shared.streams.count(name) != 0) return;
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = shared.settings.api_timeout.count();
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus st = js_GetStreamInfo(&info, shared.js, name.c_str(), &jo, &code);
  if (st == NATS_OK) {
    jsStreamInfo_Destroy(info);
  } else if (st == NATS_NOT_FOUND) {
    if (!shared.settings.declare) {
      throw ConfigError("nats: JetStream stream '" + name + "' for topic '" + topic +
                        "' does not exist and declare=none forbids creating it");
    }
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {topic.c_str()};
    cfg.Name = name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = shared.settings.memory_storage ? js_MemoryStorage : js_FileStorage;
    cfg.Retention = static_cast<jsRetentionPolicy>(shared.settings.retention);
    cfg.MaxAge = shared.settings.max_age.count() * 1000000;  // nanoseconds
    cfg.Replicas = shared.settings.replicas;
    st = js_AddStream(&info, shared.js, &cfg, &jo, &code);
    if (st == NATS_OK) {
      jsStreamInfo_Destroy(info);
      detail::log_info("nats: created JetStream stream '" + name + "' for '" + topic + "'");
    } else if (code != JSStreamNameExistErr) {  // created meanwhile by someone else
      throw ConnectionError("nats: cannot create JetStream stream '" + name +
                            "': " + status_text(st) + " " + nats_GetLastError(nullptr));
    }
  } else {
    throw ConnectionError("nats: cannot look up JetStream stream '" + name +
                          "': " + status_text(st) + " " + nats_GetLastError(nullptr));
  }
  std::lock_guard lock(shared.mu);
  shared.streams.insert(name);
}

std::unique_ptr<driver::Connection> connect(const driver::BrokerUrl& url) {
  auto shared = std::make_shared<Shared>();
  shared->settings = parse_settings(url);
  auto opts = make_options(*shared);
  natsConnection* nc = nullptr;
  natsStatus st = natsConnection_Connect(&nc, opts.get());
  if (st != NATS_OK) {
    throw ConnectionError("nats: cannot connect to " + shared->settings.display + ": " +
                          status_text(st));
  }
  shared->nc = nc;
  if (shared->settings.jetstream) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = shared->settings.api_timeout.count();
    jo.PublishAsync.AckHandler = on_pub_ack;
    jo.PublishAsync.AckHandlerClosure = shared.get();
    jo.PublishAsync.MaxPending = 65536;
    jo.PublishAsync.StallWait = shared->settings.api_timeout.count();
    st = natsConnection_JetStream(&shared->js, nc, &jo);
    if (st != NATS_OK) {
      throw ConnectionError("nats: cannot use JetStream on " + shared->settings.display + ": " +
                            status_text(st));
    }
    jsAccountInfo* account = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    st = js_GetAccountInfo(&account, shared->js, &jo, &code);
    if (st != NATS_OK) {
      throw ConnectionError("nats: JetStream is not available on " + shared->settings.display +
                            " (start nats-server with -js): " + status_text(st));
    }
    jsAccountInfo_Destroy(account);
  }
  const auto max_payload = static_cast<std::size_t>(natsConnection_GetMaxPayload(nc));
  detail::log_info("nats: connected to " + shared->settings.display);
  auto caps = capabilities_for(shared->settings, max_payload);
  return std::make_unique<NatsConnection>(std::move(shared), std::move(caps));
}

}  // namespace unimq::nats
