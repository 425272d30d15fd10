// `unimq sub TOPIC`: prints each message (payload, or one JSON object per line) and acks it
// once printed, in a group (-g) or an anonymous subscription.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>

#include "commands.hpp"
#include "output.hpp"
#include "signals.hpp"
#include "unimq/error.hpp"

namespace unimq::cli {
namespace {

struct SubOptions {
  std::string topic;
  std::string group;
  std::string from = "new";
  std::uint64_t count = 0;
  bool exit_when_idle = false;
  double idle_seconds = 2;
  bool json = false;
};

std::string seconds_text(double seconds) {
  char out[32];
  std::snprintf(out, sizeof out, "%g s", seconds);
  return out;
}

Exit subscribe(const SubOptions& o, const Globals& globals) {
  Client client = connect(globals);
  ConsumerOptions options;
  options.group = o.group;
  options.start = o.from == "all" ? StartPosition::earliest : StartPosition::latest;
  options.ack = AckMode::manual;
  options.dead_letter.enabled = false;  // the handler never fails a message
  if (o.count > 0) {
    options.max_in_flight =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(o.count, options.max_in_flight));
  }
  Consumer consumer = client.topic(o.topic).consumer(options);

  std::mutex mutex;
  std::condition_variable changed;
  std::uint64_t printed = 0;
  bool output_failed = false;
  auto last_activity = std::chrono::steady_clock::now();
  install_stop_signals();
  consumer.start([&](const Delivery& d) {
    std::unique_lock lock(mutex);
    // Past the count, or once stdout is gone, a message is left unacknowledged: the broker
    // keeps it for the group (or drops it with an anonymous subscription).
    if ((o.count > 0 && printed >= o.count) || output_failed) return;
    const std::string line = o.json
                                 ? message_json(d.topic(), d.message(), d.id(), d.attempt()).dump()
                                 : d.message().payload();
    if (!print_line(line)) {
      output_failed = true;
    } else {
      ++printed;
      last_activity = std::chrono::steady_clock::now();
      lock.unlock();
      try {
        d.ack();
      } catch (const ClosedError&) {
        // Stopping meanwhile: the broker redelivers it.
      }
    }
    changed.notify_all();
  });

  const auto idle = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(o.idle_seconds));
  bool idled_out = false;
  {
    std::unique_lock lock(mutex);
    while (true) {
      if ((o.count > 0 && printed >= o.count) || output_failed || stop_requested()) break;
      if (o.exit_when_idle && std::chrono::steady_clock::now() - last_activity >= idle) {
        idled_out = true;
        break;
      }
      changed.wait_for(lock, std::chrono::milliseconds{50});
    }
  }
  consumer.stop(std::chrono::seconds{10});
  client.close();
  if (output_failed) {
    throw Failure(Exit::partial, "stdout was closed after " + std::to_string(printed) +
                                     " messages; the next one was not acknowledged");
  }
  if (idled_out && o.count > 0 && printed < o.count) {
    throw Failure(Exit::timeout, "got " + std::to_string(printed) + " of " +
                                     std::to_string(o.count) + " messages from '" + o.topic +
                                     "' before " + seconds_text(o.idle_seconds) +
                                     " without a message");
  }
  return Exit::ok;
}

}  // namespace

void add_sub(CLI::App& app, const Globals& globals, Action& run) {
  auto o = std::make_shared<SubOptions>();
  auto* cmd = app.add_subcommand(
      "sub", "Print the messages of a topic, acknowledging each one once it is printed");
  cmd->add_option("topic", o->topic, "Topic to read")->required();
  cmd->add_option("-g,--group", o->group,
                  "Consumer group (competing consumers); default: an anonymous subscription");
  cmd->add_option("--from", o->from, "Where a new group starts: new or all (default new)")
      ->check(CLI::IsMember({"new", "all"}));
  cmd->add_option("-n,--count", o->count, "Exit after this many messages");
  cmd->add_flag("-e,--exit-when-idle", o->exit_when_idle,
                "Exit when no message came for --idle seconds (exit 4 if -n was not reached)");
  cmd->add_option("--idle", o->idle_seconds, "Seconds without a message for -e (default 2)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json,
                "One JSON object per line: topic, key, headers, payload (payload_base64 when not "
                "UTF-8), id, attempt");
  cmd->callback([o, &globals, &run] { run = [o, &globals] { return subscribe(*o, globals); }; });
}

}  // namespace unimq::cli
