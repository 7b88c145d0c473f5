// The outputs a run was asked for (--out, --junit, --report, --summary-export): parsed and
// checked before the run starts, so a typo never costs a whole run, then made into sinks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "outputs/sink.h"

namespace wsyaml::outputs {

/// One output of a run.
struct OutputSpec {
  enum class Kind {
    /// --out result=FILE: the whole result (metrics::FormatResultJson), what `merge` and
    /// `compare` read
    kResult,
    kJUnit,   ///< --junit FILE
    kReport,  ///< --report FILE: the self-contained HTML report
    /// --summary-export FILE: the summary as JSON (FormatSummaryExport)
    kSummaryExport,
    /// --out json=FILE: k6's JSON stream, one point per metric, tag set and second (k6_json.h)
    kK6Json,
    kCsv,  ///< --out csv=FILE: k6's CSV columns, one row per metric, tag set and second (csv.h)
    /// --out prometheus=[HOST]:PORT: /metrics during the run; `path` holds HOST:PORT
    kPrometheus,
    /// --dashboard[=HOST:PORT]: the live page (DashboardSink); `path` holds HOST:PORT
    kDashboard,
    /// --out influxdb=http://HOST:PORT/DB: line protocol during the run (`path` is the URL)
    kInfluxDb,
  };
  Kind kind = Kind::kResult;
  std::string path;  ///< never empty: the file (kPrometheus, kDashboard: the address)
};

/// Parses `--out KIND=PATH`. False with a one-line *error otherwise.
bool ParseOutFlag(const std::string& flag, OutputSpec* out, std::string* error);

/// Checks that every output can be written: a non-empty path that is not a directory, in an
/// existing writable directory, and no two outputs on the same path. False with *error.
bool CheckOutputs(const std::vector<OutputSpec>& outputs, std::string* error);

/// The flag that asked for `output`, with its file: "--out result=r.json", "--junit j.xml".
std::string DescribeOutput(const OutputSpec& output);

/// The sink of each output, in order.
std::vector<std::unique_ptr<Sink>> MakeSinks(const std::vector<OutputSpec>& outputs);

}  // namespace wsyaml::outputs
