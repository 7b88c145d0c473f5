// wsyaml run FILE: compile, start a built-in server if the target names one, run the engine,
// print the summary, write the outputs, and exit with a code CI understands.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/run_support.h"
#include "engine/engine.h"
#include "metrics/result.h"
#include "metrics/summary.h"
#include "metrics/thresholds.h"
#include "scenario/compiler.h"
#include "server/reference_server.h"

namespace wsyaml::cli {
namespace {

std::atomic<engine::Engine*> g_running_engine{nullptr};

void HandleStopSignal(int) {
  // Only lock-free atomics here: Stop() is async-signal-safe.
  if (engine::Engine* e = g_running_engine.load()) e->Stop(false);
}

int Run(const RunOptions& options) {
  scenario::CompileOptions compile_options;
  compile_options.env = scenario::ProcessEnvironment();
  for (const auto& [name, value] : options.env) compile_options.env[name] = value;
  scenario::CompileResult compiled = scenario::CompileFile(options.file, compile_options);
  for (const auto& diagnostic : compiled.diagnostics) std::cerr << diagnostic.Format() << "\n";
  if (!compiled.ok()) return kExitInvalid;
  graph::TestPlan plan = std::move(*compiled.plan);
  std::string error;
  if (!ApplyOverrides(options, &plan, &error)) {
    std::cerr << "wsyaml: " << error << "\n";
    return kExitInvalid;
  }

  RaiseOpenFilesLimit(options.quiet);
  std::unique_ptr<server::ReferenceServer> builtin;
  std::string base_url;
  if (!ResolveTarget(plan.target, &builtin, &base_url, &error)) {
    std::cerr << "wsyaml: " << error << "\n";
    return kExitSetupFailed;
  }

  engine::EngineOptions engine_options;
  engine_options.threads = options.threads > 0
                               ? options.threads
                               : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  engine_options.base_url = base_url;
  engine_options.debug = options.debug;
  for (const std::string& name : options.secret_env) {
    auto it = compile_options.env.find(name);
    if (it != compile_options.env.end()) engine_options.secrets.push_back(it->second);
  }
  int64_t start_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  metrics::TimeSeries timeline;
  std::unique_ptr<engine::Engine> run;
  std::unique_ptr<Progress> progress;
  AbortWatch abort_watch(plan);
  engine_options.on_tick = [&](std::chrono::milliseconds elapsed, const metrics::Shard& cumulative) {
    timeline.Sample(elapsed.count() / 1000.0, cumulative);
    progress->Tick(elapsed, cumulative);
    if (abort_watch.ShouldAbort(elapsed, cumulative, run->tags())) run->Stop(true);
  };
  run = std::make_unique<engine::Engine>(plan, engine_options);
  progress = std::make_unique<Progress>(plan, run->live(), options.quiet);
  g_running_engine = run.get();
  std::signal(SIGINT, HandleStopSignal);
  std::signal(SIGTERM, HandleStopSignal);
  engine::RunOutcome outcome = run->Run();
  g_running_engine = nullptr;
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  progress->Done();

  metrics::Result result;
  result.test_name = plan.name;
  result.source_file = options.file;
  result.wsyaml_version = kVersion;
  result.start_unix_ms = start_unix_ms;
  result.duration_s = outcome.duration.count() / 1000.0;
  result.shard = std::move(outcome.merged);
  result.tags = run->tags();
  result.shard.Move(metrics::MetricId::kVusMax, outcome.vus_max);
  timeline.Sample(outcome.duration.count() / 1000.0, result.shard);
  result.timeline = std::move(timeline);
  result.thresholds = metrics::EvaluateThresholds(plan.thresholds, result.shard, result.tags, result.duration_s);

  metrics::SummaryInput summary;
  summary.shard = &result.shard;
  summary.tags = &result.tags;
  summary.test_name = plan.name;
  summary.duration_s = result.duration_s;
  summary.thresholds = result.thresholds;
  summary.timeline = &result.timeline;
  std::cout << metrics::FormatSummary(summary);
  if (builtin) {
    builtin->Stop();
    std::cout << "\nbuilt-in " << plan.target.substr(8)
              << " server saw: " << server::FormatCounts(builtin->Counts()) << "\n";
  }
  std::cout.flush();

  bool outputs_ok = WriteOutputs(options, result, &error);
  if (!outputs_ok) std::cerr << "wsyaml: " << error << "\n";
  if (!metrics::AllPassed(result.thresholds)) return kExitThresholdsFailed;
  if (outcome.interrupted && !abort_watch.aborted()) return kExitInterrupted;
  return outputs_ok ? kExitOk : kExitSetupFailed;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario file");
  cmd->add_option("file", options->file, "The scenario YAML file")->required();
  cmd->add_option("--vus", options->vus, "Override load.vus");
  cmd->add_option("--duration", options->duration, "Override load.duration, e.g. 30s");
  cmd->add_option("--graceful-stop", options->graceful_stop,
                  "Override load.graceful-stop: time running iterations get at the end");
  cmd->add_option("--iterations", options->iterations, "Override load.iterations (per VU)");
  cmd->add_option("--target", options->target, "Override the scenario's target");
  cmd->add_option("-e,--env", options->env_pairs, "Set ${env.NAME}: -e NAME=VALUE");
  cmd->add_option("--secret", options->secret_env,
                  "Mask the value of env NAME in --debug and log output (repeatable)");
  cmd->add_option("--threads", options->threads, "Worker threads (default: cores)");
  cmd->add_flag("-v,--debug", options->debug, "Print every frame, handshake and close");
  cmd->add_flag("-q,--quiet", options->quiet, "No progress line");
  cmd->add_option("--out", options->outs, "json=FILE or ndjson=FILE (repeatable)");
  cmd->add_option("--junit", options->junit, "Write a JUnit XML file (checks, thresholds)");
  cmd->add_option("--report", options->report, "Write a self-contained HTML report");
  cmd->callback([options, &exit_code] {
    std::string error;
    if (!ParseEnvPairs(options.get(), &error)) {
      std::cerr << "wsyaml: " << error << "\n";
      exit_code = kExitInvalid;
      return;
    }
    exit_code = Run(*options);
  });
}

}  // namespace wsyaml::cli
