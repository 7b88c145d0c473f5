// `--out csv=FILE`: k6's CSV output, its columns in its order, written as the run goes.
// Points are aggregated per metric, tag set and second (k6_points.h; docs/reports.md): the
// `metadata` column says how many samples a row stands for, and a trend's statistics.
// Threading: as StreamSink.
#pragma once

#include <string>

#include "outputs/k6_points.h"
#include "outputs/stream_writer.h"

namespace wsyaml::outputs {

/// k6's header line: metric_name,timestamp,metric_value,check,...,url,extra_tags,metadata.
std::string CsvHeader();
/// One row: the metric, unix seconds, the value with 6 decimals (as k6), the tags that have a
/// column, the others as `k=v&k2=v2` in extra_tags, and `count=N` (trends: also
/// `&sum=..&min=..&max=..&p(95)=..&p(99)=..` in ms) in metadata. Fields quoted as RFC 4180.
std::string FormatCsvRow(const K6Point& point, int64_t unix_ms);

/// Writes k6's CSV: the header, then a row per point.
class CsvSink : public StreamSink {
 public:
  explicit CsvSink(std::string path) : StreamSink(std::move(path)) {}

 protected:
  std::string Header(const RunInfo& info) override;
  std::string Format(const Snapshot& snapshot) override;
};

}  // namespace wsyaml::outputs
