// wsyaml run FILE: compile, start a built-in server if the target names one, run the engine
// (in this process, or spread over worker processes whose results merge exactly), print the
// summary, write the outputs, and exit with a code CI understands.
#include <signal.h>
#include <sys/wait.h>
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
#include "engine/threaded_runtime.h"
#include "metrics/result.h"
#include "metrics/summary.h"
#include "metrics/thresholds.h"
#include "scenario/compiler.h"
#include "server/reference_server.h"

namespace wsyaml::cli {
namespace {

std::atomic<engine::Engine*> g_running_engine{nullptr};
constexpr int kMaxWorkers = 64;
pid_t g_workers[kMaxWorkers];
std::atomic<int> g_worker_count{0};
std::atomic<bool> g_interrupted{false};

/// SIGINT and SIGTERM, blocked in every thread from construction on (so threads started
/// later inherit the mask) and taken by one thread with sigwait: it asks the engine to stop
/// and forwards the signal to worker processes. SIGUSR2 ends that thread.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set_, nullptr);
    thread_ = std::thread([this] {
      for (;;) {
        int signal_number = 0;
        if (sigwait(&set_, &signal_number) != 0) continue;
        if (signal_number == SIGUSR2) return;
        g_interrupted = true;
        if (engine::Engine* e = g_running_engine.load()) e->Stop(false);
        for (int i = 0; i < g_worker_count.load(); ++i) kill(g_workers[i], signal_number);
      }
    });
  }
  ~StopSignals() {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
    pthread_sigmask(SIG_UNBLOCK, &set_, nullptr);
  }

 private:
  sigset_t set_;
  std::thread thread_;
};

int DefaultThreads(int procs) {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return std::max(1, cores / procs);
}

/// Runs the engine here; fills `result` (thresholds not yet evaluated).
bool RunHere(const RunOptions& options, const graph::TestPlan& plan,
             const std::vector<std::string>& base_urls, const std::vector<std::string>& secrets,
             int procs, metrics::Result* result, bool* aborted) {
  engine::EngineOptions engine_options;
  std::vector<std::string> local_addresses;
  engine_options.threads = options.threads > 0 ? options.threads : DefaultThreads(procs);
  engine_options.base_urls = base_urls;
  engine_options.debug = options.debug;
  engine_options.secrets = secrets;
  std::string error;
  if (!server::ExpandAddressRanges(options.local_addresses, &local_addresses, &error)) {
    std::cerr << "wsyaml: --local-address: " << error << "\n";
  }
  metrics::TimeSeries timeline;
  std::unique_ptr<engine::Engine> run;
  std::unique_ptr<Progress> progress;
  AbortWatch abort_watch(plan);
  engine_options.on_tick = [&](std::chrono::milliseconds elapsed,
                               const metrics::Shard& cumulative) {
    timeline.Sample(elapsed.count() / 1000.0, cumulative);
    progress->Tick(elapsed, cumulative);
    if (abort_watch.ShouldAbort(elapsed, cumulative, run->tags())) run->Stop(true);
  };
  std::unique_ptr<engine::Runtime> runtime = engine::MakeThreadedRuntime(local_addresses);
  run = std::make_unique<engine::Engine>(plan, engine_options, *runtime);
  progress = std::make_unique<Progress>(plan, run->live(), options.quiet || procs > 1);
  result->start_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  g_running_engine = run.get();
  engine::RunOutcome outcome = run->Run();
  g_running_engine = nullptr;
  progress->Done();
  result->duration_s = outcome.duration.count() / 1000.0;
  result->shard = std::move(outcome.merged);
  result->tags = run->tags();
  result->shard.Move(metrics::MetricId::kVusMax, outcome.vus_max);
  timeline.Sample(result->duration_s, result->shard);
  result->timeline = std::move(timeline);
  *aborted = abort_watch.aborted();
  return outcome.interrupted;
}

/// Runs `procs` copies of this command as worker processes and merges their results.
bool RunWorkers(const RunOptions& options, const std::vector<std::string>& base_urls, int procs,
                metrics::Result* merged, std::string* error) {
  std::string dir = "/tmp/wsyaml-workers-XXXXXX";
  if (!mkdtemp(dir.data())) {
    *error = "cannot create a directory for worker results";
    return false;
  }
  std::string targets;
  for (const auto& url : base_urls) targets += (targets.empty() ? "" : ",") + url;
  std::vector<std::string> results;
  for (int i = 0; i < procs; ++i) {
    results.push_back(dir + "/worker-" + std::to_string(i) + ".json");
    std::vector<std::string> args = WorkerArguments(options, targets, i, procs, results.back());
    pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv("/proc/self/exe", argv.data());
      _exit(127);
    }
    if (pid < 0) {
      *error = "cannot start worker process";
      return false;
    }
    g_workers[g_worker_count.load()] = pid;
    g_worker_count.fetch_add(1);
  }
  if (!options.quiet) std::cerr << "wsyaml: running " << procs << " worker processes (--procs)\n";
  bool ok = true;
  for (int i = 0; i < g_worker_count.load(); ++i) {
    int status = 0;
    while (waitpid(g_workers[i], &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      *error = "worker process " + std::to_string(i) + " failed";
      ok = false;
    }
  }
  g_worker_count = 0;
  for (int i = 0; i < procs; ++i) {
    metrics::Result part;
    std::string read_error;
    if (!metrics::ReadResultFile(results[i], &part, &read_error)) {
      *error = read_error;
      ok = false;
      continue;
    }
    if (i == 0) {
      *merged = std::move(part);
    } else {
      metrics::MergeResult(part, merged);
    }
    std::remove(results[i].c_str());
  }
  rmdir(dir.c_str());
  return ok;
}

