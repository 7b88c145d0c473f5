#include "outputs/k6_json.h"

#include "graph/json_escape.h"
#include "metrics/timeseries.h"

namespace wsyaml::outputs {
namespace {

void AppendString(const std::string& text, std::string* out) {
  *out += '"';
  graph::AppendJsonEscaped(text, out);
  *out += '"';
}

void AppendField(const char* name, double value, std::string* out) {
  *out += ",\"";
  *out += name;
  *out += "\":";
  *out += FormatK6Number(value);
}

}  // namespace

std::string FormatK6MetricLine(catalog::MetricId id, const std::vector<std::string>& thresholds) {
  const std::string name = catalog::Info(id).name;
  std::string line = "{\"type\":\"Metric\",\"data\":{\"name\":\"" + name + "\",\"type\":\"" +
                     K6Type(id) + "\",\"contains\":\"" + K6Contains(id) + "\",\"thresholds\":[";
  for (size_t i = 0; i < thresholds.size(); ++i) {
    if (i) line += ',';
    AppendString(thresholds[i], &line);
  }
  line += "],\"submetrics\":null},\"metric\":\"" + name + "\"}\n";
  return line;
}

std::string FormatK6PointLine(const K6Point& point, int64_t unix_ms) {
  std::string line = "{\"metric\":\"";
  line += catalog::Info(point.id).name;
  line += "\",\"type\":\"Point\",\"data\":{\"time\":\"" + metrics::IsoTime(unix_ms) + "\"";
  AppendField("value", point.value, &line);
  line += ",\"tags\":{";
  for (size_t i = 0; i < point.tags.size(); ++i) {
    if (i) line += ',';
    AppendString(point.tags[i].first, &line);
    line += ':';
    AppendString(point.tags[i].second, &line);
  }
  line += '}';
  if (point.count > 0) AppendField("count", static_cast<double>(point.count), &line);
  if (point.has_trend) {
    AppendField("sum", point.trend.sum_ms, &line);
    AppendField("min", point.trend.min_ms, &line);
    AppendField("max", point.trend.max_ms, &line);
    AppendField("p(95)", point.trend.p95_ms, &line);
    AppendField("p(99)", point.trend.p99_ms, &line);
  }
  line += "}}\n";
  return line;
}

std::string K6JsonSink::Header(const RunInfo& info) {
  if (!info.plan) return {};
  for (const graph::Threshold& threshold : info.plan->thresholds) {
    catalog::MetricId id;
    if (threshold.filter.empty() && catalog::FindMetric(threshold.metric, &id))
      thresholds_[id].push_back(threshold.source);
  }
  return {};
}

std::string K6JsonSink::Format(const Snapshot& snapshot) {
  std::string lines;
  for (const K6Point& point : ToK6Points(snapshot)) {
    auto declared = declared_.begin() + static_cast<size_t>(point.id);
    if (!*declared) {
      auto it = thresholds_.find(point.id);
      lines += FormatK6MetricLine(
          point.id, it == thresholds_.end() ? std::vector<std::string>{} : it->second);
      *declared = true;
    }
    lines += FormatK6PointLine(point, snapshot.unix_ms);
  }
  return lines;
}

}  // namespace wsyaml::outputs
