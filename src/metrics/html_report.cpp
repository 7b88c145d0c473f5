#include "metrics/html_report.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "metrics/format.h"
#include "metrics/junit.h"
#include "metrics/summary.h"

namespace wsyaml::metrics {
namespace {

constexpr double kWidth = 640, kHeight = 240;
constexpr double kLeft = 70, kRight = 14, kTop = 14, kBottom = 30;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f5f6f8}
header{background:#1b1f24;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{color:#c9d1d9}
.verdict{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;margin-left:8px}
.pass{background:#2da44e;color:#fff}.fail{background:#cf222e;color:#fff}
main{padding:18px 28px}
h2{font-size:17px;margin:26px 0 10px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:11px;fill:#57606a}
svg.chart .grid{stroke:#eaeef2}
svg.chart .axis{stroke:#8c959f}
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}
table{border-collapse:collapse;background:#fff;border:1px solid #d0d7de;margin-bottom:8px}
th,td{padding:5px 10px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
td.msg{text-align:left;white-space:normal;max-width:520px}
th{background:#f6f8fa}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
pre{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px;overflow:auto}
)css";

// Marks the page once the browser has laid out the charts: tests read these attributes.
constexpr const char* kScript = R"js(
(function(){
  var charts=document.querySelectorAll('svg.chart'),drawn=0;
  charts.forEach(function(svg){
    var marks=svg.querySelectorAll('polyline,circle');
    var box=svg.getBoundingClientRect();
    if(marks.length>0&&box.width>0&&box.height>0){drawn++;svg.setAttribute('data-rendered','yes');}
  });
  document.body.setAttribute('data-charts-total',String(charts.length));
  document.body.setAttribute('data-charts-rendered',String(drawn));
})();
)js";

std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string Num(double v) { return FormatNumber(v, 1); }

// A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten.
double NiceMax(double max) {
  if (!(max > 0)) return 1;
  double magnitude = std::pow(10, std::floor(std::log10(max)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (max <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

std::string Axes(double x_max, double y_max, std::string (*format)(double)) {
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string out;
  for (int i = 0; i <= 4; ++i) {
    double y = kTop + plot_h - plot_h * i / 4;
    out += "<line class=\"grid\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) +
           "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) + "\"/>";
    out += "<text x=\"" + Num(kLeft - 6) + "\" y=\"" + Num(y + 4) + "\" text-anchor=\"end\">" +
           Esc(format(y_max * i / 4)) + "</text>";
  }
  for (int i = 0; i <= 5; ++i) {
    double x = kLeft + plot_w * i / 5;
    out += "<text x=\"" + Num(x) + "\" y=\"" + Num(kHeight - 10) + "\" text-anchor=\"middle\">" +
           FormatNumber(x_max * i / 5, 0) + "s</text>";
  }
  out += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft) + "\" y1=\"" +
         Num(kTop) + "\" y2=\"" + Num(kTop + plot_h) + "\"/>";
  out += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kWidth - kRight) +
         "\" y1=\"" + Num(kTop + plot_h) + "\" y2=\"" + Num(kTop + plot_h) + "\"/>";
  return out;
}

// Polylines for the runs of finite values; a lone point becomes a dot.
std::string Line(const ChartLine& line, const std::vector<double>& xs, double x_max, double y_max) {
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::string out, points;
  size_t run = 0;
  double last_x = 0, last_y = 0;
  auto flush = [&] {
    if (run == 1)
      out += "<circle cx=\"" + Num(last_x) + "\" cy=\"" + Num(last_y) + "\" r=\"2.5\" fill=\"" +
             line.color + "\"><title>" + Esc(line.name) + "</title></circle>";
    if (run > 1)
      out += "<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"" + line.color +
             "\" points=\"" + points + "\"><title>" + Esc(line.name) + "</title></polyline>";
    run = 0;
    points.clear();
  };
  for (size_t i = 0; i < xs.size() && i < line.values.size(); ++i) {
    if (!std::isfinite(line.values[i])) {
      flush();
      continue;
    }
    last_x = kLeft + plot_w * (x_max > 0 ? xs[i] / x_max : 0);
    last_y = kTop + plot_h - plot_h * std::min(line.values[i] / y_max, 1.0);
    points += (points.empty() ? "" : " ") + Num(last_x) + "," + Num(last_y);
    ++run;
  }
  flush();
  return out;
}

std::string Legend(const std::vector<ChartLine>& lines) {
  std::string out = "<div class=\"legend\">";
  for (const auto& l : lines)
    out += "<span><i style=\"background:" + l.color + "\"></i>" + Esc(l.name) + "</span>";
  return out + "</div>";
}

std::string Figure(const std::string& title, const std::string& id, const std::vector<double>& xs,
                   const std::vector<ChartLine>& lines, std::string (*format)(double)) {
  return "<figure><figcaption>" + Esc(title) + "</figcaption>" +
         SvgLineChart(id, xs, lines, format) + Legend(lines) + "</figure>\n";
}

std::vector<double> Column(const TimeSeries& ts, const std::string& name, bool counter,
                           bool per_second) {
  std::vector<double> out;
  for (const auto& p : ts.points()) {
    const auto& map = counter ? p.counters : p.gauges;
    auto it = map.find(name);
    double v = it == map.end() ? (counter ? 0 : kNaN) : it->second;
    out.push_back(per_second && p.interval_s > 0 ? v / p.interval_s : v);
  }
  return out;
}

std::string Charts(const Result& r) {
  const TimeSeries& ts = r.timeline;
  std::vector<double> xs;
  for (const auto& p : ts.points()) xs.push_back(p.elapsed_s);
  std::string out = "<h2>Over time</h2><div class=\"charts\">\n";
  out += Figure("Virtual users", "vus", xs,
                {{"vus", "#0969da", Column(ts, "vus", false, false)},
                 {"vus_max", "#8c959f", Column(ts, "vus_max", false, false)}},
                Num);
  out += Figure("Open sockets", "ws_open", xs,
                {{"ws_open", "#8250df", Column(ts, "ws_open", false, false)}}, Num);
  out += Figure("Messages per second", "msgs", xs,
                {{"sent", "#1a7f37", Column(ts, "ws_msgs_sent", true, true)},
                 {"received", "#bf8700", Column(ts, "ws_msgs_received", true, true)}},
                Num);
  out += Figure("Errors per second", "errors", xs,
                {{"ws_errors", "#cf222e", Column(ts, "ws_errors", true, true)}}, Num);
  std::vector<std::string> trends;
  for (const auto& p : ts.points())
    for (const auto& [name, l] : p.trends)
      if (std::find(trends.begin(), trends.end(), name) == trends.end()) trends.push_back(name);
  std::sort(trends.begin(), trends.end());
  for (const auto& name : trends) {
    std::vector<ChartLine> lines = {
        {"p50", "#0969da", {}}, {"p95", "#bf8700", {}}, {"p99", "#cf222e", {}}};
    for (const auto& p : ts.points()) {
      auto it = p.trends.find(name);
      bool has = it != p.trends.end();
      lines[0].values.push_back(has ? it->second.p50 : kNaN);
      lines[1].values.push_back(has ? it->second.p95 : kNaN);
      lines[2].values.push_back(has ? it->second.p99 : kNaN);
    }
    out += Figure(name + " (p50 / p95 / p99)", name, xs, lines, FormatMicros);
  }
  return out + "</div>\n";
}

std::string Table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><tr>";
  for (const auto& h : head) out += "<th>" + Esc(h) + "</th>";
  out += "</tr>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row)
      out += cell.rfind("<td", 0) == 0 ? cell : "<td>" + Esc(cell) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string Verdict(bool ok) {
  return ok ? "<td class=\"ok\">✓ pass</td>" : "<td class=\"bad\">✗ fail</td>";
}

std::string ChecksAndThresholds(const Result& r) {
  std::string out;
  if (!r.thresholds.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.thresholds)
      rows.push_back({ThresholdTarget(t.threshold), t.threshold.source,
                      t.no_samples      ? t.error
                      : t.error.empty() ? FormatObserved(t)
                                        : "error: " + t.error,
                      Verdict(t.passed)});
    out += "<h2>Thresholds</h2>" + Table({"metric", "expression", "observed", ""}, rows);
  }
  if (!r.shard.checks().empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, c] : r.shard.checks()) {
      double total = static_cast<double>(c.passes + c.fails);
      rows.push_back({name, std::to_string(c.passes), std::to_string(c.fails),
                      FormatPercent(total > 0 ? static_cast<double>(c.passes) / total : 0),
                      "<td class=\"msg\">" + Esc(c.last_failure) + "</td>", Verdict(c.fails == 0)});
    }
    out += "<h2>Checks</h2>" +
           Table({"check", "passes", "fails", "pass rate", "last failure", ""}, rows);
  }
  return out;
}

std::string MetricTables(const Result& r) {
  std::vector<std::vector<std::string>> trends, counters, gauges;
  for (const auto& [key, s] : r.shard.series()) {
    const MetricInfo& info = Info(key.first);
    std::string label = ThresholdTarget(info.name, r.tags.Tags(key.second));
    const Histogram& h = s.histogram;
    switch (info.type) {
      case MetricType::kTrend:
        trends.push_back({label, std::to_string(h.Count()), FormatMicros(h.Mean() / 1000),
                          FormatMicros(h.Min() / 1000.0), FormatMicros(h.Percentile(50) / 1000),
                          FormatMicros(h.Percentile(90) / 1000),
                          FormatMicros(h.Percentile(95) / 1000),
                          FormatMicros(h.Percentile(99) / 1000), FormatMicros(h.Max() / 1000.0)});
        break;
      case MetricType::kCounter: {
        bool bytes = info.unit == Unit::kBytes;
        double rate = r.duration_s > 0 ? s.sum / r.duration_s : 0;
        counters.push_back({label, bytes ? FormatBytes(s.sum) : FormatNumber(s.sum),
                            bytes ? FormatBytes(rate) + "/s" : FormatNumber(rate) + "/s"});
        break;
      }
      case MetricType::kGauge:
        gauges.push_back({label, FormatNumber(s.gauge), FormatNumber(s.gauge_max)});
        break;
      case MetricType::kRate:
        counters.push_back({label, FormatPercent(s.count ? s.sum / s.count : 0), ""});
        break;
    }
  }
  std::string out;
  if (!trends.empty())
    out +=
        "<h2>Latencies</h2>" +
        Table({"metric", "count", "avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"}, trends);
  if (!counters.empty()) out += "<h2>Counters</h2>" + Table({"metric", "total", "rate"}, counters);
  if (!gauges.empty()) out += "<h2>Gauges</h2>" + Table({"metric", "at end", "max"}, gauges);
  return out;
}

std::string Errors(const Result& r) {
  if (r.shard.errors().empty()) return "";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [kind, e] : r.shard.errors())
    rows.push_back(
        {kind, std::to_string(e.count), "<td class=\"msg\">" + Esc(e.example) + "</td>"});
  return "<h2>Errors</h2>" + Table({"kind", "count", "example"}, rows);
}

std::string Header(const Result& r) {
  bool ok = AllPassed(r.thresholds);
  for (const auto& [name, c] : r.shard.checks()) ok = ok && c.fails == 0;
  std::string name = r.test_name.empty() ? "wsyaml run" : r.test_name;
  const char* verdict = r.interrupted ? "fail\">interrupted"
                        : ok          ? "pass\">passed"
                                      : "fail\">failed";
  std::string out = "<header><h1>" + Esc(name) + "<span class=\"verdict " + verdict +
                    "</span></h1><div class=\"meta\">";
  if (r.interrupted) out += "<strong>" + Esc(kInterruptedMessage) + "</strong> · ";
  if (!r.source_file.empty()) out += Esc(r.source_file) + " · ";
  out += "started " + Esc(IsoTime(r.start_unix_ms)) + " · " + FormatMicros(r.duration_s * 1e6);
  if (r.merged_runs > 1) out += " · " + std::to_string(r.merged_runs) + " runs merged";
  if (!r.wsyaml_version.empty()) out += " · wsyaml " + Esc(r.wsyaml_version);
  return out + "</div></header>\n";
}

}  // namespace

std::string SvgLineChart(const std::string& id, const std::vector<double>& xs,
                         const std::vector<ChartLine>& lines, std::string (*format)(double)) {
  double x_max = xs.empty() ? 1 : *std::max_element(xs.begin(), xs.end());
  double y_max = 0;
  bool any = false;
  for (const auto& l : lines)
    for (double v : l.values)
      if (std::isfinite(v)) {
        y_max = std::max(y_max, v);
        any = true;
      }
  y_max = NiceMax(y_max);
  std::string out = "<svg class=\"chart\" data-chart=\"" + Esc(id) + "\" viewBox=\"0 0 " +
                    Num(kWidth) + " " + Num(kHeight) + "\" role=\"img\">";
  out += Axes(x_max > 0 ? x_max : 1, y_max, format);
  if (!any) {
    out += "<text x=\"" + Num(kWidth / 2) + "\" y=\"" + Num(kHeight / 2) +
           "\" text-anchor=\"middle\">no data</text>";
  }
  for (const auto& l : lines) out += Line(l, xs, x_max > 0 ? x_max : 1, y_max);
  return out + "</svg>";
}

std::string FormatHtmlReport(const Result& r) {
  SummaryInput summary;
  summary.shard = &r.shard;
  summary.tags = &r.tags;
  summary.test_name = r.test_name;
  summary.duration_s = r.duration_s;
  summary.thresholds = r.thresholds;
  summary.timeline = &r.timeline;
  summary.interrupted = r.interrupted;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>wsyaml: " +
      Esc(r.test_name) + "</title>\n<style>" + kStyle + "</style></head>\n<body>\n";
  out += Header(r);
  out += "<main>\n" + ChecksAndThresholds(r) + Charts(r) + MetricTables(r) + Errors(r);
  out += "<h2>Summary</h2><pre>" + Esc(FormatSummary(summary)) + "</pre>\n</main>\n";
  return out + "<script>" + kScript + "</script>\n</body></html>\n";
}

}  // namespace wsyaml::metrics
