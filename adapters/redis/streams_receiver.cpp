// A Streams consumer in a consumer group. New entries come from XREADGROUP (COUNT = the free
// in-flight slots, BLOCK bounded so acks never wait long); entries left pending by a consumer
// that died, and nacked ones, come back through XAUTOCLAIM once idle for `claim_after`.
//
// Nack with a delay needs no timer on the server: XCLAIM ... IDLE sets how long the entry has
// been idle, so IDLE = claim_after - delay makes it claimable exactly `delay` from now, by any
// consumer of the group, even if this one dies meanwhile. Delays longer than claim_after are
// held like in-flight entries until the rest fits. In-flight entries have their idle time reset
// every claim_after/3 (a lease) so a slow handler's message is not claimed away while it still
// runs; the consume pipeline calls receive(0) when every slot is busy, so this goes on then too.
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <unordered_map>

#include "internal/log.hpp"
#include "redis_connection.hpp"
#include "redis_link.hpp"
#include "stream_fields.hpp"
#include "unimq/error.hpp"

namespace unimq::redis {
namespace {

using std::chrono::milliseconds;

std::string consumer_name() {
  static std::atomic<std::uint64_t> seq{0};
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return "unimq-" + std::string(host) + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(++seq);
}

std::string ms_text(milliseconds ms) {
  return std::to_string(std::max<std::int64_t>(ms.count(), 0));
}

class StreamsReceiver final : public driver::Receiver {
 public:
  StreamsReceiver(std::shared_ptr<ConnectionState> state, const driver::ReceiverSpec& spec)
      : state_(std::move(state)),
        settings_(state_->settings),
        key_(spec.topic),
        consumer_(consumer_name()),
        group_(spec.group.empty() ? consumer_ : spec.group),
        private_group_(spec.group.empty()),
        start_id_(spec.start == StartPosition::earliest ? "0" : "$"),
        link_(settings_, "consumer") {
    link_.ensure_connected();
    create_group();
  }

  ~StreamsReceiver() override { close(); }

  std::vector<driver::Inbound> receive(std::size_t max, Clock::time_point deadline) override {
    if (closed_ || state_->closed.load()) throw ClosedError("redis stream consumer is closed");
    if (link_.ensure_connected()) {
      create_group();  // a server that lost its data lost the group too
      detail::log_info("redis: consumer '" + consumer_ + "' resumed group '" + group_ +
                       "' on stream '" + key_ + "'");
    }
    const auto now = Clock::now();
    renew_leases(now);
    start_due_delays(now);
    if (max == 0) {  // only keeping leases alive while every slot is busy
      // and sending queued acknowledgements, which no read follows now (a renewal that failed
      // above dropped the connection, and its acknowledgements with it)
      if (link_.connected()) link_.flush();
      return {};
    }
    if (now >= next_scan_) {
      auto claimed = claim(max, now);
      if (!claimed.empty()) return claimed;
    }
    return read_new(max, deadline);
  }

  void ack(std::span<const driver::AckToken> tokens) override {
    Args args;
    args.add("XACK").add(key_).add(group_);
    std::vector<std::string> ids;
    ids.reserve(tokens.size());
    for (auto t : tokens) {
      auto it = in_flight_.find(t);
      if (it == in_flight_.end()) continue;  // unknown or repeated: ignored
      ids.push_back(std::move(it->second.id));
      in_flight_.erase(it);
    }
    if (ids.empty()) return;
    for (const auto& id : ids) args.add(id);
    const std::string what =
        "XACK of " + std::to_string(ids.size()) + " messages (they will be delivered again)";
    // Not waited for: it goes out with the next XREADGROUP, in one write, and its reply is read
    // ahead of that one's, so a consumer taking one message at a time pays one round trip per
    // message, not two. A failure only means the group delivers the messages again, so it is
    // logged, as run_or_warn would.
    try {
      link_.ensure_connected();
      link_.queue_unawaited(args, what);
    } catch (const std::exception& e) {
      detail::log_warn("redis: " + what + " failed: " + e.what());
    }
  }

  void nack(std::span<const driver::AckToken> tokens, milliseconds delay) override {
    std::vector<std::string> ids;
    for (auto t : tokens) {
      auto it = in_flight_.find(t);
      if (it == in_flight_.end()) continue;
      ids.push_back(std::move(it->second.id));
      in_flight_.erase(it);
    }
    if (!ids.empty()) make_claimable(ids, Clock::now() + delay);
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    // The receiver's own connection outlives Connection::close(), so this runs then too.
    if (!in_flight_.empty() && !private_group_) {
      // Make what this consumer still holds claimable at once, so the rest of the group (or
      // this consumer's successor) takes it over now instead of after claim_after.
      std::vector<std::string> ids;
      for (auto& [token, f] : in_flight_) ids.push_back(std::move(f.id));
      in_flight_.clear();
      set_idle(ids, settings_.claim_after, "releasing unacknowledged messages");
    }
    if (private_group_) {
      // The group existed only for this subscriber; leaving it behind would keep its
      // pending list forever.
      Args destroy;
      destroy.add("XGROUP").add("DESTROY").add(key_).add(group_);
      run_or_warn(destroy, "removing the private group '" + group_ + "'");
    }
    link_.close();
  }

