// A progress bar with rate and ETA on stderr, drawn only when stderr is a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace unimq::cli {

/// Counts work done and redraws one stderr line at most ten times a second. Disabled (every call
/// does nothing visible) when `enabled` is false: --quiet, or stderr is not a terminal.
/// Thread-safe.
class Progress {
 public:
  /// A bar labelled `label`; `enabled` usually comes from enabled_for().
  Progress(std::string label, bool enabled);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  /// Erases the line when it was drawn.
  ~Progress();

  /// Whether a bar should be drawn: not quiet and stderr is a terminal.
  static bool enabled_for(bool quiet);

  /// Sets the total the ETA is computed against; 0 = unknown (no ETA, no bar).
  void set_total(std::uint64_t total);
  /// Adds `n` finished items.
  void add(std::uint64_t n = 1);
  /// Erases the bar (before printing other output on stderr).
  void clear();

 private:
  void draw(bool force);

  std::mutex mutex_;
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::uint64_t done_ = 0;
  std::uint64_t total_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace unimq::cli
