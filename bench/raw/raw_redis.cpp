// hiredis as unimq's Redis adapter drives it: one publishing connection pipelining a window of
// PUBLISH or XADD commands (the producer's batch_size) and reading their replies before the next
// window; one consuming connection per subscription reading SUBSCRIBE pushes, or XREADGROUP
// batches of up to 1024 entries whose ids go back in one XACK (pipelined with the next read).
#include <hiredis/hiredis.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "raw/raw_clients.hpp"
#include "unimq/driver/broker_url.hpp"

namespace unimq::bench {
namespace {

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

struct Target {
  std::string host;
  int port = 6379;
  std::string password;
  bool streams = false;
};

class RedisConnection {
 public:
  explicit RedisConnection(const Target& t) : ctx_(redisConnect(t.host.c_str(), t.port)) {
    if (ctx_ == nullptr || ctx_->err != 0) {
      throw std::runtime_error("raw redis: cannot connect to " + t.host + ":" +
                               std::to_string(t.port) + ": " +
                               (ctx_ != nullptr ? ctx_->errstr : "out of memory"));
    }
    if (!t.password.empty()) command({"AUTH", t.password});
  }
  ~RedisConnection() { redisFree(ctx_); }
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  redisContext* get() const { return ctx_; }

  void append(const std::vector<std::string_view>& args) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), lens.data()) !=
        REDIS_OK) {
      throw std::runtime_error(std::string("raw redis: append failed: ") + ctx_->errstr);
    }
  }

  // Reads one reply; throws on I/O errors and, when `check`, on an error reply.
  ReplyPtr read(bool check = true) {
    void* reply = nullptr;
    if (redisGetReply(ctx_, &reply) != REDIS_OK || reply == nullptr) {
      throw std::runtime_error(std::string("raw redis: ") + ctx_->errstr);
    }
    ReplyPtr r(static_cast<redisReply*>(reply), &freeReplyObject);
    if (check && r->type == REDIS_REPLY_ERROR) {
      throw std::runtime_error("raw redis: " + std::string(r->str, r->len));
    }
    return r;
  }

  ReplyPtr command(const std::vector<std::string_view>& args) {
    append(args);
    return read();
  }

 private:
  redisContext* ctx_;
};

class RedisPublisher final : public Publisher {
 public:
  RedisPublisher(const Target& t, std::string topic, std::size_t window)
      : connection_(t), topic_(std::move(topic)), streams_(t.streams), window_(window) {}

  void send(std::string_view payload) override {
    if (streams_) {
      connection_.append({"XADD", topic_, "*", "payload", payload});
    } else {
      connection_.append({"PUBLISH", topic_, payload});
    }
    if (++unread_ >= window_) read_replies();
  }

  void push() override {
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(connection_.get(), &done) != REDIS_OK) {
        throw std::runtime_error(std::string("raw redis: ") + connection_.get()->errstr);
      }
    }
  }

  void confirm_all(std::chrono::seconds /*stall: replies come or the connection fails*/) override {
    read_replies();
  }

 private:
  void read_replies() {
    for (; unread_ > 0; --unread_) connection_.read();
  }

  RedisConnection connection_;
  const std::string topic_;
  const bool streams_;
  const std::size_t window_;
  std::size_t unread_ = 0;
};

class RedisSubscription final : public Subscription {
 public:
  RedisSubscription(const Target& t, const std::string& topic, OnMessage on_message)
      : connection_(t), topic_(topic), on_message_(std::move(on_message)) {
    if (t.streams) {
      static std::atomic<unsigned> seq{0};
      group_ = "raw-bench-" + std::to_string(++seq);
      connection_.command({"XGROUP", "CREATE", topic_, group_, "$", "MKSTREAM"});
      thread_ = std::thread([this] { read_stream(); });
    } else {
      connection_.command({"SUBSCRIBE", topic_});
      // A bounded read lets the thread see the stop flag.
      const timeval tick{0, 100'000};
      redisSetTimeout(connection_.get(), tick);
      thread_ = std::thread([this] { read_channel(); });
    }
  }
  ~RedisSubscription() override {
    stop_ = true;
    thread_.join();
  }

 private:
  void read_channel() {
    while (!stop_) {
      void* reply = nullptr;
      if (redisGetReply(connection_.get(), &reply) != REDIS_OK) return;  // stopping (timeout)
      ReplyPtr r(static_cast<redisReply*>(reply), &freeReplyObject);
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 3) {
        on_message_(std::string_view(r->element[2]->str, r->element[2]->len));
      }
    }
  }

  void read_stream() {
    std::vector<std::string> ids;
    while (!stop_) {
      const bool acking = !ids.empty();
      if (acking) {
        std::vector<std::string_view> ack{"XACK", topic_, group_};
        ack.insert(ack.end(), ids.begin(), ids.end());
        connection_.append(ack);
      }
      connection_.append({"XREADGROUP", "GROUP", group_, "bench", "COUNT", "1024", "BLOCK", "100",
                          "STREAMS", topic_, ">"});
      if (acking) connection_.read();
      ids.clear();
      const auto reply = connection_.read();
      if (reply->type != REDIS_REPLY_ARRAY) continue;  // nil: nothing within BLOCK
      const redisReply* entries = reply->element[0]->element[1];
      for (std::size_t i = 0; i < entries->elements; ++i) {
        const redisReply* entry = entries->element[i];
        ids.emplace_back(entry->element[0]->str, entry->element[0]->len);
        const redisReply* fields = entry->element[1];
        for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
          if (std::string_view(fields->element[f]->str, fields->element[f]->len) == "payload") {
            on_message_(std::string_view(fields->element[f + 1]->str, fields->element[f + 1]->len));
          }
        }
      }
    }
    if (!ids.empty()) {
      std::vector<std::string_view> ack{"XACK", topic_, group_};
      ack.insert(ack.end(), ids.begin(), ids.end());
      connection_.command(ack);
    }
  }

  RedisConnection connection_;
  const std::string topic_;
  std::string group_;
  OnMessage on_message_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class RawRedis final : public Impl {
 public:
  RawRedis(Target t, std::size_t window) : target_(std::move(t)), window_(window) {}
  std::string name() const override { return "raw"; }
  std::unique_ptr<Publisher> publisher(const std::string& topic) override {
    return std::make_unique<RedisPublisher>(target_, topic, window_);
  }
  std::unique_ptr<Subscription> subscribe(const std::string& topic, OnMessage fn) override {
    return std::make_unique<RedisSubscription>(target_, topic, std::move(fn));
  }

 private:
  const Target target_;
  const std::size_t window_;
};

}  // namespace

std::unique_ptr<Impl> make_raw_redis(const Options& o) {
  const auto url = driver::BrokerUrl::parse(o.url);
  if (url.scheme != "redis") throw std::invalid_argument("raw redis: only redis:// (no TLS)");
  Target t;
  t.host = url.hosts.at(0).host;
  if (url.hosts[0].port != 0) t.port = url.hosts[0].port;
  t.password = url.password;
  t.streams = url.option_string("mode", "pubsub") == "streams";
  return std::make_unique<RawRedis>(std::move(t), o.batch_size);
}

}  // namespace unimq::bench
