#include "cli/run_support.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

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

void RaiseOpenFilesLimit(bool quiet) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (!quiet && limit.rlim_cur < 4096) {
    std::cerr << "wsyaml: warning: the open-files limit is " << limit.rlim_cur
              << "; each connection needs one. Raise it with `ulimit -n` (hard limit "
              << limit.rlim_max << ").\n";
  }
}

bool ResolveTarget(const std::string& target, std::unique_ptr<server::ReferenceServer>* builtin,
                   std::string* base_url, std::string* error) {
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
    *base_url = "ws://127.0.0.1:" + std::to_string((*builtin)->port());
    return true;
  }
  if (target.rfind("ws://", 0) != 0 && target.rfind("wss://", 0) != 0) {
    *error = "target '" + target + "' must start with ws://, wss:// or builtin:";
    return false;
  }
  *base_url = target;
  while (!base_url->empty() && base_url->back() == '/') base_url->pop_back();
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
    metrics::ThresholdResult result = metrics::EvaluateThreshold(threshold, cumulative, tags, elapsed.count() / 1000.0);
    if (result.has_data && !result.passed) {
      std::cerr << "\nwsyaml: threshold " << result.metric << ": " << result.source
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
