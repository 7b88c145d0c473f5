#include "outputs/summary_export.h"

#include <cmath>
#include <cstdint>
#include <map>

#include <nlohmann/json.hpp>

#include "metrics/summary_rows.h"

namespace wsyaml::outputs {

using namespace wsyaml::metrics;  // NOLINT: these formatters read metrics types throughout
namespace {

using nlohmann::json;

// Whole numbers (counts, bytes, close codes) as integers: 6, not 6.0.
json Number(double value) {
  if (value == std::floor(value) && std::fabs(value) < 9e15) return static_cast<int64_t>(value);
  return value;
}

// k6's key of a sub-metric: ws_connecting{name:echo}.
std::string RowKey(const SummaryRow& row) { return ThresholdTarget(row.metric, row.filter); }

json Metrics(const SummaryInput& in) {
  json metrics = json::object();
  for (const SummaryRow& row : MetricRows(in)) {
    json values = json::object();
    for (const SummaryColumn& column : row.columns)
      if (!column.key.empty()) values[column.key] = Number(column.value);
    json thresholds = json::object();
    for (const ThresholdResult& r : in.thresholds)
      if (r.threshold.metric == row.metric && r.threshold.filter == row.filter)
        thresholds[r.threshold.source] = {{"ok", r.passed}};
    if (!thresholds.empty()) values["thresholds"] = thresholds;
    metrics[RowKey(row)] = values;
  }
  return metrics;
}

// k6's root group: no groups in wsyaml, every check at the root ("::" + name is k6's path).
json RootGroup(const Shard& shard) {
  json checks = json::object();
  for (const auto& [name, c] : shard.checks()) {
    json check = {{"name", name}, {"path", "::" + name}, {"passes", c.passes}, {"fails", c.fails}};
    if (!c.last_failure.empty()) check["last_failure"] = c.last_failure;
    checks[name] = check;
  }
  return {{"name", ""}, {"path", ""}, {"groups", json::object()}, {"checks", checks}};
}

json Errors(const Shard& shard) {
  json errors = json::object();
  for (const auto& [kind, e] : shard.errors())
    errors[kind] = {{"count", e.count}, {"example", e.example}};
  return errors;
}

json CloseCodes(const SummaryInput& in) {
  std::map<std::string, double> codes = CloseCodeCounts(in);
  json out = json::object();
  for (const auto& [code, n] : codes) out[code] = Number(n);
  return out;
}

}  // namespace

std::string FormatSummaryExport(const SummaryInput& in) {
  json state = {{"testRunDurationMs", Number(in.duration_s * 1000)},
                {"interrupted", in.interrupted}};
  json out = {{"name", in.test_name}, {"state", state}};
  if (in.shard == nullptr || in.tags == nullptr) {
    out["metrics"] = json::object();
    return out.dump(2) + "\n";
  }
  out["metrics"] = Metrics(in);
  out["root_group"] = RootGroup(*in.shard);
  out["errors"] = Errors(*in.shard);
  out["close_codes"] = CloseCodes(in);
  // Names, kinds and examples may hold any bytes a server sent: replaced, never a throw.
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace wsyaml::outputs
