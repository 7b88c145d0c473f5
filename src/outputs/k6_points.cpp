#include "outputs/k6_points.h"

#include <charconv>
#include <cmath>

namespace wsyaml::outputs {
namespace {

using catalog::MetricId;
using catalog::MetricType;

constexpr double kNsPerMs = 1e6;

// Milliseconds to the nanosecond, the samples' own resolution: 2.1752023, not 2.175202300000002.
double ToNs(double ms) { return std::round(ms * kNsPerMs) / kNsPerMs; }

K6TrendStats TrendStats(const metrics::Series& series) {
  const metrics::Histogram& h = series.histogram;
  K6TrendStats stats;
  stats.sum_ms = ToNs(series.sum / 1000.0);  // Series::sum is µs
  stats.min_ms = static_cast<double>(h.Min()) / kNsPerMs;
  stats.max_ms = static_cast<double>(h.Max()) / kNsPerMs;
  stats.p95_ms = ToNs(h.Percentile(95) / kNsPerMs);
  stats.p99_ms = ToNs(h.Percentile(99) / kNsPerMs);
  return stats;
}

// One series of the interval as a point; false for what is not written (the untagged
// checks rate, which the per-check points replace).
bool SeriesPoint(MetricId id, const metrics::Series& series, K6Point* point) {
  point->id = id;
  switch (catalog::Info(id).type) {
    case MetricType::kCounter:
      point->value = series.sum;
      point->count = series.count;
      return true;
    case MetricType::kGauge:
      point->value = series.gauge;
      return true;
    case MetricType::kTrend:
      point->count = series.count;
      point->value =
          series.count ? ToNs(series.sum / 1000.0 / static_cast<double>(series.count)) : 0;
      point->has_trend = true;
      point->trend = TrendStats(series);
      return true;
    case MetricType::kRate:
      return false;
  }
  return false;
}

void AddCheckPoints(const Snapshot& snapshot, std::vector<K6Point>* points) {
  for (const auto& [name, counts] : snapshot.interval->checks()) {
    for (bool passed : {true, false}) {
      uint64_t n = passed ? counts.passes : counts.fails;
      if (n == 0) continue;
      K6Point point;
      point.id = MetricId::kChecks;
      point.tags = {{"check", name}};
      point.value = passed ? 1 : 0;
      point.count = n;
      points->push_back(std::move(point));
    }
  }
}

}  // namespace

std::vector<K6Point> ToK6Points(const Snapshot& snapshot) {
  std::vector<K6Point> points;
  for (const auto& [key, series] : snapshot.interval->series()) {
    K6Point point;
    if (!SeriesPoint(key.first, series, &point)) continue;
    point.tags = snapshot.tags->Tags(key.second);
    points.push_back(std::move(point));
  }
  AddCheckPoints(snapshot, &points);
  return points;
}

const char* K6Type(MetricId id) { return catalog::TypeName(catalog::Info(id).type); }

const char* K6Contains(MetricId id) {
  switch (catalog::Info(id).unit) {
    case catalog::Unit::kMicros:
      return "time";
    case catalog::Unit::kBytes:
      return "data";
    case catalog::Unit::kNone:
      break;
  }
  return "default";
}

std::string FormatK6Number(double value) {
  if (!std::isfinite(value)) return "0";  // JSON has no NaN; no metric yields one
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  if (ec != std::errc()) return "0";
  return std::string(buf, end);
}

}  // namespace wsyaml::outputs
