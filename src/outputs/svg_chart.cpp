#include "outputs/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "metrics/format.h"
#include "outputs/junit.h"

namespace wsyaml::outputs {
namespace {

constexpr double kWidth = 640, kHeight = 240;
constexpr double kLeft = 70, kRight = 14, kTop = 14, kBottom = 30;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;
// A rule further above the data than this factor would flatten the lines: clamp it.
constexpr double kRuleHeadroom = 4;
constexpr int kBinsPerDecade = 10;      // the coarsest histogram bins
constexpr int kMaxBinsPerDecade = 100;  // the finest
constexpr double kMinBins = 24;         // bins across the samples' range, when fine enough

std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string Num(double v) { return metrics::FormatNumber(v, 1); }

// Four significant digits: enough for a tooltip, short in the page.
std::string Compact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

// A "nice" upper bound for the y axis: 1, 2 or 5 times a power of ten.
double NiceMax(double max) {
  if (!(max > 0)) return 1;
  double magnitude = std::pow(10, std::floor(std::log10(max)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (max <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

double YOf(double v, double y_max) { return kTop + kPlotH - kPlotH * std::min(v / y_max, 1.0); }

std::string HLine(double x1, double x2, double y, const std::string& cls) {
  return "<line class=\"" + cls + "\" x1=\"" + Num(x1) + "\" x2=\"" + Num(x2) + "\" y1=\"" +
         Num(y) + "\" y2=\"" + Num(y) + "\"/>";
}

std::string Text(double x, double y, const char* anchor, const std::string& text) {
  return "<text x=\"" + Num(x) + "\" y=\"" + Num(y) + "\" text-anchor=\"" + anchor + "\">" +
         Esc(text) + "</text>";
}

// Grid, y labels (`y_label(i)` for i = 0..4) and the two axes; x labels are the caller's.
template <typename Label>
std::string Frame(Label y_label) {
  std::string out;
  for (int i = 0; i <= 4; ++i) {
    double y = kTop + kPlotH - kPlotH * i / 4;
    out += HLine(kLeft, kWidth - kRight, y, "grid") + Text(kLeft - 6, y + 4, "end", y_label(i));
  }
  out += "<line class=\"axis\" x1=\"" + Num(kLeft) + "\" x2=\"" + Num(kLeft) + "\" y1=\"" +
         Num(kTop) + "\" y2=\"" + Num(kTop + kPlotH) + "\"/>";
  return out + HLine(kLeft, kWidth - kRight, kTop + kPlotH, "axis");
}

// Polylines for the runs of finite values; a lone point becomes a dot.
std::string Line(const ChartLine& line, const std::vector<double>& xs, double x_max, double y_max) {
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
    last_x = kLeft + kPlotW * xs[i] / x_max;
    last_y = YOf(line.values[i], y_max);
    points += (points.empty() ? "" : " ") + Num(last_x) + "," + Num(last_y);
    ++run;
  }
  flush();
  return out;
}

// The values of a line for the tooltip script: "1.5,,3" (empty for a gap).
std::string DataValues(const std::vector<double>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i)
    out += (i ? "," : "") + (std::isfinite(values[i]) ? Compact(values[i]) : std::string());
  return out;
}

std::string Rule(const ChartRule& rule, double y_max) {
  bool above = rule.value > y_max;
  double y = YOf(rule.value, y_max);
  std::string label = rule.label + (above ? " (above)" : "");
  return "<g class=\"rule\" data-value=\"" + Compact(rule.value) + "\"><line x1=\"" + Num(kLeft) +
         "\" x2=\"" + Num(kWidth - kRight) + "\" y1=\"" + Num(y) + "\" y2=\"" + Num(y) +
         "\" stroke=\"" + rule.color + "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>" +
         "<text x=\"" + Num(kWidth - kRight - 4) + "\" y=\"" + Num(y - 4) +
         "\" text-anchor=\"end\" style=\"fill:" + rule.color + "\">" + Esc(label) +
         "</text><title>" + Esc(label) + "</title></g>";
}

}  // namespace

std::string FormatChartValue(ChartUnit unit, double value) {
  return unit == ChartUnit::kMicros ? metrics::FormatMicros(value) : metrics::FormatNumber(value);
}

std::string SvgLineChart(const LineChart& chart) {
  double x_max = chart.xs.empty() ? 1 : *std::max_element(chart.xs.begin(), chart.xs.end());
  if (!(x_max > 0)) x_max = 1;
  double data_max = 0;
  bool any = false;
  for (const auto& l : chart.lines)
    for (double v : l.values)
      if (std::isfinite(v)) {
        data_max = std::max(data_max, v);
        any = true;
      }
  double top = data_max;
  for (const auto& r : chart.rules)
    if (!any || r.value <= kRuleHeadroom * data_max) top = std::max(top, r.value);
  const double y_max = NiceMax(top);
  std::string xs;
  for (size_t i = 0; i < chart.xs.size(); ++i) xs += (i ? "," : "") + Compact(chart.xs[i]);
  std::string out = "<svg class=\"chart\" data-chart=\"" + Esc(chart.id) + "\" data-unit=\"" +
                    (chart.unit == ChartUnit::kMicros ? "us" : "n") + "\" data-xs=\"" + xs +
                    "\" data-plot=\"" + Num(kLeft) + "," + Num(kPlotW) + "\" viewBox=\"0 0 " +
                    Num(kWidth) + " " + Num(kHeight) + "\" role=\"img\">";
  out += Frame([&](int i) { return FormatChartValue(chart.unit, y_max * i / 4); });
  // The hover cursor, moved and shown by the page's script.
  out += "<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"" + Num(kTop) + "\" y2=\"" +
         Num(kTop + kPlotH) + "\" visibility=\"hidden\"/>";
  // Ticks at round seconds: a "nice" step giving at most 6 of them.
  const double step = NiceMax(x_max / 6);
  for (double t = 0; t <= x_max * 1.0001; t += step)
    out += Text(kLeft + kPlotW * t / x_max, kHeight - 10, "middle",
                metrics::FormatNumber(t, step < 1 ? 1 : 0) + "s");
  if (!any) out += Text(kWidth / 2, kHeight / 2, "middle", "no data");
  for (const auto& r : chart.rules) out += Rule(r, y_max);
  for (const auto& l : chart.lines)
    out += "<g class=\"series\" data-name=\"" + Esc(l.name) + "\" data-color=\"" + l.color +
           "\" data-values=\"" + DataValues(l.values) + "\">" + Line(l, chart.xs, x_max, y_max) +
           "</g>";
  return out + "</svg>";
}

std::string SvgHistogram(const std::string& id, const metrics::Histogram& histogram) {
  std::string out = "<svg class=\"chart histogram\" data-chart=\"" + Esc(id) + "\" viewBox=\"0 0 " +
                    Num(kWidth) + " " + Num(kHeight) + "\" role=\"img\">";
  std::vector<metrics::Histogram::Bucket> buckets = histogram.Buckets();
  if (buckets.empty()) {
    out += Frame([](int) { return std::string(); });
    return out + Text(kWidth / 2, kHeight / 2, "middle", "no data") + "</svg>";
  }
  // Bin k holds [10^(k/per), 10^((k+1)/per)) ns; a narrow range gets finer bins, so that the
  // bars stay thin (a histogram bucket is 0.8% wide, a bin at most 2.3%).
  auto log_ns = [](double ns) { return std::log10(std::max(ns, 1.0)); };
  double decades =
      log_ns(static_cast<double>(histogram.Max())) - log_ns(static_cast<double>(histogram.Min()));
  const int per = std::clamp(static_cast<int>(std::ceil(kMinBins / std::max(decades, 0.01))),
                             kBinsPerDecade, kMaxBinsPerDecade);
  std::map<int, uint64_t> bins;
  for (const auto& b : buckets)
    bins[static_cast<int>(std::floor(per * log_ns(static_cast<double>(b.low))))] += b.count;
  const int first = bins.begin()->first, last = bins.rbegin()->first;
  const double span = last + 1 - first, bar_w = kPlotW / span;
  uint64_t most = 0;
  for (const auto& [bin, n] : bins) most = std::max(most, n);
  const double y_max = NiceMax(static_cast<double>(most));
  auto micros_at = [&](double bin) { return std::pow(10, bin / per) / 1000; };
  auto x_of = [&](double bin) { return kLeft + kPlotW * (bin - first) / span; };
  out += Frame([&](int i) { return metrics::FormatNumber(y_max * i / 4, 0); });
  for (int i = 0; i <= 4; ++i)  // the last label ends at the edge: not cut off
    out += Text(x_of(first + span * i / 4), kHeight - 10, i == 4 ? "end" : "middle",
                metrics::FormatMicros(micros_at(first + span * i / 4)));
  const double total = static_cast<double>(histogram.Count());
  for (const auto& [bin, n] : bins) {
    double h = kPlotH * static_cast<double>(n) / y_max;
    out += "<rect class=\"bar\" x=\"" + Num(x_of(bin) + 0.5) + "\" y=\"" + Num(kTop + kPlotH - h) +
           "\" width=\"" + Num(std::max(bar_w - 1, 1.0)) + "\" height=\"" + Num(h) + "\"><title>" +
           Esc(metrics::FormatMicros(micros_at(bin)) + " – " +
               metrics::FormatMicros(micros_at(bin + 1)) + ": " + std::to_string(n) + " (" +
               metrics::FormatPercent(static_cast<double>(n) / total) + ")") +
           "</title></rect>";
  }
  int row = 0;
  for (double p : {50.0, 95.0, 99.0}) {
    double ns = histogram.Percentile(p);
    double x = x_of(per * log_ns(ns));
    bool right = x > kLeft + kPlotW * 0.7;  // label on the left of the line near the edge
    std::string label = "p" + metrics::FormatNumber(p, 0) + " " + metrics::FormatMicros(ns / 1000);
    out += "<g class=\"marker\"><line x1=\"" + Num(x) + "\" x2=\"" + Num(x) + "\" y1=\"" +
           Num(kTop) + "\" y2=\"" + Num(kTop + kPlotH) + "\"/>" +
           Text(right ? x - 3 : x + 3, kTop + 10 + 12 * row++, right ? "end" : "start", label) +
           "<title>" + Esc(label) + "</title></g>";
  }
  return out + "</svg>";
}

}  // namespace wsyaml::outputs
