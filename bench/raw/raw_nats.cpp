// cnats as unimq's NATS adapter drives it. Core: natsConnection_Publish per message and one
// flush (PING/PONG) per window of batch_size messages as the confirmation; an asynchronous
// subscription. JetStream: a file-storage stream per topic, js_PublishAsync with 65 536 pending
// and js_PublishAsyncComplete as the confirmation; an ephemeral pull consumer (deliver new,
// explicit ack, max_ack_pending = max_in_flight) fetching batches of max_in_flight (at most
// 4 MiB) as the adapter asks for them: a no-wait request with an expiry, which returns what is
// there at once and waits only when nothing is; each message acked after the handler.
#include <nats/nats.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "raw/raw_clients.hpp"
#include "unimq/driver/broker_url.hpp"

namespace unimq::bench {
namespace {

void check(natsStatus st, const std::string& what) {
  if (st != NATS_OK) {
    throw std::runtime_error("raw nats: " + what + ": " + natsStatus_GetText(st) + " " +
                             nats_GetLastError(nullptr));
  }
}

// The stream of a topic, named as the adapter names it (characters a stream name cannot hold
// become '_').
std::string stream_of(const std::string& topic) {
  std::string name = topic;
  for (char& c : name) {
    if (c == '.' || c == '*' || c == '>' || c == '/' || c == '\\' || c == ' ') c = '_';
  }
  return name;
}

struct Connection {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~Connection() {
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) {
      natsConnection_Close(nc);
      natsConnection_Destroy(nc);
    }
  }
};

class CorePublisher final : public Publisher {
 public:
  CorePublisher(natsConnection* nc, std::string subject, std::size_t window)
      : nc_(nc), subject_(std::move(subject)), window_(window) {}
  void send(std::string_view payload) override {
    check(natsConnection_Publish(nc_, subject_.c_str(), payload.data(),
                                 static_cast<int>(payload.size())),
          "publish");
    if (++unflushed_ >= window_) confirm_all(std::chrono::seconds{10});
  }
  // The adapter confirms a round of one message with a flush; so does this.
  void push() override { confirm_all(std::chrono::seconds{10}); }
  void confirm_all(std::chrono::seconds stall) override {
    if (unflushed_ == 0) return;
    check(natsConnection_FlushTimeout(nc_, stall.count() * 1000), "flush");
    unflushed_ = 0;
  }

 private:
  natsConnection* nc_;
  const std::string subject_;
  const std::size_t window_;
  std::size_t unflushed_ = 0;
};

class JsPublisher final : public Publisher {
 public:
  JsPublisher(jsCtx* js, std::string subject) : js_(js), subject_(std::move(subject)) {}
  void send(std::string_view payload) override {
    check(js_PublishAsync(js_, subject_.c_str(), payload.data(), static_cast<int>(payload.size()),
                          nullptr),
          "js_PublishAsync");
  }
  void confirm_all(std::chrono::seconds stall) override {
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = stall.count() * 1000;
    check(js_PublishAsyncComplete(js_, &po), "js_PublishAsyncComplete");
    natsMsgList failed{};
    if (js_PublishAsyncGetPendingList(&failed, js_) == NATS_OK) {
      const int n = failed.Count;
      natsMsgList_Destroy(&failed);
      if (n > 0) throw std::runtime_error("raw nats: " + std::to_string(n) + " publishes failed");
    }
  }

 private:
  jsCtx* js_;
  const std::string subject_;
};

class CoreSubscription final : public Subscription {
 public:
  CoreSubscription(natsConnection* nc, const std::string& subject, OnMessage fn)
      : fn_(std::move(fn)) {
    check(natsConnection_Subscribe(&sub_, nc, subject.c_str(), &CoreSubscription::on_msg, this),
          "subscribe");
    check(natsConnection_Flush(nc), "flush");  // the server knows the subscription
  }
  ~CoreSubscription() override {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_WaitForDrainCompletion(sub_, 1000);
    natsSubscription_Destroy(sub_);
  }

