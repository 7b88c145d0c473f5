// `--out json=FILE`: k6's JSON output format, a line per metric declaration and per point,
// written as the run goes, so that tools written for k6's JSON output read it.
// Points are aggregated per metric, tag set and second (k6_points.h; docs/reports.md).
// Threading: as StreamSink.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "outputs/k6_points.h"
#include "outputs/stream_writer.h"

namespace wsyaml::outputs {

/// `{"type":"Metric","data":{"name":..,"type":..,"contains":..,"thresholds":[..],
/// "submetrics":null},"metric":..}` and a newline.
std::string FormatK6MetricLine(catalog::MetricId id, const std::vector<std::string>& thresholds);
/// `{"metric":..,"type":"Point","data":{"time":..,"value":..,"tags":{..},"count":N, and for
/// trends "sum","min","max","p(95)","p(99)" in ms}}` and a newline.
std::string FormatK6PointLine(const K6Point& point, int64_t unix_ms);

/// Writes k6's JSON lines: a Metric line the first time a metric has a point, then its points.
class K6JsonSink : public StreamSink {
 public:
  explicit K6JsonSink(std::string path) : StreamSink(std::move(path)) {}

 protected:
  std::string Header(const RunInfo& info) override;
  std::string Format(const Snapshot& snapshot) override;

 private:
  /// Threshold sources without a tag filter, per metric, for the Metric lines.
  std::map<catalog::MetricId, std::vector<std::string>> thresholds_;
  std::vector<bool> declared_ = std::vector<bool>(static_cast<size_t>(catalog::MetricId::kCount));
};

}  // namespace wsyaml::outputs