int Run(const RunOptions& options) {
  scenario::CompileOptions compile_options;
  compile_options.env = scenario::ProcessEnvironment();
  for (const auto& [name, value] : options.env) compile_options.env[name] = value;
  scenario::CompileResult compiled = scenario::CompileFile(options.file, compile_options);
  if (options.worker_index < 0)
    for (const auto& diagnostic : compiled.diagnostics) std::cerr << diagnostic.Format() << "\n";
  if (!compiled.ok()) return kExitInvalid;
  graph::TestPlan plan = std::move(*compiled.plan);
  if (options.worker_index >= 0) plan.slice = {options.worker_index, options.procs};
  std::string error;
  if (!ApplyOverrides(options, &plan, &error)) {
    std::cerr << "wsyaml: " << error << "\n";
    return kExitInvalid;
  }
  std::vector<std::string> secrets;
  for (const std::string& name : options.secret_env) {
    auto it = compile_options.env.find(name);
    if (it != compile_options.env.end()) secrets.push_back(it->second);
  }

  StopSignals stop_signals;  // before any thread starts (the built-in server's too)
  size_t open_files = RaiseOpenFilesLimit(options.quiet || options.worker_index >= 0);
  std::unique_ptr<server::ReferenceServer> builtin;
  std::vector<std::string> base_urls;
  if (!ResolveTarget(plan.target, &builtin, &base_urls, &error)) {
    std::cerr << "wsyaml: " << error << "\n";
    return kExitSetupFailed;
  }

  metrics::Result result;
  bool interrupted = false, aborted = false;
  if (options.worker_index >= 0) {
    RunHere(options, plan, base_urls, secrets, options.procs, &result, &aborted);
    result.test_name = plan.name;
    return metrics::WriteResultFile(options.worker_result, result, &error) ? kExitOk
                                                                           : kExitSetupFailed;
  }
  int procs = options.procs > 0 ? options.procs : AutomaticProcs(plan, open_files, options.quiet);
  if (procs > kMaxWorkers) {
    std::cerr << "wsyaml: --procs " << procs << " is more than " << kMaxWorkers << "; using "
              << kMaxWorkers << "\n";
    procs = kMaxWorkers;
  }
  if (procs > 1) {
    if (!RunWorkers(options, base_urls, procs, &result, &error)) {
      std::cerr << "wsyaml: " << error << "\n";
      if (result.shard.series().empty()) return kExitSetupFailed;
    }
    interrupted = g_interrupted.load();
  } else {
    interrupted = RunHere(options, plan, base_urls, secrets, 1, &result, &aborted);
  }

  result.test_name = plan.name;
  result.source_file = options.file;
  result.wsyaml_version = kVersion;
  result.thresholds =
      metrics::EvaluateThresholds(plan.thresholds, result.shard, result.tags, result.duration_s);
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
  if (interrupted && !aborted) return kExitInterrupted;
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
  cmd->add_option("--target", options->target,
                  "Override the target: a URL, builtin:NAME, ws://127.0.0.1-8:PORT for a range "
                  "of addresses, or several URLs separated by commas");
  cmd->add_option("-e,--env", options->env_pairs, "Set ${env.NAME}: -e NAME=VALUE");
  cmd->add_option("--secret", options->secret_env,
                  "Mask the value of env NAME in --debug and log output (repeatable)");
  cmd->add_option("--threads", options->threads, "Worker threads per process (default: cores)");
  cmd->add_option("--procs", options->procs,
                  "Worker processes (default: automatic, more when one process cannot hold "
                  "the connections under its open-files limit)");
  cmd->add_option("--local-address", options->local_addresses,
                  "Source addresses for connections, taken in turn, e.g. 127.0.0.2-127.0.0.9 "
                  "(to get past ~28k ports per source/destination pair; literal IP targets)");
  cmd->add_flag("-v,--debug", options->debug, "Print every frame, handshake and close");
  cmd->add_flag("-q,--quiet", options->quiet, "No progress line");
  cmd->add_option("--out", options->outs, "json=FILE or ndjson=FILE (repeatable)");
  cmd->add_option("--junit", options->junit, "Write a JUnit XML file (checks, thresholds)");
  cmd->add_option("--report", options->report, "Write a self-contained HTML report");
  // Internal: how a worker process is started by --procs.
  cmd->add_option("--worker-index", options->worker_index)->group("");
  cmd->add_option("--worker-result", options->worker_result)->group("");
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
