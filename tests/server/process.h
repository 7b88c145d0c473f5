// Child processes for the server tests: Python clients and servers, and the wsyaml binary.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace wsyaml::testing {

/// Where the Python test helpers live (tests/server).
std::string ServerTestDir();

/// A child process with its stdout piped to us; killed (SIGKILL) when destroyed if running.
class Child {
 public:
  /// Starts argv[0] (a path) with stdin from /dev/null and stderr inherited; nullptr on failure.
  static std::unique_ptr<Child> Start(const std::vector<std::string>& argv);
  ~Child();

  /// Reads one line of stdout (without '\n'); false at EOF or after `timeout`.
  bool ReadLine(std::string* line, std::chrono::milliseconds timeout);
  /// Reads stdout to EOF, at most `timeout` long.
  std::string ReadAll(std::chrono::milliseconds timeout);
  /// Sends `signal_number` and waits up to `timeout` for the exit (then SIGKILL); returns the
  /// exit code, or 128 + signal if it was killed, or -1 if it could not be reaped.
  int Stop(int signal_number, std::chrono::milliseconds timeout);
  /// Waits up to `timeout` for the exit (then SIGKILL); same result as Stop.
  int Wait(std::chrono::milliseconds timeout);

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool reaped_ = false;
};

/// Runs tests/server/<script> with /usr/bin/python3 (which has python3-websockets) and the
/// given arguments, at most `timeout` long; returns its stdout and stores the exit code.
std::string RunPythonScript(const std::string& script, const std::vector<std::string>& args,
                            int* exit_code,
                            std::chrono::milliseconds timeout = std::chrono::seconds(40));

/// Runs Python source given inline (with tests/server on its path, so `from wsclient import`
/// works); `args` become sys.argv[1:].
std::string RunPythonSource(const std::string& source, const std::vector<std::string>& args,
                            int* exit_code,
                            std::chrono::milliseconds timeout = std::chrono::seconds(40));

/// Waits until every connection to the server on loopback port `port` has ended on the
/// server's side (no server socket established or half-closed, per /proc/net/tcp{,6}), so the
/// server has read everything its clients sent. Polls every 5 ms; false after `timeout`.
bool WaitUntilConnectionsEnd(int port, std::chrono::milliseconds timeout);

/// Waits until `n` connections to the server on loopback port `port` are established and the
/// server has read all they sent (nothing left unread in the sockets). Polls every 5 ms;
/// false after `timeout`.
bool WaitUntilRequestsRead(int port, int n, std::chrono::milliseconds timeout);

/// Parses "listening on ws://HOST:PORT" (or "refusing on ws://...") into PORT; 0 if the line
/// is not like that.
int PortFromListeningLine(const std::string& line);

}  // namespace wsyaml::testing
