#include "run/slice_run.h"

#include <chrono>
#include <functional>
#include <iostream>
#include <memory>

#include "engine/engine.h"
#include "engine/threaded_runtime.h"
#include "metrics/timeseries.h"
#include "run/progress.h"
#include "run/stop_signals.h"

namespace wsyaml::run {
namespace {

using OnTick = std::function<void(std::chrono::milliseconds, const metrics::Shard&)>;

/// An engine and what it runs on, kept alive together (the engine is destroyed first).
struct BuiltEngine {
  std::unique_ptr<engine::Runtime> runtime;
  std::unique_ptr<engine::Engine> engine;
};

// The one place an engine is made: when its constructor changes, this is what changes.
BuiltEngine BuildEngine(const graph::TestPlan& plan, const SliceOptions& options, OnTick on_tick) {
  engine::EngineOptions engine_options;
  engine_options.threads = options.threads;
  engine_options.base_urls = options.base_urls;
  engine_options.debug = options.debug;
  engine_options.secrets = options.secrets;
  engine_options.on_tick = std::move(on_tick);
  BuiltEngine built;
  built.runtime = engine::MakeThreadedRuntime(options.local_addresses);
  built.engine = std::make_unique<engine::Engine>(plan, std::move(engine_options), *built.runtime);
  return built;
}

}  // namespace

SliceOutcome RunSlice(const graph::TestPlan& plan, const SliceOptions& options) {
  metrics::TimeSeries timeline;
  std::unique_ptr<Progress> progress;
  AbortWatch abort_watch(plan, std::cerr);
  engine::Engine* engine = nullptr;
  SliceOutcome outcome;
  // The tick runs on the engine's coordinator, after `engine` and `progress` are set.
  BuiltEngine built = BuildEngine(
      plan, options, [&](std::chrono::milliseconds elapsed, const metrics::Shard& cumulative) {
        timeline.Sample(elapsed.count() / 1000.0, cumulative, &engine->tags());
        if (options.sinks)
          options.sinks->OnTick(elapsed.count() / 1000.0, outcome.result.start_unix_ms, cumulative,
                                engine->tags(), false);
        if (options.on_tick)
          options.on_tick(elapsed.count() / 1000.0, outcome.result.start_unix_ms, cumulative,
                          engine->tags());
        progress->Tick(elapsed, cumulative);
        if (options.abort_on_fail && abort_watch.ShouldAbort(elapsed, cumulative, engine->tags()))
          engine->Stop(true);
      });
  engine = built.engine.get();
  progress = std::make_unique<Progress>(plan, engine->live(), !options.progress);

  outcome.result.start_unix_ms = metrics::NowUnixMs();
  engine::RunOutcome run;
  {
    StopSignalWatcher signals([engine](int, int count) { engine->Stop(count > 1); });
    run = engine->Run();
  }
  progress->Done();
  metrics::Result& result = outcome.result;
  result.duration_s = run.duration.count() / 1000.0;
  result.shard = std::move(run.merged);
  result.tags = engine->tags();
  result.shard.Move(metrics::MetricId::kVusMax, run.vus_max);
  timeline.Sample(result.duration_s, result.shard, &result.tags);
  result.timeline = std::move(timeline);
  outcome.interrupted = run.interrupted;
  outcome.aborted = abort_watch.aborted();
  return outcome;
}

}  // namespace wsyaml::run
