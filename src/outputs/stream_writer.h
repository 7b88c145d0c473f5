// A file written as a run goes (the k6 JSON stream, CSV): the coordinator hands it whole
// chunks of lines, a thread of its own writes and flushes them, so a slow disk never stalls
// the run and `tail -f` sees whole lines once a second.
// Threading: Open, Close on the run's main thread; Write on the coordinator thread, between.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "outputs/sink.h"

namespace wsyaml::outputs {

class StreamWriter {
 public:
  /// Chunks waiting beyond this many bytes are dropped (and counted) rather than queued.
  static constexpr size_t kDefaultMaxQueuedBytes = 64u << 20;

  explicit StreamWriter(size_t max_queued_bytes = kDefaultMaxQueuedBytes)
      : max_queued_bytes_(max_queued_bytes) {}
  ~StreamWriter();
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;

  /// Creates or truncates `path` (`-`: standard output) and starts the writer thread. False
  /// with a one-line *error ("cannot open x: Permission denied").
  bool Open(const std::string& path, std::string* error);
  /// Queues `chunk` (whole lines) to be written and flushed; never waits for the disk. False
  /// when the queue is full and the chunk was dropped.
  bool Write(std::string chunk);
  /// Waits until everything queued is written and flushed (at the end of the run only).
  void Drain();
  /// Writes everything queued, flushes, stops the thread and closes the file. False with a
  /// one-line *error when a write failed or chunks were dropped.
  bool Close(std::string* error);

 private:
  void Run();

  const size_t max_queued_bytes_;
  std::string path_;
  std::FILE* file_ = nullptr;
  bool owned_ = false;  ///< false for standard output, which is flushed, not closed
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;     ///< the thread: work or closing
  std::condition_variable drained_;  ///< Drain: the queue is written
  std::deque<std::string> queue_;    ///< guarded by mutex_
  size_t queued_bytes_ = 0;          ///< not yet written; guarded by mutex_
  bool closing_ = false;             ///< guarded by mutex_
  uint64_t dropped_ = 0;             ///< chunks dropped; guarded by mutex_
  std::string write_error_;          ///< the first failed write; written by the thread only
};

/// A live sink that writes one chunk of lines per snapshot through a StreamWriter: the
/// header at Open, each snapshot's lines as it comes, the last one before Finish returns.
class StreamSink : public Sink {
 public:
  explicit StreamSink(std::string path) : path_(std::move(path)) {}
  bool Open(const RunInfo& info, std::string* error) override;
  bool live() const override { return true; }
  /// The last snapshot is on the file (or standard output, before the summary) on return.
  void OnSnapshot(const Snapshot& snapshot) override;
  bool Finish(const Final& final, std::string* error) override;

 protected:
  /// The first lines of the file (may be empty); called once, by Open.
  virtual std::string Header(const RunInfo& info) = 0;
  /// The lines of one snapshot; called on the coordinator thread.
  virtual std::string Format(const Snapshot& snapshot) = 0;

 private:
  std::string path_;
  StreamWriter writer_;
};

}  // namespace wsyaml::outputs
