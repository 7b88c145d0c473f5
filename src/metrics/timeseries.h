// A per-second time series of a run, for `--out ndjson=FILE` and the HTML report.
// Threading: one owner. The engine calls Sample once per second from one thread with the
// merged cumulative shard (it copies the workers' shards; TimeSeries never reads live shards).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/metrics.h"

namespace wsyaml::metrics {

/// Latency of one trend metric within one second (all tags merged). Times in µs.
struct LatencyPoint {
  uint64_t count = 0;  ///< samples in this second
  double p50 = 0;      ///< µs
  double p95 = 0;      ///< µs
  double p99 = 0;      ///< µs
};

/// What happened in one second of the run.
struct TimePoint {
  double elapsed_s = 0;   ///< seconds since the start, at the end of this interval
  double interval_s = 1;  ///< length of the interval, seconds (the last one may be shorter)
  std::map<std::string, double> counters;      ///< counter name -> amount added in the interval
  std::map<std::string, double> gauges;        ///< gauge name -> value at the end
  std::map<std::string, LatencyPoint> trends;  ///< trend name -> latency in the interval
};

/// The points of a run, in time order.
class TimeSeries {
 public:
  /// Appends the interval ending at `elapsed_s`: counters and trends are the difference
  /// between `cumulative` (everything recorded since the start, merged) and the previous
  /// call's; gauges are read as they are. An interval shorter than kMinInterval (e.g. the
  /// final sample right after a tick) replaces the previous point with one spanning both.
  void Sample(double elapsed_s, const Shard& cumulative);
  /// Shortest interval (seconds) that gets its own point.
  static constexpr double kMinInterval = 0.5;
  /// Appends a ready point (e.g. when reading a file).
  void Add(TimePoint point) { points_.push_back(std::move(point)); }
  /// The points, in order.
  const std::vector<TimePoint>& points() const { return points_; }

  /// Lowest and highest value of a gauge over the points; false when never seen.
  bool GaugeRange(const std::string& name, double* min, double* max) const;

  /// Adds `other` point by point, aligned by elapsed second: counters and gauges summed,
  /// percentiles as the larger of the two (an upper bound; exact percentiles need the
  /// histograms, which the per-second points do not keep). `offset_s` shifts `other`.
  void Merge(const TimeSeries& other, double offset_s = 0);

 private:
  std::vector<TimePoint> points_;
  double last_elapsed_s_ = 0;
  std::map<MetricId, double> last_counters_;   ///< cumulative counter sums at the last Sample
  std::map<MetricId, Histogram> last_trends_;  ///< cumulative merged histograms
  // The state before the last point, to recompute it when a sliver follows.
  double before_elapsed_s_ = 0;
  std::map<MetricId, double> before_counters_;
  std::map<MetricId, Histogram> before_trends_;
};

/// The ndjson lines of one point: one JSON object per metric, each ending in '\n'.
/// `start_unix_ms` turns elapsed seconds into an ISO 8601 UTC `time`.
std::string NdjsonLines(const TimePoint& point, int64_t start_unix_ms);
/// All points as ndjson.
std::string ToNdjson(const TimeSeries& series, int64_t start_unix_ms);

/// ISO 8601 UTC time with milliseconds, e.g. "2024-05-01T12:00:01.250Z".
std::string IsoTime(int64_t unix_ms);

/// JSON of the points (the `timeline` of a result file).
nlohmann::ordered_json ToJson(const TimeSeries& series);
/// Reads what ToJson wrote; false with *error on malformed input.
bool FromJson(const nlohmann::json& json, TimeSeries* out, std::string* error);

}  // namespace wsyaml::metrics
