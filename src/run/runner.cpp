#include "run/runner.h"

#include <signal.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include "metrics/summary.h"
#include "metrics/thresholds.h"
#include "run/exit_codes.h"
#include "run/open_files.h"
#include "run/outputs.h"
#include "run/process_pool.h"
#include "run/slice_run.h"
#include "run/stop_signals.h"
#include "run/target.h"
#include "scenario/compiler.h"
#include "server/reference_server.h"

namespace wsyaml::run {
namespace {

constexpr int kMaxProcs = 64;

std::vector<std::string> SecretValues(const RunOptions& options) {
  std::vector<std::string> secrets;
  for (const std::string& name : options.secret_env) {
    auto it = options.env.find(name);
    if (it != options.env.end()) secrets.push_back(it->second);
  }
  return secrets;
}

// Worker `index` of `procs` runs this share of `slice`: its VUs and arrivals k with
// k % (count * procs) == index_in_slice, which split the slice exactly.
graph::Slice WorkerSlice(graph::Slice slice, int index, int procs) {
  return {slice.index + slice.count * index, slice.count * procs};
}

// Runs in worker process `index`: its slice, its result sent back whole.
int WorkerMain(const graph::TestPlan& plan, const SliceOptions& options, int index, int procs,
               ChildChannel& channel) {
  graph::TestPlan part = plan;
  part.slice = WorkerSlice(plan.slice, index, procs);
  SliceOutcome outcome = RunSlice(part, options);
  if (!channel.Send(metrics::FormatResultJson(outcome.result))) return kExitSetupFailed;
  return outcome.interrupted && !outcome.aborted ? kExitInterrupted : kExitOk;
}

std::string DescribeExit(const ProcessPool::Exit& exit) {
  if (exit.signal != 0) return "was killed by signal " + std::to_string(exit.signal);
  return "exited with " + std::to_string(exit.code);
}

}  // namespace

Runner::Runner(RunOptions options, std::istream& in, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), in_(in), out_(out), err_(err) {}

std::optional<graph::TestPlan> Runner::Compile() {
  scenario::CompileOptions compile_options;
  compile_options.env = options_.env;
  compile_options.overrides = options_.overrides;
  scenario::CompileResult compiled;
  if (options_.file == "-") {
    std::string text{std::istreambuf_iterator<char>(in_), std::istreambuf_iterator<char>()};
    compile_options.file_name = "<stdin>";
    compiled = scenario::Compile(text, compile_options);
  } else {
    compiled = scenario::CompileFile(options_.file, compile_options);
  }
  for (const auto& diagnostic : compiled.diagnostics) err_ << diagnostic.Format() << "\n";
  return std::move(compiled.plan);
}

int Runner::Processes(const graph::TestPlan& plan, size_t open_files) {
  int procs = options_.procs;
  if (procs == 0) {
    procs = AutomaticProcs(plan, open_files);
    if (procs > 1 && !options_.quiet) {
      err_ << "wsyaml: up to " << MaxConnections(plan) << " connections exceed what one "
           << "process may open (open-files limit " << open_files << "): using " << procs
           << " worker processes\n";
    }
  }
  if (procs > kMaxProcs) {
    err_ << "wsyaml: --procs " << procs << " is more than " << kMaxProcs << "; using " << kMaxProcs
         << "\n";
    procs = kMaxProcs;
  }
  return procs;
}

bool Runner::RunWorkers(const graph::TestPlan& plan, const SliceOptions& slice, int procs,
                        SliceOutcome* merged) {
  ProcessPool pool;
  std::string error;
  bool ok = pool.Start(
      procs,
      [&](int index, ChildChannel& channel) {
        return WorkerMain(plan, slice, index, procs, channel);
      },
      &error);
  // Forwarded, not repeated: the workers are in their own process group.
  StopSignalWatcher signals([&pool](int signal, int) { pool.Signal(signal); });
  if (!ok) {
    err_ << "wsyaml: " << error << "\n";
    pool.Signal(SIGKILL);
  } else if (!options_.quiet) {
    err_ << "wsyaml: running " << procs << " worker processes (--procs)\n";
  }
  int merged_parts = 0;
  for (int i = 0; i < pool.size(); ++i) {
    std::string text;
    metrics::Result part;
    if (!pool.ReadMessage(i, &text)) continue;  // reported from its exit below
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded() || !metrics::FromJson(json, &part, &error)) {
      err_ << "wsyaml: worker process " << i << " sent an unreadable result\n";
      continue;
    }
    if (merged_parts++ == 0) {
      merged->result = std::move(part);
    } else {
      metrics::MergeResult(part, &merged->result);
    }
  }
  std::vector<ProcessPool::Exit> exits = pool.Finish();
  for (size_t i = 0; i < exits.size(); ++i) {
    if (exits[i].code == kExitInterrupted) merged->interrupted = true;
    if (exits[i].code == kExitOk || exits[i].code == kExitInterrupted) continue;
    err_ << "wsyaml: worker process " << i << " " << DescribeExit(exits[i]) << "\n";
    ok = false;
  }
  if (signals.count() > 0) merged->interrupted = true;
  return ok && merged_parts == procs;
}

