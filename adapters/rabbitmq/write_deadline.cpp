// The watchdog behind WriteDeadline: one thread for the process, started by the first deadline
// armed, sleeping until the earliest one. shutdown() (not close()) makes a write blocked in
// another thread fail at once while the descriptor stays valid for its owner to close.
#include "write_deadline.hpp"

#include <sys/socket.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "internal/log.hpp"

namespace unimq::rabbitmq {
namespace {

using Clock = std::chrono::steady_clock;

class Watchdog {
 public:
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  std::uint64_t arm(int fd, Clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    const auto id = ++last_id_;
    armed_.emplace(id, Armed{fd, deadline, false});
    // Only a deadline before the one the thread sleeps until needs it awake. Deadlines are
    // mostly "now + the same timeout", later than every one before, so a write costs no
    // wake-up; a thread that wakes for a deadline disarmed meanwhile just sleeps again.
    if (deadline < sleeping_until_) wake_.notify_one();
    return id;
  }

  void disarm(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    armed_.erase(id);
  }

  bool expired(std::uint64_t id) const {
    std::lock_guard lock(mutex_);
    const auto it = armed_.find(id);
    return it != armed_.end() && it->second.fired;
  }

 private:
  struct Armed {
    int fd;
    Clock::time_point deadline;
    bool fired;
  };

  Clock::time_point earliest_deadline() const {
    auto earliest = Clock::time_point::max();
    for (const auto& [id, a] : armed_) {
      if (!a.fired && a.deadline < earliest) earliest = a.deadline;
    }
    return earliest;
  }

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      const auto now = Clock::now();
      for (auto& [id, a] : armed_) {
        if (a.fired || a.deadline > now) continue;
        // Under the lock: the owner cannot disarm, and so cannot close the descriptor, while
        // it is shut down here.
        ::shutdown(a.fd, SHUT_RDWR);
        a.fired = true;
        detail::log_warn("rabbitmq: a socket write did not finish in time; closing the connection");
      }
      sleeping_until_ = earliest_deadline();
      if (sleeping_until_ == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, sleeping_until_);
      }
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::uint64_t, Armed> armed_;  // by id
  std::uint64_t last_id_ = 0;
  // What the thread sleeps until (max: until woken); it is not running before the first arm.
  Clock::time_point sleeping_until_ = Clock::time_point::max();
  bool stopping_ = false;
  std::thread thread_;
};

Watchdog& watchdog() {
  static Watchdog instance;
  return instance;
}

}  // namespace

WriteDeadline::WriteDeadline(int fd, Clock::time_point deadline) {
  if (fd >= 0) id_ = watchdog().arm(fd, deadline);
}

WriteDeadline::~WriteDeadline() {
  if (id_ != 0) watchdog().disarm(id_);
}

bool WriteDeadline::expired() const {
  return id_ != 0 && watchdog().expired(id_);
}

}  // namespace unimq::rabbitmq
