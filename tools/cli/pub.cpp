// `unimq pub TOPIC [PAYLOAD]`: publishes from the argument, a file or stdin (one message per
// line), waits for every confirmation and exits non-zero when any publish failed.
#include <CLI/CLI.hpp>
#include <atomic>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <mutex>
#include <sstream>

#include "commands.hpp"
#include "pacer.hpp"
#include "progress.hpp"
#include "unimq/error.hpp"

namespace unimq::cli {
namespace {

struct PubOptions {
  std::string topic;
  std::string payload;
  CLI::Option* payload_option = nullptr;
  std::string key;
  std::vector<std::string> headers;
  std::uint64_t count = 1;
  double rate = 0;
  std::string file;
  bool whole = false;
  std::string timeout = "30s";
};

// "name=value" pairs of -H; a missing '=' is a usage error.
Headers parse_headers(const std::vector<std::string>& items) {
  Headers out;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Failure(Exit::usage, "-H '" + item + "': expected name=value");
    }
    out.set(item.substr(0, eq), item.substr(eq + 1));
  }
  return out;
}

std::chrono::milliseconds flag_duration(const std::string& text, const char* flag) {
  try {
    return parse_duration(text, flag);
  } catch (const ConfigError& e) {
    throw Failure(Exit::usage, e.what());
  }
}

// Counts the outcomes of the publishes; callbacks run on unimq threads.
class Outcomes {
 public:
  explicit Outcomes(Progress& progress) : progress_(progress) {}

  void record(const PublishResult& result) {
    if (result.ok()) {
      ++confirmed_;
    } else {
      ++failed_;
      try {
        std::rethrow_exception(result.error);
      } catch (const TimeoutError& e) {
        ++timeouts_;
        note(e.what());
      } catch (const std::exception& e) {
        note(e.what());
      }
    }
    progress_.add();
  }
  void failed_now(const std::exception& e) {
    ++failed_;
    note(e.what());
  }

  std::uint64_t confirmed() const { return confirmed_.load(); }
  std::uint64_t failed() const { return failed_.load(); }
  std::uint64_t timeouts() const { return timeouts_.load(); }
  std::string first_error() {
    std::lock_guard lock(mutex_);
    return first_error_;
  }

 private:
  void note(const std::string& what) {
    std::lock_guard lock(mutex_);
    if (first_error_.empty()) first_error_ = what;
  }

  Progress& progress_;
  std::atomic<std::uint64_t> confirmed_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> timeouts_{0};
  std::mutex mutex_;
  std::string first_error_;
};

std::vector<std::string> read_lines(std::istream& in) {
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

Exit publish(const PubOptions& o, const Globals& globals) {
  const Headers headers = parse_headers(o.headers);
  const auto timeout = flag_duration(o.timeout, "--timeout");
  const bool from_argument = o.payload_option->count() > 0;
  if (from_argument && !o.file.empty()) {
    throw Failure(Exit::usage, "give either PAYLOAD or -f FILE, not both");
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (!from_argument && !o.file.empty() && o.file != "-") {
    file.open(o.file, std::ios::binary);
    if (!file) throw Failure(Exit::usage, "-f '" + o.file + "': cannot open it");
    in = &file;
  }
  // A file is read first, so the progress bar knows the total; stdin streams (tail -f | pub),
  // unless it has to be sent more than once.
  std::vector<std::string> inputs;
  bool streaming = false;
  if (from_argument) {
    inputs.push_back(o.payload);
  } else if (o.whole) {
    inputs.emplace_back(std::istreambuf_iterator<char>(*in), std::istreambuf_iterator<char>());
  } else if (in == &file || o.count > 1) {
    inputs = read_lines(*in);
  } else {
    streaming = true;
  }

  Client client = connect(globals);
  ProducerOptions options;
  options.publish_timeout = timeout;
  Producer producer = client.topic(o.topic).producer(options);
  Progress progress("pub " + o.topic, Progress::enabled_for(globals.quiet) && !from_argument);
  if (!streaming) progress.set_total(inputs.size() * o.count);
  Outcomes outcomes(progress);
  Pacer pacer(o.rate);
  std::uint64_t sent = 0;
  auto send = [&](std::string payload) {
    pacer.wait();
    Message message(std::move(payload));
    message.key(o.key);
    message.headers() = headers;
    ++sent;
    try {
      producer.publish(std::move(message),
                       [&outcomes](const PublishResult& r) { outcomes.record(r); });
    } catch (const Error& e) {
      outcomes.failed_now(e);
    }
  };
  if (streaming) {
    for (std::string line; std::getline(*in, line);) send(std::move(line));
  } else {
    for (std::uint64_t round = 0; round < o.count; ++round) {
      for (const auto& payload : inputs) send(payload);
    }
  }
  // Every publish completes by its timeout, so this flush returns once all have.
  producer.flush(timeout + std::chrono::seconds{5});
  producer.close();
  progress.clear();

  if (outcomes.failed() > 0) {
    const std::string what = std::to_string(outcomes.failed()) + " of " + std::to_string(sent) +
                             " messages to '" + o.topic +
                             "' were not confirmed; first error: " + outcomes.first_error();
    if (outcomes.timeouts() == sent) throw Failure(Exit::timeout, what);
    throw Failure(Exit::partial, what);
  }
  if (!globals.quiet) {
    std::cerr << "pub: " << outcomes.confirmed() << " message" << (sent == 1 ? "" : "s")
              << " confirmed on '" << o.topic << "'\n";
  }
  return Exit::ok;
}

}  // namespace

void add_pub(CLI::App& app, const Globals& globals, Action& run) {
  auto o = std::make_shared<PubOptions>();
  auto* cmd = app.add_subcommand(
      "pub", "Publish messages and wait for the broker's confirmation of each one");
  cmd->add_option("topic", o->topic, "Topic to publish to")->required();
  o->payload_option =
      cmd->add_option("payload", o->payload,
                      "The payload; without it, one message per line from -f FILE or from stdin");
  cmd->add_option("-k,--key", o->key, "Message key (ordering, Kafka partition)");
  cmd->add_option("-H,--header", o->headers, "Header name=value (repeatable)");
  cmd->add_option("--count", o->count, "Publish the input this many times")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rate", o->rate, "At most this many messages per second (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("-f,--file", o->file, "Read one message per line from FILE (- = stdin)");
  cmd->add_flag("--whole", o->whole, "The whole input (file or stdin) is one message");
  cmd->add_option("--timeout", o->timeout, "Longest wait for each confirmation (default 30s)");
  cmd->callback([o, &globals, &run] { run = [o, &globals] { return publish(*o, globals); }; });
}

}  // namespace unimq::cli
