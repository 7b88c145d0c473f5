// The sinks of one run, fed together: opened before it, given a merged snapshot each second
// (SinkSet works out the interval and the thresholds once for all of them), finished at the
// end with the whole result.
// Threading: Open and Finish on the run's main thread; OnTick on the engine's coordinator
// thread, between them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "outputs/sink.h"

namespace wsyaml::outputs {

class SinkSet {
 public:
  SinkSet() = default;
  explicit SinkSet(std::vector<std::unique_ptr<Sink>> sinks) : sinks_(std::move(sinks)) {}

  /// Adds a sink; before Open.
  void Add(std::unique_ptr<Sink> sink) { sinks_.push_back(std::move(sink)); }
  /// Opens every sink in order; stops at the first failure (with *error naming it).
  bool Open(const RunInfo& info, std::string* error);
  /// The run's state at `elapsed_s` since `start_unix_ms`: every sample so far, merged. Hands
  /// each sink the interval since the previous call. `final` for the last call, at the end.
  void OnTick(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& cumulative,
              const metrics::TagRegistry& tags, bool final);
  /// What Open was given.
  const RunInfo& info() const { return info_; }
  /// True when a sink wants snapshots.
  bool live() const;
  /// Finishes every sink, even after one fails; false with the last *error.
  bool Finish(const Final& final, std::string* error);

 private:
  std::vector<std::unique_ptr<Sink>> sinks_;
  RunInfo info_;
  metrics::Shard previous_;  ///< the cumulative shard of the last tick
  double previous_elapsed_s_ = 0;
};

}  // namespace wsyaml::outputs
