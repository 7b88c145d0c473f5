#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

namespace wsyaml::testing {
namespace {

using Clock = std::chrono::steady_clock;

int ExitCodeOf(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

/// A TCP socket from /proc/net/tcp{,6}.
struct TcpSocket {
  int local_port = 0;
  int state = 0;        ///< 1 established, 8 close-wait, 10 listen, ...
  uint64_t unread = 0;  ///< bytes received but not yet read by the owner
};

std::vector<TcpSocket> TcpSockets() {
  std::vector<TcpSocket> sockets;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream file(path);
    std::string line;
    std::getline(file, line);  // the header
    while (std::getline(file, line)) {
      // "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 ..."
      char local[64], remote[64];
      unsigned state = 0;
      unsigned long tx = 0, rx = 0;
      if (std::sscanf(line.c_str(), " %*d: %63s %63s %x %lx:%lx", local, remote, &state, &tx,
                      &rx) != 5)
        continue;
      const char* colon = std::strrchr(local, ':');
      if (!colon) continue;
      sockets.push_back(
          {static_cast<int>(std::strtol(colon + 1, nullptr, 16)), static_cast<int>(state), rx});
    }
  }
  return sockets;
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace

bool WaitUntilConnectionsEnd(int port, std::chrono::milliseconds timeout) {
  return PollUntil(
      [port] {
        for (const TcpSocket& s : TcpSockets())
          if (s.local_port == port && (s.state == 1 || s.state == 8)) return false;
        return true;
      },
      timeout);
}

bool WaitUntilRequestsRead(int port, int n, std::chrono::milliseconds timeout) {
  return PollUntil(
      [port, n] {
        int read = 0;
        for (const TcpSocket& s : TcpSockets())
          if (s.local_port == port && s.state == 1 && s.unread == 0) ++read;
        return read >= n;
      },
      timeout);
}

std::string ServerTestDir() { return std::string(WSYAML_SOURCE_DIR) + "/tests/server"; }

std::unique_ptr<Child> Child::Start(const std::vector<std::string>& argv) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return nullptr;
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, STDIN_FILENO);
    // The test binary may block signals in other threads; the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    return nullptr;
  }
  auto child = std::unique_ptr<Child>(new Child());
  child->pid_ = pid;
  child->out_fd_ = fds[0];
  return child;
}

Child::~Child() {
  if (!reaped_ && pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
}

bool Child::ReadLine(std::string* line, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      *line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{out_fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    char chunk[4096];
    ssize_t n = read(out_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

std::string Child::ReadAll(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd pfd{out_fd_, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char chunk[4096];
    ssize_t n = read(out_fd_, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<size_t>(n));
  }
  std::string all;
  all.swap(buffer_);
  return all;
}

int Child::Stop(int signal_number, std::chrono::milliseconds timeout) {
  if (!reaped_) kill(pid_, signal_number);
  return Wait(timeout);
}

int Child::Wait(std::chrono::milliseconds timeout) {
  if (reaped_) return -1;
  auto deadline = Clock::now() + timeout;
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      reaped_ = true;
      return ExitCodeOf(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid_, SIGKILL);
  if (waitpid(pid_, &status, 0) == pid_) {
    reaped_ = true;
    return ExitCodeOf(status);
  }
  return -1;
}

std::string RunPythonScript(const std::string& script, const std::vector<std::string>& args,
                            int* exit_code, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {"/usr/bin/python3", ServerTestDir() + "/" + script};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = Child::Start(argv);
  if (!child) {
    *exit_code = -1;
    return "";
  }
  std::string out = child->ReadAll(timeout);
  *exit_code = child->Wait(std::chrono::seconds(5));
  return out;
}

std::string RunPythonSource(const std::string& source, const std::vector<std::string>& args,
                            int* exit_code, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {
      "/usr/bin/python3", "-c",
      "import sys; sys.path.insert(0, '" + ServerTestDir() + "')\n" + source};
  argv.insert(argv.end(), args.begin(), args.end());
  auto child = Child::Start(argv);
  if (!child) {
    *exit_code = -1;
    return "";
  }
  std::string out = child->ReadAll(timeout);
  *exit_code = child->Wait(std::chrono::seconds(5));
  return out;
}

int PortFromListeningLine(const std::string& line) {
  size_t scheme = line.find(" on ws://");
  if (scheme == std::string::npos) return 0;
  size_t colon = line.rfind(':');
  if (colon == std::string::npos || colon < scheme + 9) return 0;
  return std::atoi(line.c_str() + colon + 1);
}

}  // namespace wsyaml::testing
