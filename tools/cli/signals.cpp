// Records SIGINT/SIGTERM in a flag the commands poll.
#include "signals.hpp"

#include <csignal>

namespace unimq::cli {
namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void unimq_cli_on_stop_signal(int /*signal*/) {
  stop_flag = 1;
}

}  // namespace

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = unimq_cli_on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() noexcept {
  return stop_flag != 0;
}

}  // namespace unimq::cli
