// A consumer on its own librdkafka handle. A group member subscribes; its first assignment is
// positioned explicitly (committed offset, else the newest or oldest offset as the start
// position asks, committed at once so the group's position is fixed before receive returns). A
// consumer without group reads every partition from the newest offset without a group.
//
// Offsets are committed only up to the contiguous acknowledged prefix of each partition
// (driver::AckWatermark), in batches every commit_interval and once more at close. On a
// revocation the revoked partitions stop being dispatched (paused, fetched messages dropped),
// their in-flight handlers get up to revoke_timeout to finish, then their offsets are committed
// and they are released. librdkafka allows the unassign after the callback returned; it has to
// be, since acknowledgements reach this receiver only between receive() calls.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "commit_metadata.hpp"
#include "internal/log.hpp"
#include "kafka_connection.hpp"
#include "unimq/driver/ack_watermark.hpp"
#include "unimq/error.hpp"

namespace unimq::kafka {
namespace {

using Clock = std::chrono::steady_clock;

std::string random_suffix() {
  std::random_device rd;
  const auto v = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

std::string partition_names(const std::set<std::int32_t>& partitions) {
  std::string out = "[";
  for (const auto p : partitions) out += (out.size() > 1 ? "," : "") + std::to_string(p);
  return out + "]";
}

int millis_until(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 1000));
}

class KafkaReceiver final : public driver::Receiver {
 public:
  KafkaReceiver(std::shared_ptr<ConnectionState> state, const driver::ReceiverSpec& spec)
      : state_(std::move(state)),
        settings_(state_->settings),
        topic_(spec.topic),
        group_(spec.group),
        start_(spec.start) {
    handle_state_.name = "consumer of '" + topic_ + "'" +
                         (group_.empty() ? std::string() : " group '" + group_ + "'");
    handle_state_.owner = this;
    ConfPtr conf = make_conf(settings_, Role::consumer, &handle_state_);
    set_conf(conf.get(), "group.id",
             group_.empty() ? "unimq-broadcast-" + random_suffix() : group_);
    if (!group_.empty()) {
      rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaReceiver::on_rebalance);
      rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaReceiver::on_commit);
    }
    rk_ = make_handle(std::move(conf), RD_KAFKA_CONSUMER);
    // Everything (rebalances, errors, logs' events) is served by rd_kafka_consumer_poll.
    rd_kafka_poll_set_consumer(rk_.get());
    if (group_.empty()) {
      assign_all();
    } else {
      subscribe_and_await_assignment();
    }
  }

  ~KafkaReceiver() override { close(); }
  KafkaReceiver(const KafkaReceiver&) = delete;
  KafkaReceiver& operator=(const KafkaReceiver&) = delete;

  std::vector<driver::Inbound> receive(std::size_t max, Clock::time_point deadline) override {
    if (closed_) throw ClosedError("kafka consumer of '" + topic_ + "' is closed");
    if (handle_state_.fatal.load()) {
      throw ConnectionError("kafka consumer of '" + topic_ +
                            "' hit a fatal error: " + handle_state_.fatal_text());
    }
    std::vector<driver::Inbound> out;
    take_ready(out, max);
    // With max = 0 one poll serves rebalances and heartbeats; a message it returns waits.
    bool first = true;
    while (first || out.size() < max) {
      const int wait = out.empty() && max > 0 ? millis_until(deadline) : 0;
      MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), wait));
      first = false;
      check_revoke();
      if (msg) {
        if (accept(*msg)) ready_.push_back(std::move(msg));
        take_ready(out, max);
        continue;
      }
      if (!out.empty() || max == 0 || Clock::now() >= deadline) break;
    }
    maybe_commit(false);
    return out;
  }

  void ack(std::span<const driver::AckToken> tokens) override {
    for (const auto token : tokens) {
      const auto it = tokens_.find(token);
      if (it == tokens_.end()) continue;  // revoked meanwhile, or acked twice
      watermark_.acked(it->second.partition, it->second.offset);
      touched_.insert(it->second.partition);
      tokens_.erase(it);
    }
    check_revoke();
    maybe_commit(false);
  }

  void nack(std::span<const driver::AckToken> tokens, std::chrono::milliseconds delay) override {
    (void)delay;
    // Never called: the capability is not declared. Unacked, the messages stay uncommitted.
    for (const auto token : tokens) tokens_.erase(token);
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    closing_ = true;
    if (!group_.empty()) {
      commit_all(false);
      // A revocation still waiting for its handlers is given up: what they hold goes to the next
      // owner. Left pending, its paused partition list would keep references into the handle,
      // and destroying the handle would wait for them forever.
      if (revoke_pending_) release_revoking();
      // Leaves the group at once (the others rebalance without waiting for a session timeout);
      // the revocation it triggers is served here and released without waiting.
      const rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_.get());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        detail::log_warn("kafka " + handle_state_.name +
                         ": leaving the group failed: " + rd_kafka_err2str(err));
      }
    } else {
      (void)rd_kafka_consumer_close(rk_.get());
    }
    // Messages and partition lists hold references into the handle: gone before it.
    ready_.clear();
    revoke_list_.reset();
    rk_.reset();
    detail::log_debug("kafka " + handle_state_.name + ": closed");
  }

 private:
  struct Position {
    std::int32_t partition;
    std::int64_t offset;
  };

  void set_conf(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    std::array<char, 512> err{};
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err.data(), err.size()) !=
        RD_KAFKA_CONF_OK) {
      throw ConfigError("kafka: " + name + ": " + err.data());
    }
  }

  int timeout_ms() const { return static_cast<int>(settings_.operation_timeout.count()); }

  // Newest (or oldest) offset of every partition, resolved now: messages published once the
  // constructor returned are read even though no group keeps a position.
  void assign_all() {
    TopicPtr rkt(rd_kafka_topic_new(rk_.get(), topic_.c_str(), nullptr));
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, rkt.get(), &raw, timeout_ms());
    MetadataPtr md(raw);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw_error(err, "kafka: metadata of '" + topic_ + "'");
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw_error(md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                  "kafka: topic '" + topic_ + "'");
    }
    PartitionsPtr list(rd_kafka_topic_partition_list_new(md->topics[0].partition_cnt));
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), md->topics[0].partitions[i].id);
    }
    resolve_start(list.get(), false);
    assign(list.get());
  }

  void subscribe_and_await_assignment() {
    PartitionsPtr list(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), list.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw_error(err, "kafka: subscribing to '" + topic_ + "'");
    }
    // The driver promises that the subscription exists once the receiver is open: wait for the
    // group's first assignment (messages fetched meanwhile wait in ready_). Joining a group
    // whose members must rejoin first takes up to a heartbeat interval and a poll of theirs.
    const auto deadline = Clock::now() + std::max<std::chrono::milliseconds>(
                                             settings_.operation_timeout, std::chrono::seconds{30});
    while (!assigned_once_ && Clock::now() < deadline && !handle_state_.fatal.load()) {
      MessagePtr msg(rd_kafka_consumer_poll(rk_.get(), 100));
      if (msg && accept(*msg)) ready_.push_back(std::move(msg));
    }
    if (!assigned_once_) {
      detail::log_warn("kafka " + handle_state_.name +
                       ": no partition assignment yet; messages published before it may be "
                       "read from the group's start position only");
    }
  }

  // Fills in start offsets: the group's committed offset, else (a new group) the newest offset
  // for start=latest, resolved now, or the oldest. Returns the offsets resolved here, which the
  // group commits so every later member starts from the same place.
  PartitionsPtr resolve_start(rd_kafka_topic_partition_list_t* list, bool use_committed) {
    if (use_committed) {
      const rd_kafka_resp_err_t err = rd_kafka_committed(rk_.get(), list, timeout_ms());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        detail::log_warn("kafka " + handle_state_.name + ": reading committed offsets failed (" +
                         rd_kafka_err2str(err) + "); new partitions start as for a new group");
        for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
      }
    } else {
      for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = RD_KAFKA_OFFSET_INVALID;
    }
    PartitionsPtr resolved(rd_kafka_topic_partition_list_new(list->cnt));
    for (int i = 0; i < list->cnt; ++i) {
      auto& tp = list->elems[i];
      if (tp.offset >= 0) continue;
      std::int64_t low = 0;
      std::int64_t high = 0;
      const rd_kafka_resp_err_t err = query_watermarks(tp, low, high);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // librdkafka resolves it when fetching starts (auto.offset.reset follows the start).
        detail::log_warn("kafka " + handle_state_.name + ": offsets of partition " +
                         std::to_string(tp.partition) + " unknown (" + rd_kafka_err2str(err) + ")");
        tp.offset =
            start_ == StartPosition::latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
        continue;
      }
      tp.offset = start_ == StartPosition::latest ? high : low;
      rd_kafka_topic_partition_list_add(resolved.get(), tp.topic, tp.partition)->offset = tp.offset;
    }
    return resolved;
  }

  // The partition's oldest and next offsets. A topic created a moment ago can answer "not
  // leader" for a while after its metadata names a leader: asked again until the operation
  // timeout. Left unresolved, a new group's start=latest would become "the end whenever
  // fetching starts", skipping what is published meanwhile.
  rd_kafka_resp_err_t query_watermarks(const rd_kafka_topic_partition_t& tp, std::int64_t& low,
                                       std::int64_t& high) {
    const auto deadline = Clock::now() + settings_.operation_timeout;
    for (std::chrono::milliseconds backoff{10};;
         backoff = std::min(backoff * 2, std::chrono::milliseconds{200})) {
      const auto left = std::max<std::int64_t>(
          1,
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
      const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
          rk_.get(), tp.topic, tp.partition, &low, &high, static_cast<int>(left));
      const bool transient = err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
                             err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
                             err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                             err == RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE;
      if (!transient || Clock::now() + backoff >= deadline) return err;
      // Nothing to wait on: leadership reaches the partition's broker with no client event.
      std::this_thread::sleep_for(backoff);
    }
  }

  void assign(rd_kafka_topic_partition_list_t* list) {
    const rd_kafka_resp_err_t err = rd_kafka_assign(rk_.get(), list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      detail::log_error("kafka " + handle_state_.name +
                        ": assign failed: " + rd_kafka_err2str(err));
      return;
    }
    assigned_.clear();
    for (int i = 0; i < list->cnt; ++i) assigned_.insert(list->elems[i].partition);
    assigned_once_ = true;
  }

  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t* partitions, void* opaque) noexcept {
    auto* self = static_cast<KafkaReceiver*>(static_cast<HandleState*>(opaque)->owner);
    try {
      if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        self->on_assign(partitions);
      } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        self->on_revoke(partitions);
      } else {
        detail::log_warn("kafka " + self->handle_state_.name +
                         ": rebalance failed: " + rd_kafka_err2str(err));
        self->release_revoking();
        rd_kafka_assign(rk, nullptr);
      }
    } catch (const std::exception& e) {
      detail::log_error("kafka " + self->handle_state_.name + ": rebalance: " + e.what());
      rd_kafka_assign(rk, nullptr);
    }
  }

  void on_assign(rd_kafka_topic_partition_list_t* partitions) {
    PartitionsPtr fixed = resolve_start(partitions, true);
    skip_.clear();
    std::size_t skipping = 0;
    for (int i = 0; i < partitions->cnt; ++i) {
      const auto& tp = partitions->elems[i];
      if (tp.offset < 0 || tp.metadata == nullptr || tp.metadata_size == 0) continue;
      const auto acked = decode_acked(
          tp.offset, std::string_view(static_cast<const char*>(tp.metadata), tp.metadata_size));
      skip_[tp.partition].insert(acked.begin(), acked.end());
      skipping += acked.size();
    }
    assign(partitions);
    if (fixed->cnt > 0) {
      // The new group's position, made durable at once: a member taking these partitions over
      // later continues here instead of skipping to a newer end.
      commit_sync(fixed.get(), "committing the start position");
    }
    detail::log_info("kafka " + handle_state_.name + ": assigned partitions " +
                     partition_names(assigned_) +
                     (skipping > 0 ? ", skipping " + std::to_string(skipping) +
                                         " message(s) acknowledged before the rebalance"
                                   : std::string()));
  }

  void on_revoke(rd_kafka_topic_partition_list_t* partitions) {
    revoke_pending_ = true;
    revoking_ = assigned_;
    revoke_started_ = Clock::now();
    if (!closing_ && settings_.revoke_timeout.count() > 0) {
      // Nothing more of these partitions is fetched or dispatched while their handlers finish.
      rd_kafka_pause_partitions(rk_.get(), partitions);
      revoke_list_.reset(rd_kafka_topic_partition_list_copy(partitions));
    }
    check_revoke();
  }

  // Releases the revoked partitions once their in-flight handlers are done or revoke_timeout
  // passed: commits their acknowledged prefix, forgets their deliveries, unassigns.
  void check_revoke() {
    if (!revoke_pending_) return;
    std::size_t unfinished = 0;
    for (const auto p : revoking_) unfinished += watermark_.pending(p);
    if (unfinished > 0 && !closing_ && Clock::now() < revoke_started_ + settings_.revoke_timeout) {
      return;
    }
    release_revoking();
    const auto waited =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - revoke_started_);
    detail::log_info("kafka " + handle_state_.name + ": released partitions after " +
                     std::to_string(waited.count()) + " ms" +
                     (unfinished > 0 ? ", " + std::to_string(unfinished) +
                                           " message(s) unfinished go to the next owner"
                                     : std::string()));
  }

  void release_revoking() {
    // A closing consumer committed everything just before rd_kafka_consumer_close, which serves
    // this revocation: a second, synchronous commit from inside it could wait for a coordinator
    // the closing group no longer talks to.
    if (!closing_) commit_all(true);
    for (const auto p : revoking_) watermark_.forget(p);
    std::erase_if(tokens_,
                  [&](const auto& entry) { return revoking_.count(entry.second.partition) != 0; });
    std::erase_if(ready_, [&](const MessagePtr& m) { return revoking_.count(m->partition) != 0; });
    if (revoke_list_) {
      // A partition assigned again later must not come back paused.
      rd_kafka_resume_partitions(rk_.get(), revoke_list_.get());
      revoke_list_.reset();
    }
    revoking_.clear();
    assigned_.clear();
    revoke_pending_ = false;
    rd_kafka_assign(rk_.get(), nullptr);
  }

  static void on_commit(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                        rd_kafka_topic_partition_list_t* offsets, void* opaque) noexcept {
    (void)rk;
    (void)offsets;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
    try {
      auto* state = static_cast<HandleState*>(opaque);
      // Served by rd_kafka_consumer_poll on the receiver's thread: the next commit round sends
      // every partition's offset again, not only those that advanced since.
      static_cast<KafkaReceiver*>(state->owner)->recommit_ = true;
      detail::log_warn("kafka " + state->name + ": committing offsets failed (" +
                       rd_kafka_err2str(err) + "); committing them again");
    } catch (...) {  // NOLINT(bugprone-empty-catch): a log line must never take the process down
    }
  }

  // Commits what advanced since the last commit, at most every commit_interval (async).
  void maybe_commit(bool force) {
    if (group_.empty()) return;
    const auto now = Clock::now();
    if (!force && now < last_commit_ + settings_.commit_interval) return;
    if (recommit_) touched_.insert(assigned_.begin(), assigned_.end());
    if (touched_.empty()) return;
    last_commit_ = now;
    recommit_ = false;
    (void)watermark_.take_commits();
    // Every partition with an acknowledgement since the last round: its commit offset may not
    // have moved, but the acknowledged offsets past it (the metadata) did.
    PartitionsPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(touched_.size())));
    for (const auto p : touched_) {
      if (assigned_.count(p) == 0) continue;
      if (auto offset = watermark_.resume_offset(p)) add_commit(list.get(), p, *offset);
    }
    touched_.clear();
    if (list->cnt == 0) return;
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), list.get(), 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      recommit_ = true;
      detail::log_warn("kafka " + handle_state_.name + ": commit failed: " + rd_kafka_err2str(err));
    }
  }

  // Commits the acknowledged prefix of every partition (of the revoking ones only with
  // `revoking`), synchronously: before partitions are released or the consumer leaves.
  void commit_all(bool revoking) {
    if (group_.empty()) return;
    (void)watermark_.take_commits();
    PartitionsPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
    for (const auto p : revoking ? revoking_ : assigned_) {
      if (auto offset = watermark_.resume_offset(p)) add_commit(list.get(), p, *offset);
    }
    if (list->cnt == 0) return;
    // The handover point: a lost final commit means messages read twice.
    commit_sync(list.get(), "final commit");
  }

  // Commits synchronously, retrying transient errors (coordinator moving, request timeout)
  // within the operation timeout.
  void commit_sync(rd_kafka_topic_partition_list_t* list, const char* what) {
    const auto deadline = Clock::now() + settings_.operation_timeout;
    for (std::chrono::milliseconds backoff{20};;
         backoff = std::min(backoff * 2, std::chrono::milliseconds{500})) {
      const rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), list, 0);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;
      if (kind_of(err) != driver::ErrorKind::retryable || Clock::now() + backoff > deadline) {
        detail::log_warn("kafka " + handle_state_.name + ": " + what + " failed (" +
                         rd_kafka_err2str(err) + "); some messages may be read again");
        return;
      }
      detail::log_info("kafka " + handle_state_.name + ": " + what + " failed (" +
                       rd_kafka_err2str(err) + "); retrying");
      std::this_thread::sleep_for(backoff);
    }
  }

  // Adds `partition` at `offset` to a commit, with the offsets past it already acknowledged as
  // metadata (the list frees it with librdkafka's allocator).
  void add_commit(rd_kafka_topic_partition_list_t* list, std::int32_t partition,
                  std::int64_t offset) {
    rd_kafka_topic_partition_t* tp =
        rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition);
    tp->offset = offset;
    const std::string metadata = encode_acked(offset, watermark_.acked_beyond(partition));
    if (metadata.empty()) return;
    tp->metadata = rd_kafka_mem_malloc(rk_.get(), metadata.size());
    std::memcpy(tp->metadata, metadata.data(), metadata.size());
    tp->metadata_size = metadata.size();
  }

  // A message acknowledged before the partition changed owner (commit metadata): counted as
  // delivered and acknowledged at once, so the commit moves over it, and not handed out.
  bool skipped(const rd_kafka_message_t& msg) {
    auto it = skip_.find(msg.partition);
    if (it == skip_.end()) return false;
    auto& offsets = it->second;
    offsets.erase(offsets.begin(), offsets.lower_bound(msg.offset));
    if (offsets.empty() || *offsets.begin() != msg.offset) return false;
    offsets.erase(offsets.begin());
    watermark_.delivered(msg.partition, msg.offset);
    watermark_.acked(msg.partition, msg.offset);
    touched_.insert(msg.partition);
    return true;
  }

  // Whether a polled message is to be delivered; logs the errors the poll reports.
  bool accept(const rd_kafka_message_t& msg) {
    if (msg.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      return assigned_.count(msg.partition) != 0 && revoking_.count(msg.partition) == 0;
    }
    if (msg.err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      detail::log_warn("kafka " + handle_state_.name + ": " + rd_kafka_err2name(msg.err) + ": " +
                       rd_kafka_message_errstr(&msg));
    }
    return false;
  }

  void take_ready(std::vector<driver::Inbound>& out, std::size_t max) {
    while (!ready_.empty() && out.size() < max) {
      MessagePtr msg = std::move(ready_.front());
      ready_.pop_front();
      if (assigned_.count(msg->partition) == 0 || revoking_.count(msg->partition) != 0) continue;
      if (skipped(*msg)) continue;
      out.push_back(convert(*msg));
    }
  }

  driver::Inbound convert(const rd_kafka_message_t& msg) {
    driver::Inbound in;
    in.message.set_payload(msg.payload != nullptr
                               ? std::string(static_cast<const char*>(msg.payload), msg.len)
                               : std::string());
    if (msg.key != nullptr) {
      in.message.key(std::string(static_cast<const char*>(msg.key), msg.key_len));
    }
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&msg, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name = nullptr;
      const void* value = nullptr;
      std::size_t size = 0;
      for (std::size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        in.message.headers().set(
            name, value != nullptr ? std::string(static_cast<const char*>(value), size) : "");
      }
    }
    in.id = std::to_string(msg.partition) + "@" + std::to_string(msg.offset);
    in.token = next_token_++;
    tokens_.emplace(in.token, Position{msg.partition, msg.offset});
    watermark_.delivered(msg.partition, msg.offset);
    return in;
  }

  std::shared_ptr<ConnectionState> state_;
  const Settings& settings_;
  std::string topic_;
  std::string group_;
  StartPosition start_;
  HandleState handle_state_;
  HandlePtr rk_;
  bool closed_ = false;
  bool closing_ = false;
  bool assigned_once_ = false;
  std::set<std::int32_t> assigned_;  // partitions whose messages are dispatched
  std::set<std::int32_t> revoking_;  // revoked, waiting for their in-flight handlers
  bool revoke_pending_ = false;      // a revocation (maybe of nothing) awaits its unassign
  bool recommit_ = false;            // an async commit failed: send every offset again
  std::set<std::int32_t> touched_;   // partitions with acknowledgements since the last commit
  PartitionsPtr revoke_list_;        // the paused revoked partitions
  Clock::time_point revoke_started_{};
  Clock::time_point last_commit_ = Clock::now();  // the first commit waits commit_interval too
  std::deque<MessagePtr> ready_;                  // polled, not yet handed out
  // Per partition: offsets acknowledged under the previous owner, to skip (commit metadata).
  std::map<std::int32_t, std::set<std::int64_t>> skip_;
  driver::AckWatermark watermark_;
  std::unordered_map<driver::AckToken, Position> tokens_;
  driver::AckToken next_token_ = 1;
};

}  // namespace

std::unique_ptr<driver::Receiver> make_receiver(std::shared_ptr<ConnectionState> state,
                                                const driver::ReceiverSpec& spec) {
  return std::make_unique<KafkaReceiver>(std::move(state), spec);
}

}  // namespace unimq::kafka
