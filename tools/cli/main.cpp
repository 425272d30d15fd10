// The unimq command-line tool: one binary for every broker this build has (DESIGN §12).
#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "unimq/log.hpp"

namespace {

// The first word that is neither an option nor the value of --url/--config, when it names no
// subcommand: CLI11 would only say that a subcommand is required.
std::string unknown_subcommand(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--url" || arg == "--config") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    for (const auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == arg) return {};
    }
    return arg;
  }
  return {};
}

int run_main(int argc, char** argv) {
  using unimq::cli::Exit;
  unimq::cli::Globals globals;
  CLI::App app{"unimq: publish, tail, inspect and replay messages on any broker unimq supports.",
               "unimq"};
  app.footer(std::string("The broker: --url URL, else the environment variable UNIMQ_URL, else "
                         "the broker of --config FILE\n(which UNIMQ_URL overrides), as in the "
                         "library.\n\n") +
             unimq::cli::exit_codes_help);
  app.add_option("--url", globals.url,
                 "Broker URL: memory://, redis://HOST[:PORT]?mode=streams, nats://HOST, "
                 "amqp://USER:PASS@HOST, ... (default: $UNIMQ_URL)");
  app.add_option("--config", globals.config,
                 "YAML config file (broker, topics, consumers); UNIMQ_URL and --url override "
                 "its broker");
  app.add_flag("-q,--quiet", globals.quiet, "No progress bar and no summary lines on stderr");
  app.add_flag("-v,--verbose", globals.verbose, "Show the library's log lines (info level)");
  app.require_subcommand(1);
  app.fallthrough();

  unimq::cli::Action run;
  unimq::cli::add_pub(app, globals, run);
  unimq::cli::add_sub(app, globals, run);
  unimq::cli::add_dlq(app, globals, run);
  unimq::cli::add_check(app, globals, run);
  unimq::cli::add_config(app, globals, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    if (const auto word = unknown_subcommand(app, argc, argv); !word.empty()) {
      std::cerr << "unimq: unknown subcommand '" << word
                << "'; expected pub, sub, dlq, check or config (see unimq --help)\n";
      return static_cast<int>(Exit::usage);
    }
    std::cerr << "unimq: " << unimq::cli::one_line(e.what()) << " (see unimq --help)\n";
    return static_cast<int>(Exit::usage);
  }
  // A closed stdout (`unimq sub t | head -1`) is a write error the commands handle, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  unimq::set_log_level(globals.verbose ? unimq::LogLevel::info : unimq::LogLevel::warn);
  try {
    return static_cast<int>(run());
  } catch (const std::exception& e) {
    std::cerr << "unimq: " << unimq::cli::one_line(e.what()) << "\n";
    return static_cast<int>(unimq::cli::exit_for(e));
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "unimq: internal error: " << unimq::cli::one_line(e.what()) << "\n";
  } catch (...) {
    std::cerr << "unimq: internal error\n";
  }
  return static_cast<int>(unimq::cli::Exit::internal);
}
