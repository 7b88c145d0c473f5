#include "cli/run_flags.h"

#include <arpa/inet.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "metrics/timeseries.h"
#include "outputs/dashboard.h"
#include "outputs/outputs.h"
#include "scenario/compiler.h"
#include "server/reference_server.h"

namespace wsyaml::cli {
namespace {

bool ParseDurationFlag(const char* flag, const std::string& text, std::optional<graph::Micros>* out,
                       std::string* error) {
  if (text.empty()) return true;
  std::string parse_error;
  *out = scenario::ParseDuration(text, &parse_error);
  if (!*out) *error = std::string(flag) + ": " + parse_error;
  return out->has_value();
}

bool IsAddress(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool ParseLocalAddresses(const std::vector<std::string>& flags, std::vector<std::string>* out,
                         std::string* error) {
  if (!server::ExpandAddressRanges(flags, out, error)) {
    *error = "--local-address: " + *error;
    return false;
  }
  for (const std::string& address : *out) {
    if (!IsAddress(address)) {
      *error = "--local-address: '" + address + "' is not an IP address";
      return false;
    }
  }
  return true;
}

// `i/n`: segment i (0-based) of n.
bool ParseSegment(const std::string& text, graph::Slice* slice, std::string* error) {
  if (text.empty()) return true;
  size_t slash = text.find('/');
  char* end = nullptr;
  long index = std::strtol(text.c_str(), &end, 10);
  bool ok = slash != std::string::npos && slash > 0 && end == text.c_str() + slash;
  long count = ok ? std::strtol(text.c_str() + slash + 1, &end, 10) : 0;
  ok = ok && slash + 1 < text.size() && *end == '\0' && count >= 1 && count <= 1000000 &&
       index >= 0 && index < count;
  if (!ok) {
    *error = "--segment expects i/n with 0 <= i < n, e.g. 0/3, got '" + text + "'";
    return false;
  }
  *slice = {static_cast<int>(index), static_cast<int>(count)};
  return true;
}

// "2026-12-01T10:00:00Z", with optional fractional seconds and a +hh:mm / -hh:mm offset.
bool ParseRfc3339(const std::string& text, int64_t* unix_ms) {
  int year, month, day, hour, minute, second, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &year, &month, &day, &hour,
                  &minute, &second, &consumed) != 6 ||
      consumed != 19)
    return false;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return false;
  int64_t ms = static_cast<int64_t>(timegm(&tm)) * 1000;
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    int64_t scale = 100;
    for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
      ms += (text[at] - '0') * scale;
      scale /= 10;
    }
  }
  std::string zone = text.substr(at);
  if (zone == "Z" || zone == "z") {
    *unix_ms = ms;
    return true;
  }
  int zone_hours, zone_minutes;
  char sign;
  if (zone.size() != 6 ||
      std::sscanf(zone.c_str(), "%c%2d:%2d", &sign, &zone_hours, &zone_minutes) != 3 ||
      (sign != '+' && sign != '-'))
    return false;
  int64_t offset = (zone_hours * 60 + zone_minutes) * 60000;
  *unix_ms = sign == '+' ? ms - offset : ms + offset;
  return true;
}

bool ParseOutputs(const RunFlags& flags, std::vector<outputs::OutputSpec>* outputs,
                  std::string* error) {
  for (const std::string& out : flags.outs) {
    outputs::OutputSpec spec;
    if (!outputs::ParseOutFlag(out, &spec, error)) return false;
    outputs->push_back(spec);
  }
  if (!flags.junit.empty()) outputs->push_back({outputs::OutputSpec::Kind::kJUnit, flags.junit});
  if (!flags.report.empty()) outputs->push_back({outputs::OutputSpec::Kind::kReport, flags.report});
  if (!flags.summary_export.empty())
    outputs->push_back({outputs::OutputSpec::Kind::kSummaryExport, flags.summary_export});
  if (!flags.dashboard.empty())
    outputs->push_back({outputs::OutputSpec::Kind::kDashboard, flags.dashboard});
  return outputs::CheckOutputs(*outputs, error);
}

}  // namespace

bool ParseStartAt(const std::string& text, int64_t now_unix_ms, int64_t* unix_ms,
                  std::string* error) {
  if (!text.empty() && text[0] == '+') {
    std::string parse_error;
    std::optional<graph::Micros> delay = scenario::ParseDuration(text.substr(1), &parse_error);
    if (delay) {
      *unix_ms = now_unix_ms + delay->count() / 1000;
      return true;
    }
    *error = "--start-at " + text + ": " + parse_error;
    return false;
  }
  if (ParseRfc3339(text, unix_ms)) return true;
  *error =
      "--start-at expects an RFC 3339 time such as 2026-12-01T10:00:00Z, or +DURATION such "
      "as +30s, got '" +
      text + "'";
  return false;
}

