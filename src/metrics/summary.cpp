#include "metrics/summary.h"

#include <algorithm>
#include <map>
#include <set>

#include "metrics/format.h"

namespace wsyaml::metrics {
namespace {

using Agg = graph::Threshold::Aggregate;

constexpr const char* kIndent = "     ";
constexpr size_t kMinNameWidth = 30;

// One metric (or tag-filtered sub-metric) line: a name with a dotted leader, then columns.
struct Row {
  std::string mark;  // "✓ ", "✗ " or empty
  std::string name;
  std::vector<std::string> columns;
  bool trend = false;
};

std::string Rate(double value, double duration_s, bool bytes) {
  double per_s = duration_s > 0 ? value / duration_s : 0;
  return bytes ? FormatBytes(per_s) + "/s" : FormatNumber(per_s, per_s < 10 ? 6 : 2) + "/s";
}

std::vector<std::string> TrendColumns(const Histogram& h, const std::vector<double>& ps) {
  std::vector<std::string> cols = {
      "avg=" + FormatMicros(h.Mean() / 1000),
      "min=" + FormatMicros(static_cast<double>(h.Min()) / 1000),
      "med=" + FormatMicros(h.Percentile(50) / 1000),
      "max=" + FormatMicros(static_cast<double>(h.Max()) / 1000),
  };
  for (double p : ps)
    cols.push_back(AggregateLabel(Agg::kPercentile, p) + "=" +
                   FormatMicros(h.Percentile(p) / 1000));
  return cols;
}

// `whole`: the row covers every tag set (the timeline is not split by tags).
std::vector<std::string> Columns(MetricId id, const Series& s, const SummaryInput& in, bool whole) {
  const MetricInfo& info = Info(id);
  switch (info.type) {
    case MetricType::kTrend:
      return TrendColumns(s.histogram, in.trend_percentiles);
    case MetricType::kCounter:
      if (info.unit == Unit::kBytes) return {FormatBytes(s.sum), Rate(s.sum, in.duration_s, true)};
      return {FormatNumber(s.sum), Rate(s.sum, in.duration_s, false)};
    case MetricType::kRate: {
      double ratio = s.count ? s.sum / static_cast<double>(s.count) : 0;
      return {FormatPercent(ratio), "✓ " + FormatNumber(s.sum),
              "✗ " + FormatNumber(static_cast<double>(s.count) - s.sum)};
    }
    case MetricType::kGauge: {
      double lo = 0, hi = 0;
      if (whole && in.timeline != nullptr && in.timeline->GaugeRange(info.name, &lo, &hi))
        return {FormatNumber(s.gauge), "min=" + FormatNumber(std::min(lo, s.gauge)),
                "max=" + FormatNumber(std::max({hi, s.gauge_max, s.gauge}))};
      return {FormatNumber(s.gauge), "max=" + FormatNumber(s.gauge_max)};
    }
  }
  return {};
}

// ✓/✗ mark of a metric line: thresholds whose metric and filter are exactly these.
std::string Mark(const std::string& metric, const graph::Tags& filter,
                 const std::vector<ThresholdResult>& results) {
  bool any = false, failed = false;
  for (const auto& r : results) {
    if (r.threshold.metric != metric || r.threshold.filter != filter) continue;
    any = true;
    failed |= !r.passed;
  }
  if (!any) return "";
  return failed ? "✗ " : "✓ ";
}

// The indented `{ tag:value }` line of a threshold's tag filter.
Row SubRow(const SummaryInput& in, MetricId id, const std::string& name, const graph::Tags& filter,
           bool trend) {
  std::string label = "{ ";
  for (size_t i = 0; i < filter.size(); ++i)
    label += (i ? ", " : "") + filter[i].first + ":" + filter[i].second;
  label += " }";
  bool has_data = false;
  Series sub = CollectSeries(*in.shard, *in.tags, id, filter, &has_data);
  if (id == MetricId::kChecks && filter.size() == 1 && filter[0].first == "check") {
    auto it = in.shard->checks().find(filter[0].second);
    if (it != in.shard->checks().end()) {
      sub.count = it->second.passes + it->second.fails;
      sub.sum = static_cast<double>(it->second.passes);
      has_data = sub.count > 0;
    }
  }
  std::vector<std::string> columns = {"no samples"};
  if (has_data || !trend) columns = Columns(id, sub, in, false);
  return {Mark(name, filter, in.thresholds), "  " + label, columns, trend};
}

std::vector<Row> MetricRows(const SummaryInput& in) {
  std::map<std::string, MetricId> present;  // sorted by name, like k6
  for (const auto& [key, series] : in.shard->series()) present[Info(key.first).name] = key.first;
  for (const auto& r : in.thresholds) {
    MetricId id;
    if (FindMetric(r.threshold.metric, &id)) present[r.threshold.metric] = id;
  }
  std::vector<Row> rows;
  for (const auto& [name, id] : present) {
    Series all = CollectSeries(*in.shard, *in.tags, id, {});
    const bool trend = Info(id).type == MetricType::kTrend;
    std::vector<std::string> columns = {"no samples"};
    if (!trend || all.histogram.Count() > 0) columns = Columns(id, all, in, true);
    rows.push_back({Mark(name, {}, in.thresholds), name, columns, trend});
    std::set<graph::Tags> filters;
    for (const auto& r : in.thresholds)
      if (r.threshold.metric == name && !r.threshold.filter.empty())
        filters.insert(r.threshold.filter);
    for (const auto& filter : filters) rows.push_back(SubRow(in, id, name, filter, trend));
  }
  return rows;
}

void AppendRows(const std::vector<Row>& rows, std::string* out) {
  size_t name_width = kMinNameWidth;
  for (const auto& r : rows) name_width = std::max(name_width, DisplayWidth(r.name) + 3);
  // Column widths, separately for trends and the rest, so each kind lines up.
  std::map<std::pair<bool, size_t>, size_t> widths;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.columns.size(); ++i) {
      size_t& w = widths[{r.trend, i}];
      w = std::max(w, DisplayWidth(r.columns[i]));
    }
  for (const auto& r : rows) {
    std::string line = r.mark.empty() ? std::string(kIndent) : std::string("   ") + r.mark;
    line += PadRight(r.name, name_width, '.') + ": ";
    for (size_t i = 0; i < r.columns.size(); ++i) {
      bool last = i + 1 == r.columns.size();
      line += last ? r.columns[i] : PadRight(r.columns[i], widths[{r.trend, i}] + 1);
    }
    *out += line + "\n";
  }
}

void AppendChecks(const Shard& shard, std::string* out) {
  if (shard.checks().empty()) return;
  for (const auto& [name, c] : shard.checks()) {
    // Names and messages may hold what a server sent: escaped, so no ESC reaches the terminal.
    *out += std::string(kIndent) + (c.fails ? "✗ " : "✓ ") + EscapeControls(name) + "\n";
    if (c.fails == 0) continue;
    double total = static_cast<double>(c.passes + c.fails);
    *out += std::string(kIndent) + " ↳  " +
            FormatNumber(static_cast<double>(c.passes) / total * 100, 0) + "% — ✓ " +
            std::to_string(c.passes) + " / ✗ " + std::to_string(c.fails) + "\n";
    if (!c.last_failure.empty())
      *out += std::string(kIndent) + "    last failure: " + EscapeControls(c.last_failure) + "\n";
  }
  *out += "\n";
}

void AppendThresholds(const std::vector<ThresholdResult>& results, std::string* out) {
  if (results.empty()) return;
  *out += "   THRESHOLDS\n";
  for (const auto& r : results) {
    *out += std::string(kIndent) + (r.passed ? "✓ " : "✗ ") + ThresholdTarget(r.threshold) + " '" +
            r.threshold.source + "' ";
    *out += r.no_samples ? r.error : r.error.empty() ? FormatObserved(r) : "error: " + r.error;
    if (r.error.empty() && !r.has_data) *out += " (no samples)";
    *out += "\n";
  }
  *out += "\n";
}

void AppendErrors(const Shard& shard, std::string* out) {
  if (shard.errors().empty()) return;
  *out += "\n   ERRORS\n";
  std::vector<Row> rows;
  for (const auto& [kind, e] : shard.errors())
    rows.push_back({"",
                    EscapeControls(kind),
                    {std::to_string(e.count), "e.g. " + EscapeControls(e.example)},
                    false});
  AppendRows(rows, out);
}

void AppendCloseCodes(const SummaryInput& in, std::string* out) {
  std::map<std::string, double> codes;
  auto it = in.shard->series().lower_bound({MetricId::kWsCloseCodes, 0});
  for (; it != in.shard->series().end() && it->first.first == MetricId::kWsCloseCodes; ++it) {
    std::string code = "?";
    for (const auto& [k, v] : in.tags->Tags(it->first.second))
      if (k == "code") code = v;
    codes[code] += it->second.sum;
  }
  if (codes.empty()) return;
  *out += "\n   CLOSE CODES\n";
  std::vector<Row> rows;
  for (const auto& [code, n] : codes) rows.push_back({"", code, {FormatNumber(n)}, false});
  AppendRows(rows, out);
}

}  // namespace