int Runner::Run() {
  BlockStopSignals();  // before any thread starts
  std::optional<graph::TestPlan> plan = Compile();
  if (!plan) return kExitInvalid;
  plan->slice = options_.slice;
  std::string warning;
  size_t open_files = RaiseOpenFilesLimit(&warning);
  if (!warning.empty() && !options_.quiet) err_ << "wsyaml: warning: " << warning << "\n";

  std::unique_ptr<server::ReferenceServer> builtin;
  SliceOptions slice;
  std::string error;
  if (!ResolveTarget(plan->target, &builtin, &slice.base_urls, &error)) {
    err_ << "wsyaml: " << error << "\n";
    return kExitSetupFailed;
  }
  int procs = Processes(*plan, open_files);
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  slice.threads = options_.threads > 0 ? options_.threads : std::max(1, cores / procs);
  slice.local_addresses = options_.local_addresses;
  slice.secrets = SecretValues(options_);
  slice.debug = options_.debug;
  slice.progress = !options_.quiet && procs == 1;

  SliceOutcome outcome;
  if (procs == 1) {
    outcome = RunSlice(*plan, slice);
  } else if (!RunWorkers(*plan, slice, procs, &outcome) && outcome.result.shard.series().empty()) {
    return kExitSetupFailed;
  }
  return Finish(*plan, outcome, builtin.get());
}

int Runner::Finish(const graph::TestPlan& plan, SliceOutcome& outcome,
                   server::ReferenceServer* builtin) {
  metrics::Result& result = outcome.result;
  result.test_name = plan.name;
  result.source_file = options_.file == "-" ? "<stdin>" : options_.file;
  result.wsyaml_version = kVersion;
  result.interrupted = outcome.interrupted && !outcome.aborted;
  result.thresholds =
      metrics::EvaluateThresholds(plan.thresholds, result.shard, result.tags, result.duration_s);
  metrics::SummaryInput summary;
  summary.shard = &result.shard;
  summary.tags = &result.tags;
  summary.test_name = plan.name;
  summary.duration_s = result.duration_s;
  summary.thresholds = result.thresholds;
  summary.timeline = &result.timeline;
  summary.interrupted = result.interrupted;
  out_ << metrics::FormatSummary(summary);
  if (builtin) {
    builtin->Stop();
    out_ << "\nbuilt-in " << plan.target.substr(8)
         << " server saw: " << server::FormatCounts(builtin->Counts()) << "\n";
  }
  out_.flush();

  std::string error;
  bool outputs_ok = WriteOutputs(options_.outputs, result, &error);
  if (!outputs_ok) err_ << "wsyaml: " << error << "\n";
  if (!metrics::AllPassed(result.thresholds)) return kExitThresholdsFailed;
  if (outcome.interrupted && !outcome.aborted) return kExitInterrupted;
  return outputs_ok ? kExitOk : kExitSetupFailed;
}

}  // namespace wsyaml::run
