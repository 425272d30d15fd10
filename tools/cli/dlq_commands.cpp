// `unimq dlq list|show|replay|purge`: the subcommands and their options.
#include <CLI/CLI.hpp>
#include <memory>

#include "commands.hpp"
#include "dlq.hpp"

namespace unimq::cli {
namespace {

void add_common(CLI::App& cmd, DlqOptions& o) {
  cmd.add_option("topic", o.topic, "The topic whose dead letters are meant")->required();
  cmd.add_option("--dlq-topic", o.dlq_topic,
                 "The dead-letter topic, when it is not <topic>.dlq (dead_letter.topic)");
  cmd.add_option("-g,--group", o.group,
                 "Group reading the dead-letter topic (default unimq-dlq; on RabbitMQ its queue "
                 "<dlq-topic>.<group> only holds what was dead-lettered after it was declared)");
  cmd.add_option("--idle", o.idle_seconds,
                 "Seconds without a new dead letter that end a read (default 2)")
      ->check(CLI::PositiveNumber);
}

void add_filters(CLI::App& cmd, DlqOptions& o) {
  cmd.add_option("--filter-error", o.filter_error,
                 "Only dead letters whose unimq-dlq-error matches this regex");
  cmd.add_option("--older-than", o.older_than,
                 "Only dead letters that failed longer ago than this (e.g. 10m, 2h)");
  cmd.add_option("--filter-header", o.filter_headers,
                 "Only dead letters with header NAME matching REGEX (NAME=REGEX, repeatable)");
  cmd.add_option("--max", o.max, "At most this many dead letters (default: all)");
}

}  // namespace

void add_dlq(CLI::App& app, const Globals& globals, Action& run) {
  auto* dlq = app.add_subcommand(
      "dlq", "Inspect, replay or purge dead-lettered messages (durable backends only)");
  dlq->require_subcommand(1);

  auto list = std::make_shared<DlqOptions>();
  auto* list_cmd = dlq->add_subcommand(
      "list", "Count the dead letters and show a table of id, attempts, failed-at and error");
  add_common(*list_cmd, *list);
  add_filters(*list_cmd, *list);
  list_cmd->add_flag("--json", list->json, "One JSON object per dead letter instead of a table");
  list_cmd->callback(
      [list, &globals, &run] { run = [list, &globals] { return dlq_list(*list, globals); }; });

  auto show = std::make_shared<DlqOptions>();
  auto* show_cmd = dlq->add_subcommand(
      "show", "Print one dead letter in full: by its id (as listed) or its original message id");
  add_common(*show_cmd, *show);
  show_cmd->add_option("id", show->id, "Id of the dead letter")->required();
  show_cmd->add_flag("--json", show->json, "As one JSON object");
  show_cmd->callback(
      [show, &globals, &run] { run = [show, &globals] { return dlq_show(*show, globals); }; });

  auto replay = std::make_shared<DlqOptions>();
  auto* replay_cmd = dlq->add_subcommand(
      "replay",
      "Publish each dead letter back to the topic in its unimq-dlq-topic header (payload, key "
      "and headers without the unimq-dlq-* ones, attempt count reset); the dead-letter copy is "
      "acknowledged only after the broker confirmed that publish");
  add_common(*replay_cmd, *replay);
  add_filters(*replay_cmd, *replay);
  replay_cmd->add_option("--rate", replay->rate, "At most this many per second")
      ->check(CLI::NonNegativeNumber);
  replay_cmd->add_flag("--dry-run", replay->dry_run,
                       "Print what would be replayed; change nothing");
  replay_cmd->callback([replay, &globals, &run] {
    run = [replay, &globals] { return dlq_settle(*replay, globals, false); };
  });

  auto purge = std::make_shared<DlqOptions>();
  auto* purge_cmd = dlq->add_subcommand(
      "purge", "Acknowledge (drop) the dead letters for the group, without replaying them");
  add_common(*purge_cmd, *purge);
  add_filters(*purge_cmd, *purge);
  purge_cmd->add_option("--rate", purge->rate, "At most this many per second")
      ->check(CLI::NonNegativeNumber);
  purge_cmd->add_flag("--dry-run", purge->dry_run, "Print what would be purged; change nothing");
  purge_cmd->callback([purge, &globals, &run] {
    run = [purge, &globals] { return dlq_settle(*purge, globals, true); };
  });
}

}  // namespace unimq::cli
