// A per-second time series of a run, for the HTML report and the result file's timeline.
// Each point holds the interval's totals (all tags merged) and, per value of the tags in
// kTimelineTags (`name`, `scenario`), that value's counters and latencies; errors by kind and
// check outcomes too. Memory: a one-hour run with 4 names in 2 scenarios keeps about 14 MB
// of points (4.7 MB as JSON); Sample takes about 0.8 ms (TimeSeriesTest.OneHourSoakStaysSmall).
// A longer run keeps at most kMaxPoints: older points are joined in pairs as it goes on, so a
// day-long soak holds no more than an hour's worth, at a coarser step for its older part.
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

/// What the series carrying one tag value (e.g. name=say) did within one second.
struct TaggedPoint {
  std::map<std::string, double> counters;      ///< counter name -> amount added in the interval
  std::map<std::string, LatencyPoint> trends;  ///< trend name -> latency in the interval
};

/// Outcomes of one check within one second.
struct CheckPoint {
  uint64_t passes = 0;
  uint64_t fails = 0;
};

/// The tag keys whose values get their own share of each point.
inline constexpr const char* kTimelineTags[] = {"name", "scenario"};

/// The key of a tag value in TimePoint::tagged: "name=say".
std::string TimelineTagKey(const std::string& key, const std::string& value);

/// What happened in one second of the run.
struct TimePoint {
  double elapsed_s = 0;   ///< seconds since the start, at the end of this interval
  double interval_s = 1;  ///< length of the interval, seconds (the last one may be shorter)
  std::map<std::string, double> counters;      ///< counter name -> amount added in the interval
  std::map<std::string, double> gauges;        ///< gauge name -> value at the end
  std::map<std::string, LatencyPoint> trends;  ///< trend name -> latency in the interval
  /// TimelineTagKey -> that tag value's counters and trends (values never seen are absent).
  std::map<std::string, TaggedPoint> tagged;
  std::map<std::string, uint64_t> errors;    ///< error kind -> errors in the interval
  std::map<std::string, CheckPoint> checks;  ///< check name -> outcomes in the interval
};

/// The points of a run, in time order.
class TimeSeries {
 public:
  /// Appends the interval ending at `elapsed_s`: counters, trends, errors and checks are the
  /// difference between `cumulative` (everything recorded since the start, merged) and the
  /// previous call's; gauges are read as they are. `tags` resolves the shard's tag ids for
  /// the per-tag-value shares (none without it). An interval shorter than kMinInterval (e.g.
  /// the final sample right after a tick) replaces the previous point with one spanning both.
  void Sample(double elapsed_s, const Shard& cumulative, const TagRegistry* tags = nullptr);
  /// Shortest interval (seconds) that gets its own point.
  static constexpr double kMinInterval = 0.5;
  /// Most points kept. Beyond it, every two neighbours but the newest point become one: its
  /// counters, errors and checks added, gauges as at its end, percentiles the larger of the
  /// two (an upper bound), interval_s the sum.
  static constexpr size_t kMaxPoints = 3600;
  /// Appends a ready point (e.g. when reading a file).
  void Add(TimePoint point) { points_.push_back(std::move(point)); }
  /// The points, in order.
  const std::vector<TimePoint>& points() const { return points_; }

  /// Lowest and highest value of a gauge over the points; false when never seen.
  bool GaugeRange(const std::string& name, double* min, double* max) const;

  /// Adds `other` point by point, aligned by elapsed second: counters, gauges, errors and
  /// checks summed (per tag value too),
  /// percentiles as the larger of the two (an upper bound; exact percentiles need the
  /// histograms, which the per-second points do not keep). `offset_s` shifts `other`.
  void Merge(const TimeSeries& other, double offset_s = 0);

 private:
  /// Joins neighbouring points in pairs, all but the newest (a sliver may still replace it).
  void Coarsen();

  std::vector<TimePoint> points_;
  double last_elapsed_s_ = 0;
  Shard last_;  ///< the cumulative shard at the last Sample
  // The state before the last point, to recompute it when a sliver follows.
  double before_elapsed_s_ = 0;
  Shard before_;
};

/// The wall clock now, in milliseconds since the Unix epoch.
int64_t NowUnixMs();

/// ISO 8601 UTC time with milliseconds, e.g. "2024-05-01T12:00:01.250Z".
std::string IsoTime(int64_t unix_ms);

/// JSON of the points (the `timeline` of a result file).
nlohmann::ordered_json ToJson(const TimeSeries& series);
/// Reads what ToJson wrote; false with *error on malformed input.
bool FromJson(const nlohmann::json& json, TimeSeries* out, std::string* error);

}  // namespace wsyaml::metrics
