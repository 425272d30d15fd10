// `dlq replay TOPIC` and `dlq purge TOPIC`. Replay publishes each dead letter back to the topic
// in its unimq-dlq-topic header and acknowledges the dead-letter copy only after the broker
// confirmed that publish, so a crash can duplicate a message and never lose one. Purge
// acknowledges the dead letters without publishing.
#include <iostream>
#include <map>

#include "dlq.hpp"
#include "pacer.hpp"
#include "progress.hpp"
#include "signals.hpp"
#include "unimq/dead_letter_policy.hpp"
#include "unimq/error.hpp"

namespace unimq::cli {
namespace {

class Settler {
 public:
  Settler(Client client, const DlqOptions& o, bool purge, Progress& progress)
      : client_(std::move(client)), o_(o), purge_(purge), progress_(progress) {}

  ~Settler() {
    for (auto& [topic, producer] : producers_) producer.close();
  }
  Settler(const Settler&) = delete;
  Settler& operator=(const Settler&) = delete;

  // Replays or purges one dead letter; false when it stays in the dead-letter topic.
  bool settle(const Delivery& d) {
    const Message& m = d.message();
    const auto target = m.headers().get(dlq_header::topic);
    if (!purge_ && (!target || target->empty())) {
      fail(d, "it has no " + std::string(dlq_header::topic) + " header");
      return false;
    }
    if (o_.dry_run) {
      std::cout << (purge_ ? "would purge " : "would replay ") << d.id()
                << (purge_ ? "" : " to '" + std::string(*target) + "'") << "\n";
      return true;
    }
    try {
      if (!purge_) producer(std::string(*target)).publish(republished(m)).get();
      d.ack();
    } catch (const Error& e) {
      fail(d, e.what());
      return false;
    }
    return true;
  }

  std::uint64_t failed() const { return failed_; }
  const std::string& first_error() const { return first_error_; }

 private:
  Producer& producer(const std::string& topic) {
    auto it = producers_.find(topic);
    if (it == producers_.end())
      it = producers_.emplace(topic, client_.topic(topic).producer()).first;
    return it->second;
  }

  void fail(const Delivery& d, const std::string& why) {
    ++failed_;
    const std::string line = "message " + d.id() + " stays in the dead-letter topic: " + why;
    if (first_error_.empty()) first_error_ = line;
    progress_.clear();
    std::cerr << "unimq: " << one_line(line) << "\n";
  }

  Client client_;
  const DlqOptions& o_;
  bool purge_;
  Progress& progress_;
  std::map<std::string, Producer> producers_;
  std::uint64_t failed_ = 0;
  std::string first_error_;
};

}  // namespace

Exit dlq_settle(const DlqOptions& o, const Globals& globals, bool purge) {
  const DlqFilter filter(o);
  Client client = connect(globals);
  DlqReader reader(client, o);
  const char* verb = purge ? "purge" : "replay";
  Progress progress(std::string(verb) + " " + o.dead_letter_topic(),
                    Progress::enabled_for(globals.quiet));
  Settler settler(client, o, purge, progress);
  Pacer pacer(o.rate);
  install_stop_signals();
  std::uint64_t done = 0;
  std::uint64_t skipped = 0;
  std::uint64_t total = 0;
  // Rounds: whatever the topic holds, then whatever came meanwhile, until a round is empty.
  // Skipped and failed messages stay held (unacknowledged) until the end, so no round sees
  // them twice.
  bool finished = false;
  while (!finished && !stop_requested()) {
    auto round = reader.next_round();
    if (round.empty()) break;
    const auto now = std::chrono::system_clock::now();
    std::vector<Delivery> chosen;
    for (auto& d : round) {
      if (filter.matches(d.message(), now)) {
        chosen.push_back(std::move(d));
      } else {
        ++skipped;
      }
    }
    if (o.max > 0 && chosen.size() > o.max - total) {
      chosen.erase(chosen.begin() + static_cast<std::ptrdiff_t>(o.max - total), chosen.end());
    }
    total += chosen.size();
    progress.set_total(total);
    for (const auto& d : chosen) {
      if (stop_requested()) break;
      pacer.wait();
      if (settler.settle(d)) ++done;
      progress.add();
    }
    // A dry run settles nothing, so later rounds would only bring newcomers.
    finished = o.dry_run || (o.max > 0 && total >= o.max);
  }
  reader.stop();
  progress.clear();
  const std::string past = purge ? "purged" : "replayed";
  if (!globals.quiet) {
    std::cerr << verb << ": " << done << " message" << (done == 1 ? "" : "s") << " "
              << (o.dry_run ? "would be " + past : past) << " from '" << o.dead_letter_topic()
              << "'";
    if (skipped > 0) std::cerr << ", " << skipped << " left by the filters";
    if (settler.failed() > 0) std::cerr << ", " << settler.failed() << " failed";
    std::cerr << "\n";
  }
  if (settler.failed() > 0) {
    throw Failure(Exit::partial, std::to_string(settler.failed()) + " of " + std::to_string(total) +
                                     " dead letters were not " + past +
                                     "; first: " + settler.first_error());
  }
  return Exit::ok;
}

}  // namespace unimq::cli