 private:
  struct InFlight {
    std::string id;
    Clock::time_point leased_at;
  };

  void create_group() {
    Args args;
    args.add("XGROUP").add("CREATE").add(key_).add(group_).add(start_id_).add("MKSTREAM");
    Reply r = link_.command(args);
    if (is_error(*r) && !error_text(*r).starts_with("BUSYGROUP")) {
      throw ConnectionError("redis: cannot create consumer group '" + group_ + "' on stream '" +
                            key_ + "': " + std::string(error_text(*r)));
    }
  }

  // Runs a settlement command; a failure only means the broker redelivers later, so it is
  // logged, not thrown (the handler already ran).
  void run_or_warn(const Args& args, const std::string& what) {
    try {
      link_.ensure_connected();
      Reply r = link_.command(args);
      if (is_error(*r)) {
        detail::log_warn("redis: " + what + " failed: " + std::string(error_text(*r)));
      }
    } catch (const std::exception& e) {
      detail::log_warn("redis: " + what + " failed: " + e.what());
    }
  }

  // XCLAIM to ourselves without counting a delivery (JUSTID), setting the idle time.
  void set_idle(const std::vector<std::string>& ids, milliseconds idle, const char* why) {
    for (std::size_t from = 0; from < ids.size(); from += 1000) {
      Args args;
      args.add("XCLAIM").add(key_).add(group_).add(consumer_).add("0");
      for (std::size_t i = from; i < std::min(ids.size(), from + 1000); ++i) args.add(ids[i]);
      args.add("IDLE").own(ms_text(idle)).add("JUSTID");
      run_or_warn(args, why);
    }
  }

  void make_claimable(const std::vector<std::string>& ids, Clock::time_point at) {
    const auto now = Clock::now();
    const auto lead = std::chrono::ceil<milliseconds>(at - now);
    if (lead <= settings_.claim_after) {
      set_idle(ids, settings_.claim_after - lead, "handing messages back (nack)");
      wake_scan(at);
    } else {
      // Reset the idle time now so nobody claims them early; the rest waits locally.
      set_idle(ids, milliseconds{0}, "handing messages back (nack)");
      delayed_.emplace(at - settings_.claim_after, ids);
    }
  }

  void start_due_delays(Clock::time_point now) {
    while (!delayed_.empty() && delayed_.begin()->first <= now) {
      auto ids = std::move(delayed_.begin()->second);
      delayed_.erase(delayed_.begin());
      set_idle(ids, milliseconds{0}, "handing messages back (delayed nack)");
      wake_scan(now + settings_.claim_after);
    }
  }

  void wake_scan(Clock::time_point at) {
    if (at < next_scan_) next_scan_ = at;
    cursor_ = "0-0";
  }

  milliseconds lease_period() const { return std::max(settings_.claim_after / 3, milliseconds{1}); }

  void renew_leases(Clock::time_point now) {
    if (now < next_renewal_) return;
    next_renewal_ = now + lease_period();
    std::vector<std::string> ids;
    for (auto& [token, f] : in_flight_) {
      if (now - f.leased_at < lease_period()) continue;
      ids.push_back(f.id);
      f.leased_at = now;
    }
    // Nacked entries whose delay is longer than claim_after are held the same way until the
    // remaining delay fits into claim_after.
    for (const auto& [due, held] : delayed_) ids.insert(ids.end(), held.begin(), held.end());
    if (!ids.empty()) set_idle(ids, milliseconds{0}, "renewing leases");
  }

  milliseconds scan_interval() const {
    return std::clamp(settings_.claim_after / 4, milliseconds{50}, milliseconds{1000});
  }

  std::vector<driver::Inbound> claim(std::size_t max, Clock::time_point now) {
    Args args;
    args.add("XAUTOCLAIM").add(key_).add(group_).add(consumer_).own(ms_text(settings_.claim_after));
    args.add(cursor_).add("COUNT").own(std::to_string(max));
    Reply r = link_.command(args);
    if (is_error(*r)) {
      handle_read_error(*r);
      return {};
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
      throw MalformedError("redis: unexpected XAUTOCLAIM reply");
    }
    cursor_ = std::string(text(*r->element[0]));
    // A full pass over the pending list ends with cursor 0-0; scan again after a pause.
    next_scan_ = cursor_ == "0-0" ? now + scan_interval() : now;
    auto out = entries(*r->element[1], 0);
    if (!out.empty()) fill_delivery_counts(out);
    return out;
  }

