#include "outputs/csv.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace wsyaml::outputs {
namespace {

// k6's default system tags that have a column of their own, in k6's (sorted) order.
constexpr const char* kTagColumns[] = {
    "check",       "error", "error_code", "expected_response", "group",  "method",
    "name",        "proto", "scenario",   "service",           "status", "subproto",
    "tls_version", "url",
};
constexpr size_t kTagColumnCount = std::size(kTagColumns);

// Quoted only when needed, as Go's encoding/csv (k6's writer) does.
void AppendCsvField(const std::string& field, std::string* out) {
  bool quote = field.find_first_of(",\"\r\n") != std::string::npos ||
               (!field.empty() && (field[0] == ' ' || field[0] == '\t'));
  if (!quote) {
    *out += field;
    return;
  }
  *out += '"';
  for (char c : field) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

int ColumnOf(const std::string& tag) {
  auto it = std::find_if(std::begin(kTagColumns), std::end(kTagColumns),
                         [&](const char* column) { return tag == column; });
  return it == std::end(kTagColumns) ? -1 : static_cast<int>(it - std::begin(kTagColumns));
}

void AppendPair(const std::string& key, const std::string& value, std::string* out) {
  if (!out->empty()) *out += '&';
  *out += key + "=" + value;
}

std::string Metadata(const K6Point& point) {
  std::string metadata;
  if (point.count > 0) AppendPair("count", std::to_string(point.count), &metadata);
  if (!point.has_trend) return metadata;
  AppendPair("sum", FormatK6Number(point.trend.sum_ms), &metadata);
  AppendPair("min", FormatK6Number(point.trend.min_ms), &metadata);
  AppendPair("max", FormatK6Number(point.trend.max_ms), &metadata);
  AppendPair("p(95)", FormatK6Number(point.trend.p95_ms), &metadata);
  AppendPair("p(99)", FormatK6Number(point.trend.p99_ms), &metadata);
  return metadata;
}

}  // namespace

std::string CsvHeader() {
  std::string header = "metric_name,timestamp,metric_value";
  for (const char* column : kTagColumns) header += std::string(",") + column;
  return header + ",extra_tags,metadata\n";
}

std::string FormatCsvRow(const K6Point& point, int64_t unix_ms) {
  std::string columns[kTagColumnCount];
  std::string extra;
  for (const auto& [key, value] : point.tags) {
    int column = ColumnOf(key);
    if (column >= 0)
      columns[column] = value;
    else
      AppendPair(key, value, &extra);
  }
  char value[64];
  std::snprintf(value, sizeof value, "%f", point.value);
  std::string row = catalog::Info(point.id).name;
  row += "," + std::to_string(unix_ms / 1000) + "," + value;
  for (const std::string& field : columns) {
    row += ',';
    AppendCsvField(field, &row);
  }
  row += ',';
  AppendCsvField(extra, &row);
  row += ',';
  AppendCsvField(Metadata(point), &row);
  return row + "\n";
}

std::string CsvSink::Header(const RunInfo& info) {
  (void)info;
  return CsvHeader();
}

std::string CsvSink::Format(const Snapshot& snapshot) {
  std::string rows;
  for (const K6Point& point : ToK6Points(snapshot)) rows += FormatCsvRow(point, snapshot.unix_ms);
  return rows;
}

}  // namespace wsyaml::outputs
