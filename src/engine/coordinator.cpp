#include "engine/coordinator.h"

#include <algorithm>
#include <utility>

#include "engine/load_profile.h"
#include "engine/vu_placement.h"

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;
using Kind = graph::LoadProfile::Kind;

// Arrivals are handed to workers in batches covering this much time, spread evenly inside.
constexpr graph::Micros kArrivalBatch = 10ms;
// Once every iteration is interrupted and every worker has written its close frames, sockets
// get to finish their closing handshakes for as long as they keep closing: the wait ends when
// the checks of kCloseWait (one every kCloseCheck) saw no socket close, a silent server, or at
// kCloseWaitMax. Checks are counted, not time: on a busy machine a check that fires late must
// not use up the window before the worker has had the CPU to read the servers' closes.
// The window grows by one check per kSocketsPerCheck sockets still open: a busy server that
// answers the closes of the whole test at once (8 segments of 18,750, --start-at) may answer
// one segment's only after seconds of others', at about 2,000 a second.
constexpr graph::Micros kCloseWait = 3s, kCloseWaitMax = 30s, kCloseCheck = 250ms;
constexpr int64_t kCloseIdleChecks = kCloseWait / kCloseCheck, kSocketsPerCheck = 500;
constexpr graph::Micros kTickInterval = 1s;

}  // namespace

Coordinator::Coordinator(const graph::TestPlan& plan, const EngineOptions& options,
                         Runtime& runtime, const WorkerShared& shared)
    : plan_(plan),
      options_(options),
      runtime_(runtime),
      shared_(shared),
      clock_(runtime.scheduler()) {}

Coordinator::~Coordinator() = default;

RunOutcome Coordinator::Run() {
  runtime_.Post([this] { Begin(); });
  runtime_.Loop();
  for (auto& worker : workers_) worker->Join();
  RunOutcome outcome;
  for (auto& worker : workers_) outcome.merged.Merge(worker->shard());
  outcome.duration = std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start_);
  outcome.interrupted = stop_seen_;
  outcome.vus_max = vus_;
  return outcome;
}

void Coordinator::Begin() {
  start_ = clock_.Now();
  std::vector<VuPlacement> placed = PlaceVus(plan_);
  vus_ = static_cast<int>(placed.size());
  int threads = std::max(1, std::min(options_.threads, std::max(1, vus_)));
  for (int i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(shared_, runtime_.MakeWorkerLoop(i), i, [this] {
      runtime_.Post([this] { CheckIdle(); });
    }));
  }
  for (size_t i = 0; i < placed.size(); ++i) {
    const VuPlacement& vu = placed[i];
    workers_[i % workers_.size()]->AddVu(vu.scenario, vu.id, vu.rank, vu.iterations,
                                         vu.start_delay);
  }
  for (size_t s = 0; s < plan_.scenarios.size(); ++s) {
    const graph::LoadProfile& load = plan_.scenarios[s].load;
    scenarios_.push_back({ScenarioDuration(load), load.graceful_stop});
  }
  for (auto& worker : workers_) worker->Start();
  for (size_t s = 0; s < scenarios_.size(); ++s) {
    scenarios_[s].end_timer = At(scenarios_[s].end, [this, s] { EndScenario(s); });
    Kind kind = plan_.scenarios[s].load.kind;
    if (kind == Kind::kRampingVus) FollowRamp(s);
    if (kind == Kind::kArrivalRate) FollowArrivals(s);
  }
  tick_timer_ = At(kTickInterval, [this] { Tick(); });
  begun_ = true;
  if (early_stop_requests_ > 0) OnStop(early_stop_requests_, early_stop_now_);
  if (vus_ == 0) CheckIdle();
}

graph::Micros Coordinator::Elapsed() const {
  return std::chrono::duration_cast<graph::Micros>(clock_.Now() - start_);
}

TimerId Coordinator::At(graph::Micros since_start, std::function<void()> fn) {
  return clock_.Schedule(start_ + since_start, std::move(fn));
}

void Coordinator::CancelTimer(TimerId* id) {
  if (*id) clock_.Cancel(*id);
  *id = 0;
}

void Coordinator::FollowRamp(size_t s) {
  ScenarioClock& clock = scenarios_[s];
  clock.follow_timer = 0;
  if (clock.stopping) return;
  const graph::LoadProfile& load = plan_.scenarios[s].load;
  graph::Micros t = Elapsed();
  int target = RampingTarget(load, t);
  if (target != clock.ramp_target) {
    clock.ramp_target = target;
    for (auto& worker : workers_) worker->SetRampingTarget(static_cast<int>(s), target);
  }
  graph::Micros next = NextRampingChange(load, t);
  if (next < clock.end) clock.follow_timer = At(next, [this, s] { FollowRamp(s); });
}

void Coordinator::FollowArrivals(size_t s) {
  ScenarioClock& clock = scenarios_[s];
  clock.follow_timer = 0;
  if (clock.stopping) return;
  graph::Micros t = Elapsed();
  graph::Micros until = std::min(t + kArrivalBatch, clock.end);
  // Whole arrivals due by the end of this batch; this slice starts its share of them. (The
  // 1e-9: 50/s over 0.56 s is 27.999999999999996 in doubles, and the 28th arrival is due.)
  auto all = static_cast<int64_t>(ArrivalsUntil(plan_.scenarios[s].load, until) + 1e-9);
  int64_t count = ArrivalsOfSlice(all, plan_.slice) - clock.arrivals_started;
  if (count > 0) {
    clock.arrivals_started += count;
    // Round-robin in small batches so every worker's VU pool is used.
    int64_t per_worker = std::max<int64_t>(1, count / static_cast<int64_t>(workers_.size()));
    while (count > 0) {
      int n = static_cast<int>(std::min(per_worker, count));
      workers_[clock.next_worker++ % workers_.size()]->Arrive(static_cast<int>(s), n, until - t);
      count -= n;
    }
  }
  if (until < clock.end) clock.follow_timer = At(until, [this, s] { FollowArrivals(s); });
}