std::string FormatTrendValues(const Histogram& histogram, const std::vector<double>& percentiles) {
  std::string out;
  for (const auto& c : TrendColumns(histogram, percentiles)) out += (out.empty() ? "" : " ") + c;
  return out;
}

std::string FormatObserved(const ThresholdResult& r) {
  const graph::Threshold& t = r.threshold;
  std::string label = AggregateLabel(t.aggregate, t.percentile) + "=";
  MetricId id;
  if (!FindMetric(t.metric, &id)) return label + FormatNumber(r.observed);
  const MetricInfo& info = Info(id);
  if (info.type == MetricType::kRate && t.aggregate == Agg::kRate)
    return label + FormatPercent(r.observed);
  if (t.aggregate == Agg::kRate) return label + FormatNumber(r.observed) + "/s";
  if (t.aggregate == Agg::kCount)
    return label + (info.unit == Unit::kBytes ? FormatBytes(r.observed) : FormatNumber(r.observed));
  if (info.unit == Unit::kMicros) return label + FormatMicros(r.observed);
  return label + FormatNumber(r.observed);
}

std::string FormatSummary(const SummaryInput& in) {
  std::string out = "\n   wsyaml";
  if (!in.test_name.empty()) out += ": " + EscapeControls(in.test_name);
  out += " — " + FormatMicros(in.duration_s * 1e6) + "\n\n";
  if (in.interrupted) out += std::string(kIndent) + "✗ " + kInterruptedMessage + "\n\n";
  if (in.shard == nullptr || in.tags == nullptr) return out + "     (no metrics)\n";
  AppendChecks(*in.shard, &out);
  AppendThresholds(in.thresholds, &out);
  AppendRows(MetricRows(in), &out);
  AppendErrors(*in.shard, &out);
  AppendCloseCodes(in, &out);
  return out;
}

}  // namespace wsyaml::metrics
