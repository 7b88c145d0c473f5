#include "run/runner.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include "metrics/format.h"
#include "metrics/summary.h"
#include "metrics/thresholds.h"
#include "metrics/timeseries.h"
#include "outputs/file_sink.h"
#include "outputs/outputs.h"
#include "run/exit_codes.h"
#include "run/open_files.h"
#include "run/process_pool.h"
#include "run/progress.h"
#include "run/run_header.h"
#include "run/slice_run.h"
#include "run/stop_signals.h"
#include "run/target.h"
#include "run/worker_ticks.h"
#include "scenario/compiler.h"
#include "server/reference_server.h"

namespace wsyaml::run {
namespace {

constexpr int kMaxProcs = 64;
// How long the parent waits for a worker's tick before showing the others' without it.
constexpr std::chrono::milliseconds kTickWait{1500};

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

// Runs in worker process `index`: its slice, its state once a second when `live` (for the
// parent's live sinks), its result at the end.
int WorkerMain(const graph::TestPlan& plan, SliceOptions options, bool live, int index, int procs,
               ChildChannel& channel) {
  graph::TestPlan part = plan;
  part.slice = WorkerSlice(plan.slice, index, procs);
  std::unique_ptr<TickSender> ticks;
  if (live) {
    ticks = std::make_unique<TickSender>(channel);
    options.on_tick = [&ticks](double elapsed_s, int64_t start_unix_ms,
                               const metrics::Shard& cumulative, const metrics::TagRegistry& tags) {
      ticks->Offer(elapsed_s, start_unix_ms, cumulative, tags);
    };
  }
  SliceOutcome outcome = RunSlice(part, options);
  if (ticks) ticks->Stop();
  if (!channel.Send(EncodeResultMessage(outcome.result))) return kExitSetupFailed;
  return outcome.interrupted && !outcome.aborted ? kExitInterrupted : kExitOk;
}

// The progress line's counters from the workers' merged totals.
void SetCounters(const metrics::Shard& cumulative, engine::LiveCounters* counters) {
  int64_t vus = 0, open = 0, sent = 0, received = 0, errors = 0;
  for (const auto& [key, series] : cumulative.series()) {
    if (key.first == metrics::MetricId::kVus) vus += std::llround(series.gauge);
    if (key.first == metrics::MetricId::kWsOpen) open += std::llround(series.gauge);
    if (key.first == metrics::MetricId::kWsMsgsSent) sent += std::llround(series.sum);
    if (key.first == metrics::MetricId::kWsMsgsReceived) received += std::llround(series.sum);
  }
  for (const auto& [kind, counts] : cumulative.errors())
    errors += static_cast<int64_t>(counts.count);
  counters->vus = vus;
  counters->open_sockets = open;
  counters->msgs_sent = sent;
  counters->msgs_received = received;
  counters->errors = errors;
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
                        outputs::SinkSet& sinks, SliceOutcome* merged,
                        const std::function<bool()>& open_sinks) {
  ProcessPool pool;
  std::string error;
  // Abort-on-fail is judged here, on the merged totals: a worker sees only its share.
  AbortWatch abort_watch(options_.no_thresholds ? graph::TestPlan{} : plan, err_);
  SliceOptions worker_options = slice;
  worker_options.abort_on_fail = false;
  // Ticks for the live outputs, the progress line and the abort-on-fail watch.
  const bool live = sinks.live() || !options_.quiet || abort_watch.watching();
  bool ok = pool.Start(
      procs,
      [&](int index, ChildChannel& channel) {
        return WorkerMain(plan, worker_options, live, index, procs, channel);
      },
      &error);
  // Forwarded, not repeated: the workers are in their own process group.
  StopSignalWatcher signals([&pool](int signal, int) { pool.Signal(signal); });
  // Opened once the workers are forked: sinks may start threads.
  if (ok && !open_sinks()) {
    pool.Signal(SIGKILL);
    pool.Finish();
    return false;
  }
  if (!ok) {
    err_ << "wsyaml: " << error << "\n";
    pool.Signal(SIGKILL);
  } else if (!options_.quiet) {
    err_ << "wsyaml: running " << procs << " worker processes (--procs)\n";
  }
  WorkerTicks ticks(pool.size());
  engine::LiveCounters counters;
  Progress progress(plan, counters, options_.quiet);
  ReadWorkers(pool, &ticks,
              [&](double elapsed_s, int64_t start_unix_ms, const metrics::Shard& cumulative,
                  const metrics::TagRegistry& tags) {
                const auto elapsed = std::chrono::milliseconds(std::llround(elapsed_s * 1000));
                sinks.OnTick(elapsed_s, start_unix_ms, cumulative, tags, false);
                SetCounters(cumulative, &counters);
                progress.Tick(elapsed, cumulative);
                if (abort_watch.ShouldAbort(elapsed, cumulative, tags)) {
                  merged->aborted = true;
                  // Two distinct signals are never merged into one pending signal: each
                  // worker takes them as a second Ctrl-C and stops at once, as one process
                  // does on abort-on-fail.
                  pool.Signal(SIGINT);
                  pool.Signal(SIGTERM);
                }
              });
  progress.Done();
  merged->result = ticks.Result();
  std::vector<ProcessPool::Exit> exits = pool.Finish();
  for (size_t i = 0; i < exits.size(); ++i) {
    if (exits[i].code == kExitInterrupted) merged->interrupted = true;
    if (exits[i].code == kExitOk || exits[i].code == kExitInterrupted) continue;
    err_ << "wsyaml: worker process " << i << " " << DescribeExit(exits[i]) << "\n";
    ok = false;
  }
  if (signals.count() > 0) merged->interrupted = true;
  return ok && ticks.results() == procs;
}

void Runner::ReadWorkers(ProcessPool& pool, WorkerTicks* ticks, const OnSnapshot& on_snapshot) {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last_snapshot = Clock::now();
  int open = pool.size();
  while (open > 0) {
    for (int i : pool.Readable(250)) {
      std::string text, error;
      if (!pool.ReadMessage(i, &text)) {  // a missing result is reported from its exit
        ticks->Ended(i);
        --open;
      } else if (!ticks->Accept(i, text, &error)) {
        err_ << "wsyaml: worker process " << i << " sent an unreadable message: " << error << "\n";
      }
    }
    // One snapshot per round of ticks; a worker late by kTickWait is not waited for. Once
    // every worker has ended, the final snapshot (Finish) takes what is left.
    if (ticks->running() == 0 ||
        !(ticks->Ready() || (ticks->Pending() && Clock::now() - last_snapshot >= kTickWait)))
      continue;
    metrics::Shard cumulative;
    double elapsed_s = 0;
    int64_t start_unix_ms = 0;
    ticks->Merge(&cumulative, &elapsed_s, &start_unix_ms);
    on_snapshot(elapsed_s, start_unix_ms, cumulative, ticks->tags());
    last_snapshot = Clock::now();
  }
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
  slice.abort_on_fail = !options_.no_thresholds;
  // On stderr like the progress line, so stdout stays the summary alone.
  if (!options_.quiet)
    err_ << FormatRunHeader(*plan, options_, {slice.base_urls, procs, slice.threads, slice.secrets})
         << std::flush;

  int64_t late_ms = 0;
  if (!WaitForStart(&late_ms)) return kExitInterrupted;
  outputs::SinkSet sinks;
  if (!options_.no_summary) sinks.Add(std::make_unique<outputs::SummarySink>(out_));
  for (auto& sink : outputs::MakeSinks(options_.outputs)) sinks.Add(std::move(sink));
  for (auto& sink : extra_sinks_) sinks.Add(std::move(sink));
  extra_sinks_.clear();
  outputs::RunInfo info{&*plan, SourceName(), slice.base_urls};
  SliceOutcome outcome;
  if (procs == 1) {
    if (!sinks.Open(info, &error)) {
      err_ << "wsyaml: " << error << "\n";
      return kExitSetupFailed;
    }
    slice.sinks = &sinks;
    outcome = RunSlice(*plan, slice);
  } else if (!RunWorkers(*plan, slice, procs, sinks, &outcome,
                         [&] { return sinks.Open(info, &error); }) &&
             outcome.result.shard.series().empty()) {
    if (!error.empty()) err_ << "wsyaml: " << error << "\n";
    return kExitSetupFailed;
  }
  outcome.result.start_late_ms = late_ms;
  return Finish(*plan, outcome, sinks, builtin.get());
}

bool Runner::WaitForStart(int64_t* late_ms) {
  if (options_.start_at_unix_ms == 0) return true;
  const int64_t now = metrics::NowUnixMs();
  const std::string at = metrics::IsoTime(options_.start_at_unix_ms);
  if (now >= options_.start_at_unix_ms) {
    *late_ms = now - options_.start_at_unix_ms;
    if (!options_.quiet && *late_ms > 0)
      err_ << "wsyaml: starting " << metrics::FormatMicros(*late_ms * 1000.0)
           << " late: --start-at " << at << " had passed (recorded as start_late_ms)\n";
    return true;
  }
  if (!options_.quiet)
    err_ << "wsyaml: waiting " << metrics::FormatMicros((options_.start_at_unix_ms - now) * 1000.0)
         << " for --start-at " << at << "\n"
         << std::flush;
  if (SleepUntilUnlessStopped(options_.start_at_unix_ms)) return true;
  err_ << "wsyaml: stopped before --start-at; nothing ran\n";
  return false;
}

std::string Runner::SourceName() const { return options_.file == "-" ? "<stdin>" : options_.file; }

int Runner::Finish(const graph::TestPlan& plan, SliceOutcome& outcome, outputs::SinkSet& sinks,
                   server::ReferenceServer* builtin) {
  metrics::Result& result = outcome.result;
  // The last interval, since the last tick.
  sinks.OnTick(result.duration_s, result.start_unix_ms, result.shard, result.tags, true);
  result.test_name = plan.name;
  result.source_file = SourceName();
  result.wsyaml_version = kVersion;
  result.interrupted = outcome.interrupted && !outcome.aborted;
  result.thresholds =
      metrics::EvaluateThresholds(plan.thresholds, result.shard, result.tags, result.duration_s);
  metrics::SummaryInput summary = metrics::SummaryInputOf(result);
  if (options_.no_thresholds) summary.thresholds.clear();
  summary.trend_stats = options_.trend_stats;
  summary.color = options_.color;
  std::string error;
  bool outputs_ok = sinks.Finish({&result, &summary, &sinks.info()}, &error);
  if (!outputs_ok) err_ << "wsyaml: " << error << "\n";
  if (builtin) {
    builtin->Stop();
    out_ << "\nbuilt-in " << plan.target.substr(8)
         << " server saw: " << server::FormatCounts(builtin->Counts()) << "\n";
    out_.flush();
  }
  if (!options_.no_thresholds && !metrics::AllPassed(result.thresholds))
    return kExitThresholdsFailed;
  if (outcome.interrupted && !outcome.aborted) return kExitInterrupted;
  return outputs_ok ? kExitOk : kExitSetupFailed;
}

}  // namespace wsyaml::run
