// Process plumbing shared by the private broker servers of the tests (RedisProcess,
// NatsProcess): free loopback ports, temporary directories, binaries in PATH, a child process
// with kill -9 / stop / reap, and run_process() for commands with captured output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace unimq::test {

/// What a finished child process produced.
struct ProcessResult {
  /// Exit status; 128 + signal number when a signal ended it; -1 when it could not be started.
  int exit_code = -1;
  /// Whether it was killed (SIGKILL) because it outlived its timeout.
  bool timed_out = false;
  /// Everything it wrote to stdout.
  std::string out;
  /// Everything it wrote to stderr.
  std::string err;
};

/// Runs `argv` (argv[0] is looked up in PATH; no shell, so arguments need no quoting) with stdin
/// from /dev/null, captures stdout and stderr, and waits for it to exit. A child still running
/// after `timeout` is killed with SIGKILL and reported as `timed_out`, with the output it wrote
/// so far. Never throws for a failing child; a child that cannot be started gives exit_code -1
/// and the reason in `err`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds{10});

/// The environment variable `name`, or `fallback` when it is unset or empty.
std::string env_or(const char* name, const char* fallback);

/// `name` when it is a path (and executable), else its first executable match in PATH; empty
/// when there is none.
std::string find_executable(const std::string& name);

/// A new directory `$TMPDIR/<prefix>XXXXXX` (TMPDIR defaults to /tmp); throws on failure.
std::filesystem::path make_temp_dir(const char* prefix);

/// A loopback port nobody listens on right now (the kernel's pick for an ephemeral bind). Someone
/// else may take it before the caller binds it: retry on "address already in use".
std::uint16_t free_loopback_port();
/// `n` distinct free loopback ports.
std::vector<std::uint16_t> free_loopback_ports(std::size_t n);

/// A blocking TCP connection to 127.0.0.1:`port` (close-on-exec); -1 with errno on failure.
int connect_loopback(std::uint16_t port);

/// Exit status of a waitpid() status: the exit code, or 128 + signal number.
int exit_code_of(int status);

/// One child process (a server) a test starts and ends: fork and exec with only
/// async-signal-safe calls between them, so it is safe from a multi-threaded test. Not
/// thread-safe: one test thread drives it. Does not end the child on destruction: call stop() or
/// kill9().
///
///     ChildProcess server;
///     std::string why;
///     if (!server.spawn({"redis-server", "--port", "7000"}, "/dev/null", false, why)) FAIL() <<
///     why; server.kill9();
class ChildProcess {
 public:
  /// Starts `argv` (argv[0] resolved by find_executable()) with stdin from /dev/null, stdout and
  /// stderr appended to `output_path`, and no other descriptor of the test inherited. With
  /// `kill_with_thread` the child gets SIGKILL when the calling thread ends (PR_SET_PDEATHSIG),
  /// so a test that crashes leaves no server behind. False with the reason in `why` when it
  /// cannot be started; a running child is killed first.
  bool spawn(const std::vector<std::string>& argv, const std::string& output_path,
             bool kill_with_thread, std::string& why);
  /// Its process id; -1 while it is not running.
  pid_t pid() const noexcept { return pid_; }
  /// Whether it was started and not yet reaped.
  bool running() const noexcept { return pid_ > 0; }
  /// Whether it exited by itself (reaped without waiting); its exit_code_of() in `code`.
  bool exited(int& code);
  /// SIGKILL, and reap it. Does nothing when it is not running.
  void kill9();
  /// SIGTERM (an orderly shutdown), SIGKILL after 5 s; reaps it. Does nothing when not running.
  void stop();

 private:
  pid_t pid_ = -1;
};

}  // namespace unimq::test