  std::vector<driver::Inbound> read_new(std::size_t max, Clock::time_point deadline) {
    auto until = std::min(deadline, next_scan_);
    if (!delayed_.empty()) until = std::min(until, delayed_.begin()->first);
    if (!delayed_.empty() || !in_flight_.empty()) until = std::min(until, next_renewal_);
    const auto block = std::clamp(std::chrono::ceil<milliseconds>(until - Clock::now()),
                                  milliseconds{1}, settings_.block);
    Args args;
    args.add("XREADGROUP").add("GROUP").add(group_).add(consumer_);
    args.add("COUNT").own(std::to_string(max)).add("BLOCK").own(ms_text(block));
    args.add("STREAMS").add(key_).add(">");
    link_.append(args);
    link_.flush();
    Reply r = link_.read_or_drop(Clock::now() + block + settings_.command_timeout);
    if (is_error(*r)) {
      handle_read_error(*r);
      return {};
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return {};  // nil: nothing new
    const redisReply& stream = *r->element[0];
    if (stream.type != REDIS_REPLY_ARRAY || stream.elements < 2) {
      throw MalformedError("redis: unexpected XREADGROUP reply");
    }
    return entries(*stream.element[1], 1);
  }

  void handle_read_error(const redisReply& r) {
    const std::string why(error_text(r));
    if (why.starts_with("NOGROUP")) {
      // The stream or group was deleted under us: create it again and carry on.
      detail::log_warn("redis: group '" + group_ + "' on '" + key_ + "' vanished; recreating");
      create_group();
      return;
    }
    throw ConnectionError("redis: reading stream '" + key_ + "' failed: " + why);
  }

  std::vector<driver::Inbound> entries(const redisReply& list, std::uint32_t count) {
    std::vector<driver::Inbound> out;
    if (list.type != REDIS_REPLY_ARRAY) return out;
    out.reserve(list.elements);
    const auto now = Clock::now();
    for (std::size_t i = 0; i < list.elements; ++i) {
      const redisReply& e = *list.element[i];
      // Entries trimmed away while pending come back as nil (Redis 6.2) and are skipped.
      if (e.type != REDIS_REPLY_ARRAY || e.elements < 2 ||
          e.element[1]->type != REDIS_REPLY_ARRAY) {
        continue;
      }
      driver::Inbound in;
      in.id = std::string(text(*e.element[0]));
      try {
        in.message = stream_fields::decode(*e.element[1]);
      } catch (const MalformedError& err) {
        detail::log_warn("redis: entry " + in.id + " of '" + key_ +
                         "' is unreadable: " + err.what());
        continue;
      }
      in.delivery_count = count;
      in.token = ++next_token_;
      in_flight_.emplace(in.token, InFlight{in.id, now});
      out.push_back(std::move(in));
    }
    return out;
  }

  // XAUTOCLAIM does not report delivery counts; XPENDING per entry does (one round trip).
  void fill_delivery_counts(std::vector<driver::Inbound>& claimed) {
    for (const auto& in : claimed) {
      Args args;
      args.add("XPENDING").add(key_).add(group_).add(in.id).add(in.id).add("1");
      link_.append(args);
    }
    link_.flush();
    for (auto& in : claimed) {
      Reply r = link_.read_or_drop(Clock::now() + settings_.command_timeout);
      in.delivery_count = 2;  // claimed means delivered before, at least once
      if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
          r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements >= 4) {
        in.delivery_count = static_cast<std::uint32_t>(r->element[0]->element[3]->integer);
      }
    }
  }

  std::shared_ptr<ConnectionState> state_;
  const Settings& settings_;
  std::string key_;
  std::string consumer_;
  std::string group_;
  bool private_group_;
  std::string start_id_;
  Link link_;
  bool closed_ = false;

  driver::AckToken next_token_ = 0;
  std::unordered_map<driver::AckToken, InFlight> in_flight_;
  std::multimap<Clock::time_point, std::vector<std::string>> delayed_;
  std::string cursor_ = "0-0";
  Clock::time_point next_scan_{};  // first receive scans for entries a dead consumer left
  Clock::time_point next_renewal_{};
};

}  // namespace

std::unique_ptr<driver::Receiver> make_streams_receiver(std::shared_ptr<ConnectionState> state,
                                                        const driver::ReceiverSpec& spec) {
  return std::make_unique<StreamsReceiver>(std::move(state), spec);
}

}  // namespace unimq::redis