 private:
  static void on_msg(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<CoreSubscription*>(closure);
    self->fn_(std::string_view(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
  }

  OnMessage fn_;
  natsSubscription* sub_ = nullptr;
};

class PullSubscription final : public Subscription {
 public:
  PullSubscription(jsCtx* js, const std::string& subject, int batch, OnMessage fn)
      : batch_(batch), fn_(std::move(fn)) {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    const std::string stream = stream_of(subject);
    so.Stream = stream.c_str();
    so.ManualAck = true;
    so.Config.DeliverPolicy = js_DeliverNew;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.MaxAckPending = batch;
    jsErrCode code{};
    check(js_PullSubscribe(&sub_, js, subject.c_str(), nullptr, nullptr, &so, &code),
          "js_PullSubscribe");
    thread_ = std::thread([this] { pull(); });
  }
  ~PullSubscription() override {
    stop_ = true;
    thread_.join();
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }

 private:
  void pull() {
    while (!stop_) {
      natsMsgList list{};
      jsFetchRequest req;
      jsFetchRequest_Init(&req);
      req.Batch = batch_;
      req.MaxBytes = pull_bytes_;
      // Without NoWait the server would hold the request until the whole batch is there or it
      // expires, so at a rate below saturation every message would wait up to the expiry.
      req.NoWait = true;
      req.Expires = std::int64_t{100} * 1000000;  // 100 ms
      const natsStatus st = natsSubscription_FetchRequest(&list, sub_, &req);
      if (st != NATS_OK) continue;  // timeout: nothing within 100 ms
      for (int i = 0; i < list.Count; ++i) {
        natsMsg* m = list.Msgs[i];
        fn_(std::string_view(natsMsg_GetData(m), natsMsg_GetDataLength(m)));
        natsMsg_Ack(m, nullptr);
      }
      natsMsgList_Destroy(&list);
    }
  }

  const int batch_;
  // As the adapter: at most 4 MiB per pull (the server drops a client with 64 MiB pending).
  const std::int64_t pull_bytes_ = std::int64_t{4} << 20;
  OnMessage fn_;
  natsSubscription* sub_ = nullptr;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class RawNats final : public Impl {
 public:
  RawNats(const driver::BrokerUrl& url, const Options& o)
      : jetstream_(url.option_bool("jetstream", false)),
        window_(o.batch_size),
        batch_(static_cast<int>(std::min<std::uint32_t>(o.max_in_flight, 65536))) {
    const auto& h = url.hosts.at(0);
    const std::string server =
        "nats://" + h.host + ":" + std::to_string(h.port != 0 ? h.port : 4222);
    check(natsConnection_ConnectTo(&connection_.nc, server.c_str()), "connect to " + server);
    if (jetstream_) {
      jsOptions jo;
      jsOptions_Init(&jo);
      jo.PublishAsync.MaxPending = 65536;
      check(natsConnection_JetStream(&connection_.js, connection_.nc, &jo), "JetStream");
    }
  }
  std::string name() const override { return "raw"; }
  std::unique_ptr<Publisher> publisher(const std::string& topic) override {
    if (!jetstream_) return std::make_unique<CorePublisher>(connection_.nc, topic, window_);
    ensure_stream(topic);
    return std::make_unique<JsPublisher>(connection_.js, topic);
  }
  std::unique_ptr<Subscription> subscribe(const std::string& topic, OnMessage fn) override {
    if (!jetstream_)
      return std::make_unique<CoreSubscription>(connection_.nc, topic, std::move(fn));
    ensure_stream(topic);
    return std::make_unique<PullSubscription>(connection_.js, topic, batch_, std::move(fn));
  }

 private:
  void ensure_stream(const std::string& topic) {
    const std::string name = stream_of(topic);
    jsStreamInfo* info = nullptr;
    jsErrCode code{};
    if (js_GetStreamInfo(&info, connection_.js, name.c_str(), nullptr, &code) == NATS_OK) {
      jsStreamInfo_Destroy(info);
      return;
    }
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const char* subjects[] = {topic.c_str()};
    cfg.Name = name.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    check(js_AddStream(&info, connection_.js, &cfg, nullptr, &code), "js_AddStream " + name);
    jsStreamInfo_Destroy(info);
  }

  Connection connection_;
  const bool jetstream_;
  const std::size_t window_;
  const int batch_;
};

}  // namespace

std::unique_ptr<Impl> make_raw_nats(const Options& o) {
  return std::make_unique<RawNats>(driver::BrokerUrl::parse(o.url), o);
}

}  // namespace unimq::bench
