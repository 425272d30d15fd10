// What the dlq subcommands share: their options, the filters and the dead-letter reader.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "broker.hpp"
#include "exit_codes.hpp"

namespace unimq::cli {

/// The consumer group the dlq subcommands read the dead-letter topic with, unless -g names
/// another.
inline constexpr const char* default_dlq_group = "unimq-dlq";

/// Options of `dlq list|show|replay|purge`.
struct DlqOptions {
  std::string topic;                        ///< The topic whose dead letters are meant.
  std::string dlq_topic;                    ///< --dlq-topic; empty = `<topic>.dlq`.
  std::string group = default_dlq_group;    ///< -g: the group reading the dead-letter topic.
  double idle_seconds = 2;                  ///< --idle: a read round ends after this long quiet.
  std::uint64_t max = 0;                    ///< --max: at most this many messages (0 = all).
  std::string filter_error;                 ///< --filter-error REGEX on unimq-dlq-error.
  std::string older_than;                   ///< --older-than DURATION on unimq-dlq-failed-at.
  std::vector<std::string> filter_headers;  ///< --filter-header NAME=REGEX (repeatable).
  double rate = 0;                          ///< --rate: messages per second (replay, purge).
  bool dry_run = false;                     ///< --dry-run: print, settle nothing.
  bool json = false;                        ///< --json (list, show).
  std::string id;                           ///< The message id (show).

  /// The dead-letter topic: --dlq-topic or `<topic>.dlq`.
  std::string dead_letter_topic() const { return dlq_topic.empty() ? topic + ".dlq" : dlq_topic; }
};

/// Which dead letters a command acts on (all of them without filters).
class DlqFilter {
 public:
  /// Builds the filter from the options; a bad regex or duration is a usage error (Failure).
  explicit DlqFilter(const DlqOptions& options);
  /// Whether `message` passes every filter, at time `now`.
  bool matches(const Message& message, std::chrono::system_clock::time_point now) const;

 private:
  std::optional<std::regex> error_;
  std::optional<std::chrono::milliseconds> older_than_;
  std::vector<std::pair<std::string, std::regex>> headers_;
};

/// Parses the RFC 3339 UTC time of `unimq-dlq-failed-at` (`2026-11-24T01:02:03.456Z`); nullopt
/// when malformed.
std::optional<std::chrono::system_clock::time_point> parse_utc_time(std::string_view text);

/// Reads a dead-letter topic in rounds, holding every message unacknowledged until the command
/// settles it (ack = gone from the group) or stops (unsettled messages go back to the broker).
/// Refuses (Failure, exit 6) a backend whose dead-letter topic is not durable.
class DlqReader {
 public:
  /// Most messages held at once; a round stops there.
  static constexpr std::uint32_t window = 10'000;

  /// Subscribes to the dead-letter topic of `options` as its group, from the oldest message.
  DlqReader(const Client& client, const DlqOptions& options);
  DlqReader(const DlqReader&) = delete;
  DlqReader& operator=(const DlqReader&) = delete;
  /// Stops the subscription.
  ~DlqReader();

  /// The messages that arrived since the last round: returns once `limit` (0 = the window)
  /// arrived, or once none arrived for the idle time; empty when none came at all.
  std::vector<Delivery> next_round(std::size_t limit = 0);
  /// Flushes acknowledgements and leaves; unsettled messages go back to the broker.
  void stop();

 private:
  std::chrono::steady_clock::duration idle_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<Delivery> pending_;
  std::unordered_set<std::string> seen_;  // ids delivered so far: a redelivery is dropped
  std::chrono::steady_clock::time_point last_arrival_;
  std::optional<Consumer> consumer_;
};

/// The message to republish for a dead letter: its payload, key and headers without the
/// `unimq-dlq-*` headers and without `unimq-attempt`, so the attempt count starts again.
Message republished(const Message& dead_letter);

/// `dlq list`: the count and a table (or JSON lines) of the dead letters (dlq_list.cpp).
Exit dlq_list(const DlqOptions& options, const Globals& globals);
/// `dlq show`: one dead letter in full, by its id or its original message id (dlq_list.cpp).
Exit dlq_show(const DlqOptions& options, const Globals& globals);
/// `dlq replay` (purge = false) or `dlq purge` (purge = true) (dlq_replay.cpp).
Exit dlq_settle(const DlqOptions& options, const Globals& globals, bool purge);

}  // namespace unimq::cli
