// Worker processes for `run --procs` and `serve --procs`: fork N children of this process,
// each running a function, each with a pipe back to the parent for framed messages (a ready
// line, ticks, a result), read one at a time or from all at once (Readable). Children die with
// their parent (PR_SET_PDEATHSIG, SIGKILL) and sit in their own process group, so a terminal's
// Ctrl-C reaches only the parent, which forwards it. Threading: Start, ReadMessage, Readable and
// Finish from the thread that created the pool (the death signal follows that thread, so it must
// live as long as the children); Signal from any thread.
#pragma once

#include <sys/types.h>

#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace wsyaml::run {

/// Sends framed messages from a child to its parent.
class ChildChannel {
 public:
  explicit ChildChannel(int fd) : fd_(fd) {}
  /// Sends one message (any bytes). False when the parent is gone.
  bool Send(std::string_view message);

 private:
  int fd_;
};

class ProcessPool {
 public:
  /// A child's body: returns its exit code. It runs in a forked copy of this process (only
  /// the forking thread exists there) and must not return into the caller's code: the pool
  /// flushes stdio and _exits with the code.
  using ChildMain = std::function<int(int index, ChildChannel& channel)>;

  /// How a child ended.
  struct Exit {
    int code = -1;   ///< exit code, or -1 when killed by a signal
    int signal = 0;  ///< the signal that killed it, else 0
  };

  ProcessPool() = default;
  ProcessPool(const ProcessPool&) = delete;
  ProcessPool& operator=(const ProcessPool&) = delete;
  /// Kills (SIGKILL) and reaps children not yet finished.
  ~ProcessPool();

  /// Forks `count` children running `main(index, channel)`; none runs `main` before all are
  /// forked. False with *error when a fork fails (the children already forked wait; Finish or
  /// the destructor ends them).
  bool Start(int count, const ChildMain& main, std::string* error);
  /// Children started.
  int size() const { return static_cast<int>(children_.size()); }
  /// The pid of child `index`.
  pid_t pid(int index) const { return children_[static_cast<size_t>(index)].pid; }
  /// Blocks for the next message of child `index`; false at its end of output (its channel
  /// is closed then: Readable leaves it out).
  bool ReadMessage(int index, std::string* message);
  /// Waits up to `timeout_ms` (-1: no limit) for children with a message or the end of their
  /// output to read; returns their indexes (none on timeout, or when every channel is closed).
  std::vector<int> Readable(int timeout_ms);
  /// Sends `signal` to every child not yet reaped. Thread-safe.
  void Signal(int signal);
  /// Waits for every child to exit (their unread messages are dropped) and returns how each
  /// ended, in index order.
  std::vector<Exit> Finish();

 private:
  struct Child {
    pid_t pid = -1;
    int fd = -1;          ///< the parent's end of its message socket
    bool reaped = false;  ///< waited for: its pid may belong to another process now
    Exit exit;
  };

  /// Reaps child `index` (blocking); Signal never targets it afterwards.
  void Reap(size_t index);

  std::mutex mutex_;  ///< guards Child::reaped against Signal from another thread
  std::vector<Child> children_;
};

}  // namespace wsyaml::run
