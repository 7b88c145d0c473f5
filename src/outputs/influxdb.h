// `--out influxdb=http://HOST:PORT/DB`: each second's points in InfluxDB 1.x line protocol,
// POSTed to /write?db=DB&precision=ms during the run, as k6's v1 InfluxDB output does. The
// database is created at the start (CREATE DATABASE; a failure is reported, not fatal).
// A down or slow backend never stalls or fails the test: the coordinator formats and
// enqueues; a writer thread of its own sends; a full queue drops its oldest points; the end
// flushes for at most a deadline; what was dropped is counted and reported on one line.
// Threading: Open, Finish (and the destructor) on the run's main thread; OnSnapshot on the
// coordinator thread; the writer thread only touches the queue under the mutex.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

#include "outputs/http_post.h"
#include "outputs/sink.h"

namespace wsyaml::outputs {

/// Where the points go.
struct InfluxTarget {
  HttpUrl url;           ///< host and port (the path is the database)
  std::string database;  ///< the URL's path without its '/', never empty
};

/// Parses "http://HOST[:PORT]/DB" (k6's spelling). False with a one-line *error.
bool ParseInfluxUrl(const std::string& text, InfluxTarget* out, std::string* error);

/// The sink of `--out influxdb=URL`.
class InfluxDbSink : public Sink {
 public:
  using Clock = std::chrono::steady_clock;

  /// Bounds and timeouts; the defaults are documented in docs/reports.md.
  struct Options {
    size_t max_queued_points = 100'000;  ///< queued beyond this, the oldest are dropped
    size_t points_per_write = 5'000;     ///< at most this many points per POST
    Clock::duration request_timeout = std::chrono::seconds(5);  ///< connect + response
    Clock::duration flush_deadline = std::chrono::seconds(5);   ///< Finish waits this long
    Clock::duration retry_pause = std::chrono::seconds(1);      ///< after a failed write
  };

  /// What happened to the points, for the report line and tests.
  struct Counts {
    uint64_t points = 0;   ///< formatted
    uint64_t written = 0;  ///< accepted by the server (204)
    uint64_t dropped = 0;  ///< lost: queue full, write failed, or left at the deadline
    std::string error;     ///< the last failure, empty when none
  };

  /// Reports on `report` (stderr in a run) at Finish.
  InfluxDbSink(InfluxTarget target, std::ostream* report, Options options);
  InfluxDbSink(InfluxTarget target, std::ostream* report)
      : InfluxDbSink(std::move(target), report, Options()) {}
  /// Stops the writer thread (without waiting for the flush deadline) when Finish did not.
  ~InfluxDbSink() override;

  /// Starts the writer thread, which first creates the database.
  bool Open(const RunInfo& info, std::string* error) override;
  bool live() const override { return true; }
  /// Formats the interval's points and enqueues them; never waits on the network.
  void OnSnapshot(const Snapshot& snapshot) override;
  /// Flushes until the queue is empty or the flush deadline passes, stops the writer, and
  /// reports "influxdb: W of N points written[, D dropped: ERROR]". Always true: the backend
  /// does not decide the run's exit code.
  bool Finish(const Final& final, std::string* error) override;

  /// The counts so far (any thread).
  Counts counts() const;

 private:
  struct Batch {
    std::string lines;  ///< newline-terminated points
    size_t points = 0;
  };

  void Enqueue(Batch batch);
  void Run();
  void CreateDatabase(HttpClient* client);
  /// Takes queued batches up to points_per_write; false when it is time to stop.
  bool Take(Batch* out);
  /// The deadline of a request started now.
  Clock::time_point RequestDeadline();
  void Stop(Clock::time_point deadline);

  const InfluxTarget target_;
  std::ostream* const report_;
  const Options options_;
  int64_t last_timestamp_ms_ = 0;  ///< coordinator thread: points of two snapshots never share one

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Batch> queue_;
  size_t queued_points_ = 0;
  bool stopping_ = false;
  Clock::time_point stop_deadline_ = Clock::time_point::max();  ///< after it, no more sends
  Counts counts_;
  std::thread writer_;
};

}  // namespace wsyaml::outputs
