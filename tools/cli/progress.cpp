// The stderr progress bar.
#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace unimq::cli {
namespace {

constexpr int kWidth = 30;

std::string eta_text(double seconds) {
  const long long s = std::llround(seconds);
  char out[32];
  if (s >= 3600) {
    std::snprintf(out, sizeof out, "%lldh%02lldm", s / 3600, (s / 60) % 60);
  } else if (s >= 60) {
    std::snprintf(out, sizeof out, "%lldm%02llds", s / 60, s % 60);
  } else {
    std::snprintf(out, sizeof out, "%llds", s);
  }
  return out;
}

}  // namespace

Progress::Progress(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  clear();
}

bool Progress::enabled_for(bool quiet) {
  return !quiet && isatty(STDERR_FILENO) == 1;
}

void Progress::set_total(std::uint64_t total) {
  std::lock_guard lock(mutex_);
  total_ = total;
  draw(true);
}

void Progress::add(std::uint64_t n) {
  std::lock_guard lock(mutex_);
  done_ += n;
  draw(false);
}

void Progress::clear() {
  std::lock_guard lock(mutex_);
  if (enabled_ && drawn_) {
    std::fputs("\r\x1b[K", stderr);
    std::fflush(stderr);
    drawn_ = false;
  }
}

void Progress::draw(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds{100}) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0;
  std::string line = "\r\x1b[K" + label_ + " ";
  char buf[96];
  if (total_ > 0) {
    const double fraction = std::min(1.0, static_cast<double>(done_) / static_cast<double>(total_));
    const int filled = static_cast<int>(fraction * kWidth);
    line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(kWidth - filled), '.') + "] ";
    std::snprintf(buf, sizeof buf, "%llu/%llu %.0f/s", static_cast<unsigned long long>(done_),
                  static_cast<unsigned long long>(total_), rate);
    line += buf;
    if (rate > 0 && done_ < total_) {
      line += " ETA " + eta_text(static_cast<double>(total_ - done_) / rate);
    }
  } else {
    std::snprintf(buf, sizeof buf, "%llu %.0f/s", static_cast<unsigned long long>(done_), rate);
    line += buf;
  }
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace unimq::cli
