// `unimq config validate FILE` and `unimq config print FILE [--resolved]`: the library's own
// parser checks the file; the resolved form has every default filled in, the environment
// expanded and secrets redacted, and parses back to the same configuration.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "commands.hpp"
#include "unimq/driver/broker_url.hpp"
#include "unimq/driver/registry.hpp"
#include "unimq/error.hpp"

namespace unimq::cli {
namespace {

struct ConfigOptions {
  std::string file;
  bool resolved = false;
};

// A YAML scalar that reads back as exactly `text` (a JSON string is a YAML double-quoted one).
std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump();
}

std::string duration(std::chrono::milliseconds d) {
  const auto ms = d.count();
  if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms != 0 && ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string number(double v) {
  std::ostringstream out;
  out.precision(17);
  out << v;
  return out.str();
}

std::string retry(const RetryPolicy& r) {
  return "{max_attempts: " + std::to_string(r.max_attempts) +
         ", initial_backoff: " + duration(r.initial_backoff) +
         ", multiplier: " + number(r.multiplier) + ", max_backoff: " + duration(r.max_backoff) +
         ", jitter: " + number(r.jitter) +
         ", mode: " + (r.mode == RetryMode::redeliver ? "redeliver" : "in_process") + "}";
}

std::string redacted_broker(const std::string& broker) {
  return driver::BrokerUrl::parse(broker).redacted();
}

void print_resolved(const Config& c) {
  std::cout << "broker: " << quoted(redacted_broker(c.broker)) << "\n";
  if (!c.topics.empty()) {
    std::cout << "topics:\n";
    for (const auto& [name, t] : c.topics) {
      std::cout << "  " << quoted(name) << ": {partitions: " << t.partitions
                << ", replication: " << t.replication << "}\n";
    }
  }
  if (!c.producers.empty()) {
    std::cout << "producers:\n";
    for (const auto& [name, p] : c.producers) {
      const auto& o = p.options;
      std::cout << "  " << quoted(name) << ":\n"
                << "    topic: " << quoted(p.topic) << "\n"
                << "    publish_timeout: " << duration(o.publish_timeout) << "\n"
                << "    buffer_capacity: " << o.buffer_capacity << "\n"
                << "    buffer_bytes: " << o.buffer_bytes << "\n"
                << "    when_full: " << (o.when_full == WhenFull::fail ? "fail" : "block") << "\n"
                << "    batch_size: " << o.batch_size << "\n"
                << "    retry: " << retry(o.retry) << "\n";
    }
  }
  if (!c.consumers.empty()) {
    std::cout << "consumers:\n";
    for (const auto& [name, k] : c.consumers) {
      const auto& o = k.options;
      std::cout << "  " << quoted(name) << ":\n"
                << "    topic: " << quoted(k.topic) << "\n";
      if (!o.group.empty()) std::cout << "    group: " << quoted(o.group) << "\n";
      std::cout << "    concurrency: " << o.concurrency << "\n"
                << "    ordering: " << to_string(o.ordering) << "\n"
                << "    max_in_flight: " << o.max_in_flight << "\n"
                << "    ack: " << to_string(o.ack) << "\n"
                << "    start: " << to_string(o.start) << "\n"
                << "    retry: " << retry(o.retry) << "\n"
                << "    dead_letter: {enabled: " << (o.dead_letter.enabled ? "true" : "false");
      if (!o.dead_letter.topic.empty()) std::cout << ", topic: " << quoted(o.dead_letter.topic);
      std::cout << "}\n"
                << "    rate_limit: {per_second: " << number(o.rate_limit.per_second)
                << ", burst: " << o.rate_limit.burst << "}\n"
                << "    poll_timeout: " << duration(o.poll_timeout) << "\n";
    }
  }
  if (!c.metrics.prometheus_listen.empty()) {
    std::cout << "metrics:\n  prometheus: {listen: " << quoted(c.metrics.prometheus_listen)
              << "}\n";
  }
}

// The file as written, with URL passwords and secret-looking option values masked.
std::string redact_text(const std::string& text) {
  static const std::regex password(R"(([A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*):[^@\s/]*@)");
  static const std::regex secret_option(
      R"(([?&][^=&\s]*(pass|secret|token|credential|jaas|private)[^=&\s]*=)[^&\s"']*)",
      std::regex::icase);
  return std::regex_replace(std::regex_replace(text, password, "$1:***@"), secret_option, "$1***");
}

Exit validate(const ConfigOptions& o, const Globals& globals) {
  const Config c = Config::load_file(o.file);
  driver::check_url(driver::BrokerUrl::parse(c.broker));
  for (const auto& [name, p] : c.producers) p.options.validate();
  for (const auto& [name, k] : c.consumers) k.options.validate();
  if (!globals.quiet) {
    std::cout << o.file << ": valid (broker " << redacted_broker(c.broker) << ", "
              << c.topics.size() << " topics, " << c.producers.size() << " producers, "
              << c.consumers.size() << " consumers)\n";
  }
  return Exit::ok;
}

Exit print(const ConfigOptions& o) {
  if (o.resolved) {
    print_resolved(Config::load_file(o.file));
    return Exit::ok;
  }
  std::ifstream in(o.file, std::ios::binary);
  if (!in) throw ConfigError("config file '" + o.file + "': cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::cout << redact_text(text.str());
  return Exit::ok;
}

}  // namespace

void add_config(CLI::App& app, const Globals& globals, Action& run) {
  auto* cmd = app.add_subcommand("config", "Check or show a YAML config file");
  cmd->require_subcommand(1);
  auto v = std::make_shared<ConfigOptions>();
  auto* validate_cmd = cmd->add_subcommand(
      "validate",
      "Parse FILE as the library does (env expanded, UNIMQ_URL applied) and check "
      "its broker URL's scheme and options; exit 2 naming the first problem");
  validate_cmd->add_option("file", v->file, "YAML config file")->required();
  validate_cmd->callback(
      [v, &globals, &run] { run = [v, &globals] { return validate(*v, globals); }; });
  auto p = std::make_shared<ConfigOptions>();
  auto* print_cmd =
      cmd->add_subcommand("print",
                          "Print FILE with secrets redacted; --resolved: as the library reads it, "
                          "environment expanded and every default filled in");
  print_cmd->add_option("file", p->file, "YAML config file")->required();
  print_cmd->add_flag("--resolved", p->resolved, "Print the resolved configuration");
  print_cmd->callback([p, &run] { run = [p] { return print(*p); }; });
}

}  // namespace unimq::cli