void Coordinator::EndScenario(size_t s) {
  ScenarioClock& clock = scenarios_[s];
  clock.end_timer = 0;
  if (clock.stopping) return;
  clock.stopping = true;
  clock.end = std::min(clock.end, Elapsed());
  CancelTimer(&clock.follow_timer);
  for (auto& worker : workers_) worker->StopStarting(static_cast<int>(s));
  graph::Micros graceful = stop_now_ ? graph::Micros(0) : clock.graceful;
  clock.interrupt_timer = At(clock.end + graceful, [this, s] { InterruptScenario(s); });
}

void Coordinator::InterruptScenario(size_t s) {
  ScenarioClock& clock = scenarios_[s];
  clock.interrupt_timer = 0;
  if (clock.interrupted) return;
  clock.interrupted = true;
  bool run_end = true;
  for (const ScenarioClock& other : scenarios_) run_end = run_end && other.interrupted;
  // Before the run's end, nothing else bounds the closes: the transport's own timeout must.
  for (auto& worker : workers_) worker->Interrupt(static_cast<int>(s), run_end);
  if (!run_end) return;
  // No close completes before its worker has written all its close frames (18,750 take
  // seconds on a starved core), so the wait starts once every worker has.
  writers_pending_ = static_cast<int>(workers_.size());
  for (auto& worker : workers_) {
    worker->Then([this] {
      runtime_.Post([this] {
        if (--writers_pending_ == 0 && !finished_) StartCloseWait();
      });
    });
  }
}

void Coordinator::OnStop(int requests, bool now) {
  if (finished_) return;
  if (!begun_) {
    early_stop_requests_ = std::max(early_stop_requests_, requests);
    early_stop_now_ = early_stop_now_ || now;
    return;
  }
  if (requests >= 2 && stop_seen_) {
    Finish();  // a second request: no more waiting for anyone
    return;
  }
  if (stop_seen_ && (!now || stop_now_)) return;
  stop_seen_ = true;
  stop_now_ = stop_now_ || now;
  for (size_t s = 0; s < scenarios_.size(); ++s) {
    ScenarioClock& clock = scenarios_[s];
    if (!clock.stopping) {
      CancelTimer(&clock.end_timer);
      EndScenario(s);
    } else if (stop_now_ && !clock.interrupted) {
      CancelTimer(&clock.interrupt_timer);
      InterruptScenario(s);
    }
  }
}

void Coordinator::StartCloseWait() {
  TimePoint now = clock_.Now();
  close_limit_ = now + kCloseWaitMax;
  idle_checks_ = 0;
  open_at_last_check_ = shared_.live->open_sockets.load();
  close_timer_ = clock_.Schedule(now + kCloseCheck, [this] { CheckCloseWait(); });
}

void Coordinator::CheckCloseWait() {
  close_timer_ = 0;
  int64_t open = shared_.live->open_sockets.load();
  // After a stop `now`, sockets that keep closing do not extend the wait.
  bool closing = open < open_at_last_check_ && !stop_now_;
  idle_checks_ = closing ? 0 : idle_checks_ + 1;
  open_at_last_check_ = open;
  TimePoint now = clock_.Now();
  if (idle_checks_ >= kCloseIdleChecks + open / kSocketsPerCheck || now >= close_limit_) {
    Finish();
    return;
  }
  close_timer_ =
      clock_.Schedule(std::min(now + kCloseCheck, close_limit_), [this] { CheckCloseWait(); });
}

void Coordinator::Tick() {
  ++tick_;
  tick_timer_ = At(kTickInterval * (tick_ + 1), [this] { Tick(); });
  if (!options_.on_tick) return;
  // Each worker copies its shard on its own thread; the copies are merged here.
  struct Gather {
    metrics::Shard merged;
    size_t missing = 0;
    std::chrono::milliseconds elapsed{};
  };
  auto gather = std::make_shared<Gather>();
  gather->missing = workers_.size();
  gather->elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Elapsed());
  for (auto& worker : workers_) {
    worker->Snapshot([this, gather](metrics::Shard shard) {
      runtime_.Post([this, gather, shard = std::move(shard)] {
        gather->merged.Merge(shard);
        if (--gather->missing == 0 && !finished_) options_.on_tick(gather->elapsed, gather->merged);
      });
    });
  }
}

void Coordinator::CheckIdle() {
  if (finished_) return;
  for (auto& worker : workers_)
    if (worker->busy() > 0) return;
  Finish();
}

void Coordinator::Finish() {
  if (finished_) return;
  finished_ = true;
  for (ScenarioClock& clock : scenarios_) {
    CancelTimer(&clock.end_timer);
    CancelTimer(&clock.follow_timer);
    CancelTimer(&clock.interrupt_timer);
  }
  CancelTimer(&tick_timer_);
  CancelTimer(&close_timer_);
  for (auto& worker : workers_) worker->Shutdown();
  runtime_.Quit();
}

}  // namespace wsyaml::engine
