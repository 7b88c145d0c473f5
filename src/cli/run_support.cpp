#include "cli/run_support.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "engine/load_profile.h"
#include "metrics/html_report.h"
#include "metrics/junit.h"
#include "metrics/thresholds.h"
#include "metrics/timeseries.h"
#include "scenario/compiler.h"

namespace wsyaml::cli {

bool ParseEnvPairs(RunOptions* options, std::string* error) {
  for (const std::string& pair : options->env_pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "-e expects NAME=VALUE, got '" + pair + "'";
      return false;
    }
    options->env[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return true;
}

bool ApplyOverrides(const RunOptions& options, graph::TestPlan* plan, std::string* error) {
  if (!options.target.empty()) plan->target = options.target;
  std::optional<graph::Micros> duration;
  if (!options.duration.empty()) {
    std::string parse_error;
    duration = scenario::ParseDuration(options.duration, &parse_error);
    if (!duration) {
      *error = "--duration: " + parse_error;
      return false;
    }
  }
  std::optional<graph::Micros> graceful_stop;
  if (!options.graceful_stop.empty()) {
    std::string parse_error;
    graceful_stop = scenario::ParseDuration(options.graceful_stop, &parse_error);
    if (!graceful_stop) {
      *error = "--graceful-stop: " + parse_error;
      return false;
    }
  }
  if (options.vus < 0 || options.iterations < 0) {
    *error = "--vus and --iterations must be positive";
    return false;
  }
  for (graph::Scenario& scenario : plan->scenarios) {
    graph::LoadProfile& load = scenario.load;
    if (options.vus > 0) {
      load.vus = options.vus;
      if (load.kind == graph::LoadProfile::Kind::kRampingVus) {
        load.kind = graph::LoadProfile::Kind::kConstantVus;
        if (!duration && load.duration.count() == 0) {
          for (const auto& stage : load.stages) load.duration += stage.duration;
        }
      }
    }
    if (options.iterations > 0) {
      load.kind = graph::LoadProfile::Kind::kPerVuIterations;
      load.iterations = options.iterations;
      if (!duration) load.duration = graph::Micros(0);
    }
    if (duration) load.duration = *duration;
    if (graceful_stop) load.graceful_stop = *graceful_stop;
  }
  return true;
}

size_t RaiseOpenFilesLimit(bool quiet) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (!quiet && limit.rlim_cur < 4096) {
    std::cerr << "wsyaml: warning: the open-files limit is " << limit.rlim_cur
              << "; each connection needs one. Raise it with `ulimit -n` (hard limit "
              << limit.rlim_max << ").\n";
  }
  return limit.rlim_cur;
}

namespace {

// Connections one iteration of `steps` opens at most at once (connect counts, summed).
int ConnectionsIn(const graph::StepList& steps) {
  int total = 0;
  for (const graph::Step& step : steps) {
    if (auto* connect = std::get_if<graph::Connect>(&step.action)) {
      total += connect->count;
    } else if (auto* repeat = std::get_if<graph::Repeat>(&step.action)) {
      total += ConnectionsIn(repeat->body);
    }
  }
  return total;
}

}  // namespace

int AutomaticProcs(const graph::TestPlan& plan, size_t open_files, bool quiet) {
  int64_t connections = 0;
  for (const auto& scenario : plan.scenarios)
    connections += static_cast<int64_t>(engine::MaxVus(scenario.load)) *
                   std::max(1, ConnectionsIn(scenario.steps));
  // Leave room for the files a process needs besides its sockets.
  int64_t per_process = std::max<int64_t>(64, static_cast<int64_t>(open_files) * 9 / 10 - 64);
  // Under a tiny limit more processes would not help: report the limit (fd-limit errors).
  if (open_files < 1024) return 1;
  int procs = static_cast<int>((connections + per_process - 1) / per_process);
  procs = std::max(1, std::min(procs, 64));
  if (procs > 1 && !quiet) {
    std::cerr << "wsyaml: up to " << connections << " connections exceed what one process may "
              << "open (open-files limit " << open_files << "): using " << procs
              << " worker processes\n";
  }
  return procs;
}

std::vector<std::string> WorkerArguments(const RunOptions& options, const std::string& targets,
                                         int index, int procs, const std::string& result_file) {
  std::vector<std::string> args = {"wsyaml",          "run",
                                   options.file,      "-q",
                                   "--target",        targets,
                                   "--worker-index",  std::to_string(index),
                                   "--procs",         std::to_string(procs),
                                   "--worker-result", result_file};
  auto add = [&](const char* flag, const std::string& value) {
    if (value.empty() || value == "0") return;
    args.push_back(flag);
    args.push_back(value);
  };
  add("--vus", std::to_string(options.vus));
  add("--duration", options.duration);
  add("--graceful-stop", options.graceful_stop);
  add("--iterations", std::to_string(options.iterations));
  add("--threads", std::to_string(options.threads));
  for (const auto& pair : options.env_pairs) add("-e", pair);
  for (const auto& name : options.secret_env) add("--secret", name);
  for (const auto& address : options.local_addresses) add("--local-address", address);
  if (options.debug) args.push_back("--debug");
  return args;
}

bool ResolveTarget(const std::string& target, std::unique_ptr<server::ReferenceServer>* builtin,
                   std::vector<std::string>* base_urls, std::string* error) {
  static const std::string kBuiltin = "builtin:";
  if (target.rfind(kBuiltin, 0) == 0) {
    server::Kind kind;
    std::string name = target.substr(kBuiltin.size());
    if (!server::ParseKind(name, &kind)) {
      *error = "unknown built-in target '" + target +
               "': use builtin:chat, builtin:echo or builtin:chaos";
      return false;
    }
    *builtin = server::ReferenceServer::Start(kind, 0, 1, error);
    if (!*builtin) return false;
    base_urls->push_back("ws://127.0.0.1:" + std::to_string((*builtin)->port()));
    return true;
  }
  size_t start = 0;
  while (start <= target.size()) {
    size_t comma = target.find(',', start);
    std::string url =
        target.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? target.size() + 1 : comma + 1;
    while (!url.empty() && url.back() == '/') url.pop_back();
    size_t scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "ws" && scheme != "wss") {
      *error = "target '" + url + "' must start with ws://, wss:// or builtin:";
      return false;
    }
    size_t host_start = scheme_end + 3;
    size_t host_end = url.find_first_of(":/", host_start);
    std::string host = url.substr(
        host_start, host_end == std::string::npos ? std::string::npos : host_end - host_start);
    std::string rest = host_end == std::string::npos ? "" : url.substr(host_end);
    std::vector<std::string> hosts;
    if (host.find('-') != std::string::npos &&
        host.find_first_not_of("0123456789.-") == std::string::npos) {
      if (!server::ExpandAddressRanges({host}, &hosts, error)) return false;
    } else {
      hosts.push_back(host);
    }
    for (const auto& h : hosts) base_urls->push_back(scheme + "://" + h + rest);
  }
  return true;
}

