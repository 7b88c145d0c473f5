#include "run/process_pool.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace wsyaml::run {
namespace {

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReadAll(int fd, char* data, size_t size) {
  while (size > 0) {
    ssize_t n = read(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// In a new child: die with the parent, even when it died before we could ask for that.
void FollowParent(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);
  // Ctrl-C on a terminal goes to the foreground group: only the parent, which forwards it.
  setpgid(0, 0);
}

}  // namespace

bool ChildChannel::Send(std::string_view message) {
  uint64_t size = message.size();
  return WriteAll(fd_, reinterpret_cast<const char*>(&size), sizeof size) &&
         WriteAll(fd_, message.data(), message.size());
}

ProcessPool::~ProcessPool() {
  Signal(SIGKILL);
  Finish();
}

bool ProcessPool::Start(int count, const ChildMain& main, std::string* error) {
  const pid_t parent = getpid();
  for (int index = 0; index < count; ++index) {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      *error = std::string("cannot create a socket pair for a worker: ") + std::strerror(errno);
      return false;
    }
    std::fflush(nullptr);  // what is buffered now must not be written twice
    pid_t pid = fork();
    if (pid == 0) {
      FollowParent(parent);
      close(fds[0]);
      for (const Child& earlier : children_) close(earlier.fd);
      // The gate: every child waits here, allocating nothing, until all are forked. Only
      // then may the parent's other threads (a built-in server serving the first children)
      // wake up; a fork while one of them holds an allocator lock would leave that lock
      // locked forever in the child (glibc's malloc guards its locks around fork; the
      // sanitizers' allocator of GCC 12 does not).
      char go = 0;
      if (!ReadAll(fds[1], &go, 1)) _exit(127);
      ChildChannel channel(fds[1]);
      int code = main(index, channel);
      std::cout.flush();
      std::cerr.flush();
      std::fflush(nullptr);
      _exit(code);
    }
    close(fds[1]);
    if (pid < 0) {
      close(fds[0]);
      *error = std::string("cannot start a worker process: ") + std::strerror(errno);
      return false;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    children_.push_back(Child{pid, fds[0], false, {}});
  }
  for (const Child& child : children_) {
    if (!WriteAll(child.fd, "g", 1)) {
      *error = std::string("cannot start a worker process: ") + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool ProcessPool::ReadMessage(int index, std::string* message) {
  int& fd = children_[static_cast<size_t>(index)].fd;
  uint64_t size = 0;
  bool ok = fd >= 0 && ReadAll(fd, reinterpret_cast<char*>(&size), sizeof size);
  if (ok) {
    message->resize(size);
    ok = ReadAll(fd, message->data(), size);
  }
  if (!ok && fd >= 0) {
    close(fd);
    fd = -1;
  }
  return ok;
}

std::vector<int> ProcessPool::Readable(int timeout_ms) {
  std::vector<pollfd> fds;
  std::vector<int> indexes;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (children_[i].fd < 0) continue;
    fds.push_back({children_[i].fd, POLLIN, 0});
    indexes.push_back(static_cast<int>(i));
  }
  std::vector<int> ready;
  if (fds.empty() || poll(fds.data(), fds.size(), timeout_ms) <= 0) return ready;  // or EINTR
  for (size_t i = 0; i < fds.size(); ++i)
    if (fds[i].revents != 0) ready.push_back(indexes[i]);
  return ready;
}

void ProcessPool::Signal(int signal) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Child& child : children_)
    if (!child.reaped) kill(child.pid, signal);
}

void ProcessPool::Reap(size_t index) {
  Child& child = children_[index];
  if (child.reaped) return;
  // Wait without reaping, so the pid stays ours while Signal may still use it.
  siginfo_t info{};
  while (waitid(P_PID, static_cast<id_t>(child.pid), &info, WEXITED | WNOWAIT) != 0 &&
         errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mutex_);
  int status = 0;
  while (waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  child.reaped = true;
  if (WIFEXITED(status)) child.exit.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) child.exit.signal = WTERMSIG(status);
}

std::vector<ProcessPool::Exit> ProcessPool::Finish() {
  std::vector<Exit> exits;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (children_[i].fd >= 0) {
      close(children_[i].fd);
      children_[i].fd = -1;
    }
    Reap(i);
    exits.push_back(children_[i].exit);
  }
  return exits;
}

}  // namespace wsyaml::run
