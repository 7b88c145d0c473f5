// Live snapshots with worker processes (`run --procs`): with live outputs each worker sends
// its cumulative state once a second (a tick, run/tick_codec.h) and its whole result at the
// end, over its channel; the parent keeps each worker's latest state, re-interned into one
// TagRegistry, and merges them into one snapshot for the sinks and into the run's result.
// Threading: TickSender::Offer from the worker's engine coordinator, its other members from
// the worker's main thread; WorkerTicks from one thread (the parent's main thread).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/result.h"
#include "run/process_pool.h"

namespace wsyaml::run {

/// What a worker's message holds: its state so far (once a second) or its final result.
enum class WorkerMessageKind : char { kTick = 't', kResult = 'r' };

/// A result message: the kind, then the result file's JSON (compact).
std::string EncodeResultMessage(const metrics::Result& result);
/// A tick message: the state at `elapsed_s` since `start_unix_ms`.
std::string EncodeTickMessage(double elapsed_s, int64_t start_unix_ms,
                              const metrics::Shard& cumulative, const metrics::TagRegistry& tags);

/// In a worker process: sends its ticks from a thread of its own, so the engine's
/// coordinator never waits for the parent. A tick still unsent when a newer one comes is
/// replaced by it (they are cumulative: nothing is lost).
class TickSender {
 public:
  /// Starts the sending thread; `channel` must outlive this object.
  explicit TickSender(ChildChannel& channel);
  TickSender(const TickSender&) = delete;
  TickSender& operator=(const TickSender&) = delete;
  /// Stop.
  ~TickSender();

  /// Encodes the state at `elapsed_s` since `start_unix_ms` (cheaper than copying it: only
  /// non-empty histogram buckets) and queues it; never waits for the channel.
  void Offer(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& cumulative,
             const metrics::TagRegistry& tags);
  /// Sends what is pending and ends the thread: the channel is free for the result.
  void Stop();

 private:
  void Loop();

  ChildChannel& channel_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::string pending_;  ///< the latest tick message not yet sent; empty when none
  bool stopping_ = false;
  std::thread thread_;
};

/// In the parent: every worker's latest state, merged on demand.
class WorkerTicks {
 public:
  /// For `workers` worker processes.
  explicit WorkerTicks(int workers);

  /// Takes a message of worker `index`: a tick, or its result (it sends nothing after). False
  /// with a one-line *error when malformed (the message is ignored).
  bool Accept(int index, const std::string& message, std::string* error);
  /// Worker `index` sends nothing more (its channel closed), with or without a result.
  void Ended(int index);
  /// True when something arrived since the last Merge.
  bool Pending() const;
  /// True when every worker still running has ticked since the last Merge (and one did).
  bool Ready() const;
  /// Every worker's latest state summed into *cumulative (tag ids of tags()); *elapsed_s
  /// since *start_unix_ms, the earliest worker's start, to the latest worker's state.
  void Merge(metrics::Shard* cumulative, double* elapsed_s, int64_t* start_unix_ms);
  /// Resolves the tag ids of Merge's shards and of Result's.
  const metrics::TagRegistry& tags() const { return tags_; }
  /// Workers that sent their result.
  int results() const;
  /// Workers that may still send something (not ended, no result yet).
  int running() const;
  /// The run's result: every worker's result merged, with tags() as its registry (so ids
  /// match the snapshots'). A worker that ended without a result counts with its last tick.
  metrics::Result Result() const;

 private:
  struct Worker {
    metrics::Result result;  ///< its result (final), with its own tag ids
    metrics::Shard shard;    ///< its latest state, with tags_' ids
    int64_t start_unix_ms = 0;
    double elapsed_s = 0;    ///< of its latest state
    bool has_state = false;  ///< a tick or a result arrived
    bool final = false;      ///< it sent its result
    bool ended = false;      ///< it sends nothing more
    bool fresh = false;      ///< updated since the last Merge
  };

  bool AcceptResult(Worker& worker, const std::string& message, std::string* error);

  metrics::TagRegistry tags_;
  std::vector<Worker> workers_;
};

}  // namespace wsyaml::run
