#include "outputs/outputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <set>
#include <system_error>

#include "metrics/result.h"
#include "outputs/csv.h"
#include "outputs/dashboard.h"
#include "outputs/file_sink.h"
#include "outputs/html_report.h"
#include "outputs/influxdb.h"
#include "outputs/junit.h"
#include "outputs/k6_json.h"
#include "outputs/prometheus.h"
#include "outputs/summary_export.h"

namespace wsyaml::outputs {
namespace {

namespace fs = std::filesystem;

const char* FlagOf(OutputSpec::Kind kind) {
  switch (kind) {
    case OutputSpec::Kind::kResult:
      return "--out result";
    case OutputSpec::Kind::kJUnit:
      return "--junit";
    case OutputSpec::Kind::kReport:
      return "--report";
    case OutputSpec::Kind::kSummaryExport:
      return "--summary-export";
    case OutputSpec::Kind::kK6Json:
      return "--out json";
    case OutputSpec::Kind::kCsv:
      return "--out csv";
    case OutputSpec::Kind::kPrometheus:
      return "--out prometheus";
    case OutputSpec::Kind::kDashboard:
      return "--dashboard";
    case OutputSpec::Kind::kInfluxDb:
      return "--out influxdb";
  }
  return "--out";
}

// The file's absolute, normalised path, so that `a.json` and `./a.json` are one path.
std::string Normalised(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return path;
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  return (ec ? absolute.lexically_normal() : canonical).string();
}

// Outputs that are files (checked for a writable path, distinct from each other).
bool IsFile(OutputSpec::Kind kind) {
  return kind != OutputSpec::Kind::kPrometheus && kind != OutputSpec::Kind::kDashboard &&
         kind != OutputSpec::Kind::kInfluxDb;
}

bool CheckOne(const OutputSpec& output, std::string* error) {
  const std::string flag = FlagOf(output.kind);
  if (output.kind == OutputSpec::Kind::kPrometheus) {  // an address; its port is bound in Open
    ListenAddress address;
    return ParseListenAddress(output.path, flag, "prometheus=:9464", &address, error);
  }
  if (output.kind == OutputSpec::Kind::kDashboard) {
    ListenAddress address;
    return ParseDashboardAddress(output.path, &address, error);
  }
  if (output.kind == OutputSpec::Kind::kInfluxDb) {
    InfluxTarget target;
    return ParseInfluxUrl(output.path, &target, error);
  }
  if (output.path.empty()) {
    *error = flag + " needs a file name";
    return false;
  }
  if (output.path == "-") return true;  // standard output
  std::error_code ec;
  if (fs::is_directory(output.path, ec)) {
    *error = flag + ": " + output.path + " is a directory";
    return false;
  }
  // A terminal, a pipe or a device (/dev/stdout) is written straight: it must be writable.
  struct stat st {};
  if (stat(output.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (access(output.path.c_str(), W_OK) == 0) return true;
    *error = flag + ": " + output.path + " is not writable";
    return false;
  }
  // A file is replaced by a rename in its directory (through a link: the target's).
  fs::path real = fs::weakly_canonical(output.path, ec);
  fs::path dir = (ec ? fs::path(output.path) : real).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) {
    *error = flag + ": directory " + dir.string() + " does not exist";
    return false;
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    *error = flag + ": directory " + dir.string() + " is not writable";
    return false;
  }
  return true;
}

}  // namespace

bool ParseOutFlag(const std::string& flag, OutputSpec* out, std::string* error) {
  size_t eq = flag.find('=');
  std::string kind = flag.substr(0, eq);
  if (eq == std::string::npos) {
    *error = "--out expects KIND=FILE (result=FILE), got '" + flag + "'";
    return false;
  }
  if (kind == "result") {
    out->kind = OutputSpec::Kind::kResult;
  } else if (kind == "json") {
    out->kind = OutputSpec::Kind::kK6Json;
  } else if (kind == "csv") {
    out->kind = OutputSpec::Kind::kCsv;
  } else if (kind == "prometheus") {
    ListenAddress address;
    if (!ParseListenAddress(flag.substr(eq + 1), "--out prometheus", "prometheus=:9464", &address,
                            error))
      return false;
    *out = {OutputSpec::Kind::kPrometheus, FormatListenAddress(address)};
    return true;
  } else if (kind == "influxdb") {
    out->kind = OutputSpec::Kind::kInfluxDb;
    if (eq + 1 == flag.size()) {
      *error = "--out influxdb= needs a URL, e.g. influxdb=http://127.0.0.1:8086/wsyaml";
      return false;
    }
  } else if (kind == "ndjson") {
    *error = "--out ndjson was replaced by --out json=FILE, k6's JSON format (docs/reports.md)";
    return false;
  } else {
    *error = "--out: unknown output '" + kind +
             "' (use result=FILE, json=FILE, csv=FILE or prometheus=[HOST]:PORT)";
    return false;
  }
  out->path = flag.substr(eq + 1);
  if (out->path.empty()) {
    *error = "--out " + kind + "= needs a file name, e.g. " + kind + "=" + kind + ".json";
    return false;
  }
  return true;
}

bool CheckOutputs(const std::vector<OutputSpec>& outputs, std::string* error) {
  std::set<std::string> paths;
  for (const OutputSpec& output : outputs) {
    if (!CheckOne(output, error)) return false;
    if (!IsFile(output.kind)) continue;
    if (!paths.insert(Normalised(output.path)).second) {
      *error = std::string(FlagOf(output.kind)) + ": " + output.path +
               " is also another output's file; give each output its own";
      return false;
    }
  }
  return true;
}

std::string DescribeOutput(const OutputSpec& output) {
  switch (output.kind) {
    case OutputSpec::Kind::kPrometheus:
      return "--out prometheus=" + output.path + " (http://" + output.path + "/metrics)";
    case OutputSpec::Kind::kJUnit:
    case OutputSpec::Kind::kReport:
    case OutputSpec::Kind::kSummaryExport:
      return std::string(FlagOf(output.kind)) + " " + output.path;
    default:
      return std::string(FlagOf(output.kind)) + "=" + output.path;
  }
}

namespace {

// What CheckOutputs accepted.
std::unique_ptr<Sink> MakeSink(const OutputSpec& output) {
  std::string unused;  // CheckOutputs has reported bad addresses and URLs before
  switch (output.kind) {
    case OutputSpec::Kind::kResult:
      return std::make_unique<FileSink>(
          output.path, [](const Final& f) { return metrics::FormatResultJson(*f.result); });
    case OutputSpec::Kind::kJUnit:
      return std::make_unique<FileSink>(output.path,
                                        [](const Final& f) { return FormatJUnit(*f.result); });
    case OutputSpec::Kind::kReport:
      return std::make_unique<FileSink>(
          output.path, [](const Final& f) { return FormatHtmlReport(*f.result, f.info); });
    case OutputSpec::Kind::kSummaryExport:
      return std::make_unique<FileSink>(
          output.path, [](const Final& f) { return FormatSummaryExport(*f.summary); });
    case OutputSpec::Kind::kK6Json:  // streams, written as the run goes
      return std::make_unique<K6JsonSink>(output.path);
    case OutputSpec::Kind::kCsv:
      return std::make_unique<CsvSink>(output.path);
    case OutputSpec::Kind::kPrometheus: {
      ListenAddress address;
      ParseListenAddress(output.path, "", "", &address, &unused);
      return std::make_unique<PrometheusSink>(address);
    }
    case OutputSpec::Kind::kDashboard:
      return std::make_unique<DashboardSink>(output.path, std::cerr);
    case OutputSpec::Kind::kInfluxDb: {
      InfluxTarget target;
      ParseInfluxUrl(output.path, &target, &unused);
      return std::make_unique<InfluxDbSink>(std::move(target), &std::cerr);
    }
  }
  return nullptr;
}

}  // namespace

std::vector<std::unique_ptr<Sink>> MakeSinks(const std::vector<OutputSpec>& outputs) {
  std::vector<std::unique_ptr<Sink>> sinks;
  for (const OutputSpec& output : outputs) sinks.push_back(MakeSink(output));
  return sinks;
}

}  // namespace wsyaml::outputs