void DeclareRunFlags(CLI::App* cmd, RunFlags* flags) {
  cmd->add_option("file", flags->file, "The scenario YAML file; - reads it from standard input")
      ->required();
  cmd->add_option("--vus", flags->vus, "Override load.vus");
  cmd->add_option("--duration", flags->duration, "Override load.duration, e.g. 30s");
  cmd->add_option("--graceful-stop", flags->graceful_stop,
                  "Override load.graceful-stop: time running iterations get at the end");
  cmd->add_option("--iterations", flags->iterations, "Override load.iterations (per VU)");
  cmd->add_option("--target", flags->target,
                  "Override the target: a URL, builtin:NAME, ws://127.0.0.1-8:PORT for a range "
                  "of addresses, or several URLs separated by commas");
  // One value per use (-e A=1 -e B=2), so that a file after them is not taken as a value.
  cmd->add_option("-e,--env", flags->env_pairs, "Set ${env.NAME}: -e NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--secret", flags->secret_env,
                  "Mask the value of env NAME as *** in every output (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--threads", flags->threads, "Worker threads per process (default: cores)");
  cmd->add_option("--procs", flags->procs,
                  "Worker processes (default: automatic, more when one process cannot hold "
                  "the connections under its open-files limit)");
  cmd->add_option("--local-address", flags->local_addresses,
                  "Source addresses for connections, taken in turn, e.g. 127.0.0.2-127.0.0.9 "
                  "(to get past ~28k ports per source/destination pair; literal IP targets)")
      ->allow_extra_args(false);
  cmd->add_option("--segment", flags->segment,
                  "Run segment i of n of the test (0 <= i < n): its share of the VUs and "
                  "arrivals; the n result files merge into the whole (wsyaml merge)");
  cmd->add_option("--start-at", flags->start_at,
                  "Begin the test at this time (RFC 3339, or +30s from now), so that segments "
                  "started apart begin together; a late start begins at once and is recorded");
  cmd->add_flag("-v,--debug", flags->debug, "Print every frame, handshake and close");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress line");
  cmd->add_flag("--no-summary", flags->no_summary, "No end-of-test summary on standard output");
  cmd->add_flag("--no-thresholds", flags->no_thresholds,
                "Do not judge thresholds in this run (a segment: `merge` judges the whole); the "
                "result file keeps them");
  cmd->add_option("--out", flags->outs,
                  "result=FILE: the whole result, for merge and compare; json=FILE: k6's JSON "
                  "stream; csv=FILE: k6's CSV (one point per metric, tag set and second); "
                  "prometheus=[HOST]:PORT: /metrics during the run; "
                  "influxdb=http://HOST:PORT/DB: points each second (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--junit", flags->junit, "Write a JUnit XML file (checks, thresholds)");
  cmd->add_option("--report", flags->report, "Write a self-contained HTML report");
  cmd->add_option("--summary-export", flags->summary_export,
                  "Write the end-of-test summary as JSON (k6's --summary-export shape)");
  // A flag with an optional =value: `--dashboard file.yaml` never takes the file as its address.
  cmd->add_flag(std::string("--dashboard{") + outputs::kDefaultDashboardAddress + "}",
                flags->dashboard,
                "Serve a live dashboard during the run at http://127.0.0.1:5665/ "
                "(--dashboard=HOST:PORT elsewhere; port 0: any free port)");
  cmd->add_option("--summary-trend-stats", flags->trend_stats,
                  "Stats of trend lines in the summary, e.g. avg,min,med,max,p(90),p(95),p(99) "
                  "(default: avg..p(95), plus p(99) for ws_reply[_wire]_time, ws_delivery_time)");
}

bool ToRunOptions(const RunFlags& flags, const std::map<std::string, std::string>& environment,
                  run::RunOptions* options, std::string* error) {
  options->file = flags.file;
  options->env = environment;
  if (!scenario::OverlayEnvPairs(flags.env_pairs, &options->env, error)) return false;
  scenario::Overrides& overrides = options->overrides;
  overrides.vus = flags.vus;
  overrides.iterations = flags.iterations;
  if (!flags.target.empty()) overrides.target = flags.target;
  if (!ParseDurationFlag("--duration", flags.duration, &overrides.duration, error) ||
      !ParseDurationFlag("--graceful-stop", flags.graceful_stop, &overrides.graceful_stop, error)) {
    return false;
  }
  if (flags.threads < 0 || flags.procs < 0) {
    *error = std::string(flags.threads < 0 ? "--threads" : "--procs") +
             " must be at least 1 (or 0 for automatic), got " +
             std::to_string(flags.threads < 0 ? flags.threads : flags.procs);
    return false;
  }
  options->threads = flags.threads;
  options->procs = flags.procs;
  options->secret_env = flags.secret_env;
  options->debug = flags.debug;
  options->quiet = flags.quiet;
  options->no_summary = flags.no_summary;
  options->no_thresholds = flags.no_thresholds;
  if (!flags.start_at.empty()) {
    if (!ParseStartAt(flags.start_at, metrics::NowUnixMs(), &options->start_at_unix_ms, error))
      return false;
  }
  if (!flags.trend_stats.empty() &&
      !metrics::ParseTrendStats(flags.trend_stats, &options->trend_stats, error))
    return false;
  return ParseLocalAddresses(flags.local_addresses, &options->local_addresses, error) &&
         ParseSegment(flags.segment, &options->slice, error) &&
         ParseOutputs(flags, &options->outputs, error);
}

}  // namespace wsyaml::cli
