// A deadline for socket writes rabbitmq-c cannot bound itself: basic.publish polls for room in
// the socket buffer with no timeout, so a broker that stops reading (a stalled network, the
// socket still open) would block the publishing thread for ever. While a WriteDeadline lives, a
// watchdog thread shuts the socket down once the deadline passes; the blocked write then fails,
// and the link drops the connection and reconnects as after any socket error.
#pragma once

#include <chrono>
#include <cstdint>

namespace unimq::rabbitmq {

/// Arms the watchdog for socket `fd` until `deadline`; destroying it disarms it. Keep it alive
/// only around the write (never while the connection closes): after the destructor returns the
/// watchdog no longer touches `fd`, so a closed descriptor's number, reused, is safe.
class WriteDeadline {
 public:
  /// Arms the watchdog (`fd` < 0: does nothing).
  WriteDeadline(int fd, std::chrono::steady_clock::time_point deadline);
  /// Disarms it.
  ~WriteDeadline();
  WriteDeadline(const WriteDeadline&) = delete;
  WriteDeadline& operator=(const WriteDeadline&) = delete;

  /// Whether the deadline passed and the socket was shut down.
  bool expired() const;

 private:
  std::uint64_t id_ = 0;  // 0: not armed
};

}  // namespace unimq::rabbitmq
