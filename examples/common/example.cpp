// The shared example helpers.
#include "example.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

namespace example {

Args parse_args(int argc, char** argv, std::string_view usage) {
  Args args;
  if (const char* env = std::getenv("UNIMQ_URL"); env != nullptr && *env != '\0') args.url = env;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--help" || arg == "-h") {
      std::cout << usage << "\n\n  --url URL          broker (default: UNIMQ_URL, else memory://)\n"
                << "  --timeout SECONDS  fail when the run takes longer (default 60)\n";
      std::exit(0);
    } else if (arg == "--url" && has_value) {
      args.url = argv[++i];
    } else if (arg == "--timeout" && has_value) {
      const int seconds = std::atoi(argv[++i]);
      if (seconds <= 0) {
        std::cerr << "--timeout needs a positive number of seconds\n";
        std::exit(2);
      }
      args.timeout = std::chrono::seconds{seconds};
    } else {
      std::cerr << "unknown or incomplete argument '" << arg << "' (try --help)\n";
      std::exit(2);
    }
  }
  return args;
}

std::string unique_name(std::string_view prefix) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::ostringstream name;
  name << prefix << '-' << std::hex << ms << '-' << (std::random_device{}() & 0xffff);
  return name.str();
}

std::string group_or_broadcast(const unimq::Client& client, std::string name) {
  return client.capabilities().consumer_groups ? std::move(name) : std::string();
}

bool wait_until(const std::function<bool()>& done, std::chrono::steady_clock::time_point deadline) {
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return true;
}

int run(const std::function<int()>& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace example
