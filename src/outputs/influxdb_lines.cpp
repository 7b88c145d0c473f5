#include "outputs/influxdb_lines.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace wsyaml::outputs {
namespace {

using metrics::MetricType;

std::string Escape(const std::string& text, const char* special) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n' || c == '\r') c = ' ';  // line protocol has no newline in a name or value
    if (std::strchr(special, c)) out += '\\';
    out += c;
  }
  return out;
}

// A float field: integral values without a fraction, others with 15 significant digits.
std::string Number(double value) {
  char text[40];
  if (std::fabs(value) < 1e15 && value == std::floor(value))
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.15g", value);
  return text;
}

// Appends ",key=value" for a float field (the first without the comma).
void Field(std::string* fields, const char* key, double value) {
  if (!std::isfinite(value)) return;  // line protocol has no NaN or infinity
  if (!fields->empty()) *fields += ',';
  *fields += key;
  *fields += '=';
  *fields += Number(value);
}

// Appends ",key=Ni" for an integer field.
void IntField(std::string* fields, const char* key, uint64_t value) {
  if (!fields->empty()) *fields += ',';
  *fields += key;
  *fields += '=' + std::to_string(value) + 'i';
}

std::string TrendFields(const metrics::Histogram& h) {
  constexpr double kNsPerMs = 1e6;
  std::string fields;
  Field(&fields, "value", h.Mean() / kNsPerMs);
  IntField(&fields, "count", h.Count());
  Field(&fields, "sum", h.Sum() / kNsPerMs);
  Field(&fields, "min", static_cast<double>(h.Min()) / kNsPerMs);
  Field(&fields, "max", static_cast<double>(h.Max()) / kNsPerMs);
  Field(&fields, "med", h.Percentile(50) / kNsPerMs);
  Field(&fields, "p90", h.Percentile(90) / kNsPerMs);
  Field(&fields, "p95", h.Percentile(95) / kNsPerMs);
  Field(&fields, "p99", h.Percentile(99) / kNsPerMs);
  return fields;
}

std::string RateFields(uint64_t passes, uint64_t fails) {
  std::string fields;
  uint64_t all = passes + fails;
  Field(&fields, "value", all ? static_cast<double>(passes) / static_cast<double>(all) : 0);
  IntField(&fields, "passes", passes);
  IntField(&fields, "fails", fails);
  return fields;
}

std::string SeriesFields(const metrics::MetricInfo& info, const metrics::Series& series) {
  std::string fields;
  switch (info.type) {
    case MetricType::kCounter:
      Field(&fields, "value", series.sum);
      return fields;
    case MetricType::kGauge:
      Field(&fields, "value", series.gauge);
      return fields;
    case MetricType::kTrend:
      return series.histogram.Count() ? TrendFields(series.histogram) : std::string();
    case MetricType::kRate: {
      auto passes = static_cast<uint64_t>(series.sum);
      return RateFields(passes, series.count - passes);
    }
  }
  return fields;
}

std::string TagSet(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::string out;
  for (const auto& [key, value] : tags) {
    if (key.empty() || value.empty()) continue;
    out += ',' + EscapeInfluxKey(key) + '=' + EscapeInfluxKey(value);
  }
  return out;
}

}  // namespace

std::string EscapeInfluxMeasurement(const std::string& text) { return Escape(text, ", "); }

std::string EscapeInfluxKey(const std::string& text) { return Escape(text, ",= "); }

std::vector<std::string> FormatInfluxLines(const Snapshot& snapshot, int64_t timestamp_ms) {
  std::vector<std::string> lines;
  const std::string time = ' ' + std::to_string(timestamp_ms);
  for (const auto& [key, series] : snapshot.interval->series()) {
    // The checks rate is written per check name below, so that its points add up.
    if (key.first == metrics::MetricId::kChecks) continue;
    const metrics::MetricInfo& info = metrics::Info(key.first);
    std::string fields = SeriesFields(info, series);
    if (fields.empty()) continue;
    lines.push_back(EscapeInfluxMeasurement(info.name) + TagSet(snapshot.tags->Tags(key.second)) +
                    ' ' + fields + time);
  }
  for (const auto& [name, counts] : snapshot.interval->checks()) {
    if (counts.passes + counts.fails == 0) continue;
    lines.push_back("checks,check=" + EscapeInfluxKey(name.empty() ? "-" : name) + ' ' +
                    RateFields(counts.passes, counts.fails) + time);
  }
  return lines;
}

}  // namespace wsyaml::outputs
