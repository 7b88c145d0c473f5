// Test support: run wsyaml and peer servers as real child processes on loopback.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "metrics/result.h"

namespace wsyaml::testing {

/// What a finished child process left.
struct ProcessResult {
  int exit_code = -1;  ///< -1 when killed by a signal or timed out
  bool timed_out = false;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// A signal to send to a child: `at` after the previous signal (or the start), and, with
/// `when`, not before `when` holds for what the child has printed so far (checked every
/// millisecond). Synchronise on `when` (a line in the output, a file appearing); keep `at`
/// for a margin after such a condition.
struct TimedSignal {
  std::chrono::milliseconds at;
  int signal;
  std::function<bool(const ProcessResult& so_far)> when = nullptr;
};

/// Runs `args` (args[0] is the program) with a time limit; kills it when the limit passes.
ProcessResult RunProcess(const std::vector<std::string>& args, std::chrono::seconds limit,
                         const std::vector<std::string>& extra_env = {},
                         std::vector<TimedSignal> signals = {});

/// Runs `args` like RunProcess with its stderr on a pseudo-terminal (raw mode): `err` is what
/// the child wrote to the terminal.
ProcessResult RunOnTerminal(const std::vector<std::string>& args, std::chrono::seconds limit,
                            std::vector<TimedSignal> signals = {});

/// Writes `text` to a new file `name` in a fresh temporary directory; returns its path.
std::string WriteTempFile(const std::string& name, const std::string& text);

/// A server child process that prints `listening on ws://127.0.0.1:PORT` first.
class ServerProcess {
 public:
  /// Starts `args` and waits (up to 10 s) for the listening line.
  explicit ServerProcess(const std::vector<std::string>& args);
  ~ServerProcess();
  /// The port it listens on, or 0 when it did not start.
  int port() const { return port_; }
  /// Sends SIGTERM and returns everything it printed to stdout after the listening line.
  std::string Stop();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int port_ = 0;
  std::string buffered_;
};

/// A loopback port that was free a moment ago, below the kernel's ephemeral range (so no
/// connection is given it meanwhile) and never given twice by this process: for a server the
/// test starts, or for a connection that must be refused.
int FreeLoopbackPort();

/// The wsyaml binary under test.
std::string WsyamlBinary();
/// A path under the source tree.
std::string SourcePath(const std::string& relative);
/// A fresh temporary directory.
std::string TempDir();

/// Sum of a counter over all its tag sets in a result.
double CounterTotal(const metrics::Result& result, metrics::MetricId id);
/// Number of samples of a trend over all its tag sets.
uint64_t TrendCount(const metrics::Result& result, metrics::MetricId id);

}  // namespace wsyaml::testing