Progress::Progress(const graph::TestPlan& plan, const engine::LiveCounters& live, bool quiet)
    : live_(live), quiet_(quiet), tty_(isatty(STDERR_FILENO) == 1), total_s_(0) {
  for (const auto& scenario : plan.scenarios)
    total_s_ = std::max(total_s_, scenario.load.duration.count() / 1e6);
}

void Progress::Tick(std::chrono::milliseconds elapsed, const metrics::Shard&) {
  if (quiet_) return;
  double now_s = elapsed.count() / 1000.0;
  int64_t sent = live_.msgs_sent.load(), received = live_.msgs_received.load();
  double span = std::max(0.001, now_s - last_elapsed_s_);
  double out_rate = (sent - last_sent_) / span, in_rate = (received - last_received_) / span;
  last_sent_ = sent;
  last_received_ = received;
  last_elapsed_s_ = now_s;
  if (!tty_ && now_s - last_printed_s_ < 10) return;
  last_printed_s_ = now_s;
  char line[256];
  std::snprintf(line, sizeof line,
                "running %5.0fs/%.0fs  vus %lld  open %lld  msgs/s out %.0f in %.0f  errors %lld",
                now_s, total_s_, static_cast<long long>(live_.vus.load()),
                static_cast<long long>(live_.open_sockets.load()), out_rate, in_rate,
                static_cast<long long>(live_.errors.load()));
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s", line);
  } else {
    std::fprintf(stderr, "%s\n", line);
  }
  std::fflush(stderr);
  printed_ = true;
}

void Progress::Done() {
  if (printed_ && tty_) std::fprintf(stderr, "\r\033[K");
}

AbortWatch::AbortWatch(const graph::TestPlan& plan) {
  for (const auto& threshold : plan.thresholds)
    if (threshold.abort_on_fail) watched_.push_back(threshold);
}

bool AbortWatch::ShouldAbort(std::chrono::milliseconds elapsed, const metrics::Shard& cumulative,
                             const metrics::TagRegistry& tags) {
  if (aborted_) return false;
  for (const auto& threshold : watched_) {
    if (std::chrono::duration_cast<graph::Micros>(elapsed) < threshold.delay_abort_eval) continue;
    metrics::ThresholdResult result =
        metrics::EvaluateThreshold(threshold, cumulative, tags, elapsed.count() / 1000.0);
    if (result.has_data && !result.passed) {
      std::cerr << "\nwsyaml: threshold " << threshold.metric << ": " << threshold.source
                << " failed; aborting the run (abort-on-fail)\n";
      aborted_ = true;
      return true;
    }
  }
  return false;
}

bool WriteOutputs(const RunOptions& options, const metrics::Result& result, std::string* error) {
  bool ok = true;
  for (const std::string& out : options.outs) {
    size_t eq = out.find('=');
    std::string kind = eq == std::string::npos ? out : out.substr(0, eq);
    std::string path = eq == std::string::npos ? "" : out.substr(eq + 1);
    std::string write_error;
    if (path.empty()) {
      *error = "--out expects json=FILE or ndjson=FILE, got '" + out + "'";
      ok = false;
    } else if (kind == "json") {
      if (!metrics::WriteResultFile(path, result, &write_error)) {
        *error = write_error;
        ok = false;
      }
    } else if (kind == "ndjson") {
      if (!metrics::WriteFileAtomically(
              path, metrics::ToNdjson(result.timeline, result.start_unix_ms), &write_error)) {
        *error = write_error;
        ok = false;
      }
    } else {
      *error = "--out: unknown output '" + kind + "' (use json=FILE or ndjson=FILE)";
      ok = false;
    }
  }
  std::string write_error;
  if (!options.junit.empty() &&
      !metrics::WriteFileAtomically(options.junit, metrics::FormatJUnit(result), &write_error)) {
    *error = write_error;
    ok = false;
  }
  if (!options.report.empty() &&
      !metrics::WriteFileAtomically(options.report, metrics::FormatHtmlReport(result),
                                    &write_error)) {
    *error = write_error;
    ok = false;
  }
  return ok;
}

}  // namespace wsyaml::cli
