#include "outputs/prometheus_text.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <utility>
#include <vector>

#include "metrics/histogram.h"
#include "metrics/thresholds.h"

namespace wsyaml::outputs {

// Decimal bounds as the label shows them; Prometheus compares `le` as a number, people type it
// as text (`le="0.001"`), so no exponents.
const PrometheusBucket kPrometheusBuckets[19] = {
    {"0.00005", 50'000},    {"0.0001", 100'000},    {"0.00025", 250'000},   {"0.0005", 500'000},
    {"0.001", 1'000'000},   {"0.0025", 2'500'000},  {"0.005", 5'000'000},   {"0.01", 10'000'000},
    {"0.025", 25'000'000},  {"0.05", 50'000'000},   {"0.1", 100'000'000},   {"0.25", 250'000'000},
    {"0.5", 500'000'000},   {"1", 1'000'000'000},   {"2.5", 2'500'000'000}, {"5", 5'000'000'000},
    {"10", 10'000'000'000}, {"30", 30'000'000'000}, {"60", 60'000'000'000},
};

namespace {

using metrics::Histogram;
using metrics::MetricId;
using metrics::MetricType;
using Labels = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kPrefix = "wsyaml_";

// The labels the exposition adds itself; a tag of the same name is renamed.
const std::set<std::string_view> kOwnLabels = {"le",     "result",    "check",   "metric",
                                               "filter", "threshold", "quantile"};

bool LabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Shortest text that reads back as the same double; integers without a fraction.
std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  std::snprintf(text, sizeof text, "%.15g", value);
  if (std::strtod(text, nullptr) != value) std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

// `{a="x",b="y"}`, or nothing without labels.
std::string LabelText(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + PrometheusLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

// A tag set as labels; of two tags whose names become the same label, the first is kept.
Labels TagLabels(const metrics::TagRegistry& tags, uint32_t id) {
  Labels labels;
  std::set<std::string> seen;
  for (const auto& [key, value] : tags.Tags(id)) {
    std::string name = PrometheusLabelName(key);
    if (seen.insert(name).second) labels.emplace_back(std::move(name), value);
  }
  return labels;
}

Labels With(Labels labels, std::string name, std::string value) {
  labels.emplace_back(std::move(name), std::move(value));
  return labels;
}

void Sample(std::string* out, const std::string& name, const Labels& labels, double value) {
  *out += name + LabelText(labels) + " " + Number(value) + "\n";
}

void Family(std::string* out, const std::string& name, const char* type, const std::string& help) {
  std::string escaped;
  for (char c : help) escaped += c == '\\' ? "\\\\" : c == '\n' ? "\\n" : std::string(1, c);
  *out += "# HELP " + name + " " + escaped + "\n# TYPE " + name + " " + type + "\n";
}

// The family name of a metric: wsyaml_ws_connecting_seconds, wsyaml_data_sent_bytes_total.
std::string FamilyName(MetricId id) {
  const metrics::MetricInfo& info = metrics::Info(id);
  std::string name = std::string(kPrefix) + info.name;
  if (info.type == MetricType::kTrend) return name + "_seconds";
  if (info.type == MetricType::kGauge) return name;
  return name + (info.unit == metrics::Unit::kBytes ? "_bytes_total" : "_total");
}

void FamilyOf(std::string* out, MetricId id) {
  const metrics::MetricInfo& info = metrics::Info(id);
  const MetricType type = info.type;
  std::string help = std::string("wsyaml's ") + info.name + " (" + catalog::TypeName(type) +
                     (type == MetricType::kTrend ? ", in seconds)" : ")");
  Family(out, FamilyName(id),
         type == MetricType::kTrend   ? "histogram"
         : type == MetricType::kGauge ? "gauge"
                                      : "counter",
         help);
}

// Cumulative bucket counts. One of our buckets straddling a bound (at most 1/128 of its value
// wide) is counted by its midpoint, the value the summary reports for its samples.
void HistogramSamples(std::string* out, const std::string& name, const Labels& labels,
                      const Histogram& histogram) {
  std::vector<Histogram::Bucket> buckets = histogram.Buckets();
  size_t next = 0;
  uint64_t below = 0;
  for (const PrometheusBucket& bound : kPrometheusBuckets) {
    for (; next < buckets.size(); ++next) {
      const Histogram::Bucket& b = buckets[next];
      if (b.low + Histogram::WidthOf(Histogram::IndexOf(b.low)) / 2 > bound.ns) break;
      below += b.count;
    }
    Sample(out, name + "_bucket", With(labels, "le", bound.le), static_cast<double>(below));
  }
  const double count = static_cast<double>(histogram.Count());
  Sample(out, name + "_bucket", With(labels, "le", "+Inf"), count);
  Sample(out, name + "_sum", labels, histogram.Sum() / 1e9);
  Sample(out, name + "_count", labels, count);
}

void SeriesSamples(std::string* out, const Snapshot& snapshot) {
  bool first = true;
  MetricId family = MetricId::kCount;
  for (const auto& [key, series] : snapshot.cumulative->series()) {
    const auto [id, tag_id] = key;
    // Checks are counted per name below; the `checks` rate series is their sum.
    if (id == MetricId::kChecks) continue;
    if (first || id != family) FamilyOf(out, id);
    first = false;
    family = id;
    const std::string name = FamilyName(id);
    const Labels labels = TagLabels(*snapshot.tags, tag_id);
    switch (metrics::Info(id).type) {
      case MetricType::kTrend:
        HistogramSamples(out, name, labels, series.histogram);
        break;
      case MetricType::kGauge:
        Sample(out, name, labels, series.gauge);
        break;
      case MetricType::kCounter:
      case MetricType::kRate:
        Sample(out, name, labels, series.sum);
        break;
    }
  }
}

void CheckSamples(std::string* out, const metrics::Shard& shard) {
  if (shard.checks().empty()) return;
  const std::string name = std::string(kPrefix) + "checks_total";
  Family(out, name, "counter", "check outcomes by check name; result is pass or fail");
  for (const auto& [check, counts] : shard.checks()) {
    Sample(out, name, {{"check", check}, {"result", "pass"}}, static_cast<double>(counts.passes));
    Sample(out, name, {{"check", check}, {"result", "fail"}}, static_cast<double>(counts.fails));
  }
}

void ThresholdSamples(std::string* out, const std::vector<metrics::ThresholdResult>& results) {
  if (results.empty()) return;
  const std::string name = std::string(kPrefix) + "threshold_passing";
  Family(out, name, "gauge", "1 while the threshold holds on the run so far, else 0");
  std::set<std::string> seen;  // a threshold written twice is one series
  for (const metrics::ThresholdResult& result : results) {
    const graph::Threshold& t = result.threshold;
    std::string filter;  // as k6 writes it inside the braces: name:echo,scenario:a
    for (const auto& [key, value] : t.filter)
      filter += (filter.empty() ? "" : ",") + key + ":" + value;
    Labels labels = {{"metric", t.metric}, {"filter", filter}, {"threshold", t.source}};
    if (seen.insert(LabelText(labels)).second) Sample(out, name, labels, result.passed ? 1 : 0);
  }
}

void RunSamples(std::string* out, const Snapshot& snapshot, const RunInfo& info) {
  std::string target;
  for (const std::string& url : info.base_urls) target += (target.empty() ? "" : ",") + url;
  const std::string name = std::string(kPrefix) + "run_info";
  Family(out, name, "gauge", "1 while the run goes; its test, scenario file and target");
  Labels labels = {{"test", info.plan ? info.plan->name : ""},
                   {"scenario_file", info.scenario_file},
                   {"target", target}};
  Sample(out, name, labels, 1);
  const std::string elapsed = std::string(kPrefix) + "run_elapsed_seconds";
  Family(out, elapsed, "gauge", "seconds since the run started, at the last snapshot");
  Sample(out, elapsed, {}, snapshot.elapsed_s);
}

}  // namespace

std::string PrometheusLabelName(std::string_view key) {
  std::string name;
  for (char c : key) name += LabelChar(c) ? c : '_';
  if (name.empty() || (name[0] >= '0' && name[0] <= '9') || name.rfind("__", 0) == 0 ||
      kOwnLabels.count(name))
    name = "tag_" + name;
  return name;
}

std::string PrometheusLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string FormatPrometheus(const Snapshot& snapshot, const RunInfo& info) {
  std::string out;
  SeriesSamples(&out, snapshot);
  CheckSamples(&out, *snapshot.cumulative);
  if (snapshot.thresholds) ThresholdSamples(&out, *snapshot.thresholds);
  RunSamples(&out, snapshot, info);
  return out;
}

}  // namespace wsyaml::outputs
