#include "outputs/report_charts.h"

#include <cmath>
#include <limits>
#include <set>

#include "metrics/format.h"
#include "metrics/thresholds.h"
#include "outputs/junit.h"
#include "outputs/svg_chart.h"

namespace wsyaml::outputs {

using namespace wsyaml::metrics;  // NOLINT: the charts read metrics types throughout
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr const char* kPalette[] = {"#0969da", "#bf8700", "#cf222e", "#1a7f37", "#8250df",
                                    "#e16f24", "#0598bc", "#6e7781", "#d63384", "#4d2d00"};
constexpr const char* kPassColor = "#1a7f37";
constexpr const char* kFailColor = "#cf222e";

std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string Color(size_t i) { return kPalette[i % std::size(kPalette)]; }

std::string Legend(const LineChart& chart) {
  std::string out = "<div class=\"legend\">";
  for (const auto& l : chart.lines)
    out += "<span><i style=\"background:" + l.color + "\"></i>" + Esc(l.name) + "</span>";
  for (const auto& r : chart.rules)
    out += "<span><i class=\"dashed\" style=\"border-color:" + r.color + "\"></i>" + Esc(r.label) +
           "</span>";
  return out + "</div>";
}

std::string Figure(const std::string& title, const LineChart& chart) {
  return "<figure><figcaption>" + Esc(title) + "</figcaption>" + SvgLineChart(chart) +
         Legend(chart) + "</figure>\n";
}

// One value per point: `get` returns the point's value or NaN; per second divides by the
// interval.
template <typename Get>
std::vector<double> Column(const TimeSeries& ts, bool per_second, Get get) {
  std::vector<double> out;
  for (const auto& p : ts.points()) {
    double v = get(p);
    out.push_back(per_second && p.interval_s > 0 ? v / p.interval_s : v);
  }
  return out;
}

template <typename Map>
double Or(const Map& map, const std::string& key, double otherwise) {
  auto it = map.find(key);
  return it == map.end() ? otherwise : static_cast<double>(it->second);
}

// The values of tag `key` in the timeline's shares, sorted.
std::vector<std::string> TagValues(const TimeSeries& ts, const std::string& key) {
  std::set<std::string> values;
  const std::string prefix = TimelineTagKey(key, "");
  for (const auto& p : ts.points())
    for (const auto& [share, t] : p.tagged)
      if (share.rfind(prefix, 0) == 0) values.insert(share.substr(prefix.size()));
  return {values.begin(), values.end()};
}

// The latency of `trend` in a point: of all tags (`share` empty) or of one tag value; null when
// it had no samples.
const LatencyPoint* Latency(const TimePoint& p, const std::string& share,
                            const std::string& trend) {
  const std::map<std::string, LatencyPoint>* trends = &p.trends;
  if (!share.empty()) {
    auto t = p.tagged.find(share);
    if (t == p.tagged.end()) return nullptr;
    trends = &t->second.trends;
  }
  auto it = trends->find(trend);
  return it == trends->end() ? nullptr : &it->second;
}

// The trend with the most samples of a tag value over the run ("" without any): what a
// `name` measures (ws_reply_time for an expect, ws_ping for a ping, ...).
std::string BusiestTrend(const TimeSeries& ts, const std::string& share) {
  std::map<std::string, uint64_t> counts;
  for (const auto& p : ts.points()) {
    auto t = p.tagged.find(share);
    if (t == p.tagged.end()) continue;
    for (const auto& [trend, l] : t->second.trends) counts[trend] += l.count;
  }
  std::string best;
  for (const auto& [trend, n] : counts)
    if (best.empty() || n > counts[best]) best = trend;
  return best;
}

// p50/p95/p99 of `trend` over time; `share` empty for all tags.
std::vector<ChartLine> Percentiles(const TimeSeries& ts, const std::string& trend,
                                   const std::string& share) {
  std::vector<ChartLine> lines = {
      {"p50", Color(0), {}}, {"p95", Color(1), {}}, {"p99", Color(2), {}}};
  for (const auto& p : ts.points()) {
    const LatencyPoint* l = Latency(p, share, trend);
    lines[0].values.push_back(l ? l->p50 : kNaN);
    lines[1].values.push_back(l ? l->p95 : kNaN);
    lines[2].values.push_back(l ? l->p99 : kNaN);
  }
  return lines;
}

// The thresholds on `trend` with exactly `filter` whose value is a time: lines on its chart.
std::vector<ChartRule> Rules(const Result& r, const std::string& trend, const graph::Tags& filter) {
  using Aggregate = graph::Threshold::Aggregate;
  std::vector<ChartRule> rules;
  for (const auto& t : r.thresholds) {
    const graph::Threshold& th = t.threshold;
    if (th.metric != trend || th.filter != filter) continue;
    if (th.aggregate == Aggregate::kCount || th.aggregate == Aggregate::kRate) continue;
    rules.push_back(
        {th.source + (t.passed ? " ✓" : " ✗"), t.passed ? kPassColor : kFailColor, th.value});
  }
  return rules;
}

bool HasTrend(const TimeSeries& ts, const std::string& share, const std::string& trend) {
  for (const auto& p : ts.points())
    if (Latency(p, share, trend) != nullptr) return true;
  return false;
}

std::string LoadCharts(const Result& r, const std::vector<double>& xs) {
  const TimeSeries& ts = r.timeline;
  auto gauge = [&](const char* name) {
    return Column(ts, false, [&](const TimePoint& p) { return Or(p.gauges, name, kNaN); });
  };
  auto rate = [&](const char* name) {
    return Column(ts, true, [&](const TimePoint& p) { return Or(p.counters, name, 0); });
  };
  LineChart vus{"vus", xs, {{"vus", Color(0), gauge("vus")}}, {}, ChartUnit::kCount};
  double lo = 0, hi = 0;
  if (ts.GaugeRange("vus_max", &lo, &hi))
    vus.rules.push_back({"vus_max " + FormatNumber(hi, 0), "#6e7781", hi});
  std::string out = Figure("Virtual users", vus);
  out += Figure("Open sockets", {"ws_open", xs, {{"ws_open", Color(4), gauge("ws_open")}}, {}});
  out += Figure("Messages per second", {"msgs",
                                        xs,
                                        {{"sent", Color(3), rate("ws_msgs_sent")},
                                         {"received", Color(1), rate("ws_msgs_received")}},
                                        {}});
  LineChart by_name{"samples_by_name", xs, {}, {}, ChartUnit::kCount};
  for (const auto& name : TagValues(ts, "name")) {
    if (by_name.lines.size() == kMaxTagCharts) break;
    std::string share = TimelineTagKey("name", name), trend = BusiestTrend(ts, share);
    if (trend.empty()) continue;
    by_name.lines.push_back({name + " (" + trend + ")", Color(by_name.lines.size()),
                             Column(ts, true, [&](const TimePoint& p) {
                               const LatencyPoint* l = Latency(p, share, trend);
                               return l ? static_cast<double>(l->count) : 0;
                             })});
  }
  if (!by_name.lines.empty()) out += Figure("Samples per second by name", by_name);
  return out;
}

std::string ErrorAndCheckCharts(const TimeSeries& ts, const std::vector<double>& xs) {
  std::set<std::string> kinds, checks, failed;
  for (const auto& p : ts.points()) {
    for (const auto& [kind, n] : p.errors) kinds.insert(kind);
    for (const auto& [name, c] : p.checks) {
      checks.insert(name);
      if (c.fails > 0) failed.insert(name);
    }
  }
  LineChart errors{"errors", xs, {}, {}, ChartUnit::kCount};
  for (const auto& kind : kinds)
    errors.lines.push_back(
        {kind, Color(errors.lines.size() + 2),
         Column(ts, true, [&](const TimePoint& p) { return Or(p.errors, kind, 0); })});
  if (errors.lines.empty())
    errors.lines.push_back({"ws_errors", kFailColor, Column(ts, true, [](const TimePoint& p) {
                              return Or(p.counters, "ws_errors", 0);
                            })});
  LineChart passed{"checks", xs, {}, {}, ChartUnit::kCount};
  if (!checks.empty())
    passed.lines.push_back(
        {"passes (all checks)", kPassColor, Column(ts, true, [](const TimePoint& p) {
           double n = 0;
           for (const auto& [name, c] : p.checks) n += static_cast<double>(c.passes);
           return n;
         })});
  for (const auto& name : failed)
    passed.lines.push_back(
        {name + " fails", Color(passed.lines.size() + 1), Column(ts, true, [&](const TimePoint& p) {
           auto it = p.checks.find(name);
           return it == p.checks.end() ? 0 : static_cast<double>(it->second.fails);
         })});
  std::string out = Figure("Errors per second by kind", errors);
  if (!checks.empty()) out += Figure("Checks per second", passed);
  return out;
}

// The trends of the run: in the timeline or with samples in the shard.
std::vector<std::string> Trends(const Result& r) {
  std::set<std::string> names;
  for (const auto& p : r.timeline.points())
    for (const auto& [name, l] : p.trends) names.insert(name);
  for (const auto& [key, s] : r.shard.series())
    if (s.histogram.Count() > 0) names.insert(Info(key.first).name);
  return {names.begin(), names.end()};
}

std::string LatencyCharts(const Result& r, const std::vector<double>& xs,
                          const std::vector<std::string>& trends) {
  std::string out;
  for (const auto& trend : trends) {
    LineChart chart{trend, xs, Percentiles(r.timeline, trend, ""), Rules(r, trend, {}),
                    ChartUnit::kMicros};
    out += Figure(trend + " (p50 / p95 / p99)", chart);
    Histogram all;
    for (const auto& [key, s] : r.shard.series())
      if (Info(key.first).name == trend) all.Merge(s.histogram);
    out += "<figure><figcaption>" + Esc(trend) + " distribution (" + std::to_string(all.Count()) +
           " samples)</figcaption>" + SvgHistogram(trend + ".histogram", all) + "</figure>\n";
  }
  return out;
}

// Per value of tag `key`: a p50/p95/p99 chart of each trend with that value's thresholds.
std::string TagCharts(const Result& r, const std::vector<double>& xs,
                      const std::vector<std::string>& trends, const std::string& key) {
  std::vector<std::string> values = TagValues(r.timeline, key);
  std::string out;
  size_t drawn = 0;
  for (const auto& value : values) {
    if (drawn == kMaxTagCharts) break;
    ++drawn;
    std::string share = TimelineTagKey(key, value);
    for (const auto& trend : trends) {
      if (!HasTrend(r.timeline, share, trend)) continue;
      std::string target = ThresholdTarget(trend, {{key, value}});
      LineChart chart{target, xs, Percentiles(r.timeline, trend, share),
                      Rules(r, trend, {{key, value}}), ChartUnit::kMicros};
      out += Figure(target, chart);
    }
  }
  if (out.empty()) return "";
  out = "<h2>Latency by " + Esc(key) + "</h2><div class=\"charts\">\n" + out + "</div>\n";
  if (values.size() > drawn)
    out += "<p>" + std::to_string(values.size() - drawn) + " more values of " + Esc(key) +
           " are in the tables below.</p>\n";
  return out;
}

}  // namespace

std::string ReportCharts(const Result& r) {
  std::vector<double> xs;
  for (const auto& p : r.timeline.points()) xs.push_back(p.elapsed_s);
  std::vector<std::string> trends = Trends(r);
  std::string out = "<h2>Load</h2><div class=\"charts\">\n" + LoadCharts(r, xs) + "</div>\n";
  out += "<h2>Errors and checks</h2><div class=\"charts\">\n" +
         ErrorAndCheckCharts(r.timeline, xs) + "</div>\n";
  if (!trends.empty())
    out += "<h2>Latency</h2><div class=\"charts\">\n" + LatencyCharts(r, xs, trends) + "</div>\n";
  out += TagCharts(r, xs, trends, "name");
  if (TagValues(r.timeline, "scenario").size() > 1) out += TagCharts(r, xs, trends, "scenario");
  return out;
}

}  // namespace wsyaml::outputs
