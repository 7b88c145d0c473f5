#include "metrics/summary.h"

#include "metrics/result.h"

#include <algorithm>
#include <map>

#include "metrics/format.h"
#include "metrics/summary_rows.h"

namespace wsyaml::metrics {
namespace {

using Agg = graph::Threshold::Aggregate;

constexpr const char* kIndent = "     ";
constexpr size_t kMinNameWidth = 30;

// One printed line: a name with a dotted leader, then columns.
struct Line {
  std::string mark;  // "✓ ", "✗ " (maybe coloured) or empty
  std::string name;
  std::vector<std::string> columns;
  bool trend = false;
};

// "✓ " or "✗ ", green or red on a terminal. The escapes sit outside every padded column.
std::string PassMark(bool passed, bool color) {
  const char* mark = passed ? "✓" : "✗";
  if (!color) return std::string(mark) + " ";
  return std::string(passed ? "\033[32m" : "\033[31m") + mark + "\033[0m ";
}

std::string MarkText(SummaryMark mark, bool color) {
  if (mark == SummaryMark::kNone) return "";
  return PassMark(mark == SummaryMark::kPassed, color);
}

std::vector<Line> MetricLines(const SummaryInput& in) {
  std::vector<Line> lines;
  for (const SummaryRow& row : MetricRows(in)) {
    Line line{MarkText(row.mark, in.color), row.metric, {}, row.trend};
    if (!row.filter.empty()) {
      line.name = "  { ";
      for (size_t i = 0; i < row.filter.size(); ++i)
        line.name += (i ? ", " : "") + row.filter[i].first + ":" + row.filter[i].second;
      line.name += " }";
    }
    for (const SummaryColumn& column : row.columns) line.columns.push_back(column.text);
    lines.push_back(std::move(line));
  }
  return lines;
}

void AppendRows(const std::vector<Line>& rows, std::string* out) {
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

void AppendChecks(const Shard& shard, bool color, std::string* out) {
  if (shard.checks().empty()) return;
  for (const auto& [name, c] : shard.checks()) {
    // Names and messages may hold what a server sent: escaped, so no ESC reaches the terminal.
    *out += std::string(kIndent) + PassMark(c.fails == 0, color) + EscapeControls(name) + "\n";
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

void AppendThresholds(const std::vector<ThresholdResult>& results, bool color, std::string* out) {
  if (results.empty()) return;
  *out += "   THRESHOLDS\n";
  for (const auto& r : results) {
    *out += std::string(kIndent) + PassMark(r.passed, color) + ThresholdTarget(r.threshold) + " '" +
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
  std::vector<Line> rows;
  for (const auto& [kind, e] : shard.errors())
    rows.push_back({"",
                    EscapeControls(kind),
                    {std::to_string(e.count), "e.g. " + EscapeControls(e.example)},
                    false});
  AppendRows(rows, out);
}

void AppendCloseCodes(const SummaryInput& in, std::string* out) {
  std::map<std::string, double> codes = CloseCodeCounts(in);
  if (codes.empty()) return;
  *out += "\n   CLOSE CODES\n";
  std::vector<Line> rows;
  for (const auto& [code, n] : codes) rows.push_back({"", code, {FormatNumber(n)}, false});
  AppendRows(rows, out);
}

}  // namespace

bool UseColor(bool is_terminal, const char* no_color) {
  return is_terminal && (no_color == nullptr || no_color[0] == '\0');
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
  if (in.interrupted)
    out += std::string(kIndent) + PassMark(false, in.color) + kInterruptedMessage + "\n\n";
  if (in.shard == nullptr || in.tags == nullptr) return out + "     (no metrics)\n";
  AppendChecks(*in.shard, in.color, &out);
  AppendThresholds(in.thresholds, in.color, &out);
  AppendRows(MetricLines(in), &out);
  AppendErrors(*in.shard, &out);
  AppendCloseCodes(in, &out);
  return out;
}

SummaryInput SummaryInputOf(const Result& result) {
  SummaryInput summary;
  summary.shard = &result.shard;
  summary.tags = &result.tags;
  summary.test_name = result.test_name;
  summary.duration_s = result.duration_s;
  summary.thresholds = result.thresholds;
  summary.timeline = &result.timeline;
  summary.interrupted = result.interrupted;
  return summary;
}

}  // namespace wsyaml::metrics
