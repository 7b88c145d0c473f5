#include "engine/engine.h"

#include <algorithm>
#include <future>
#include <thread>
#include <utility>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "engine/load_profile.h"
#include "engine/vu.h"
#include "engine/ws_transport.h"

namespace wsyaml::engine {
namespace {

using namespace std::chrono_literals;

// Many engine timers share one Asio timer: only the earliest deadline is armed.
class AsioScheduler : public Scheduler {
 public:
  explicit AsioScheduler(asio::io_context& io) : timer_(io) {}
  TimePoint Now() const override { return SteadyClock::now(); }
  TimerId Schedule(TimePoint when, std::function<void()> fn) override {
    bool earliest = false;
    TimerId id = queue_.Add(when, std::move(fn), &earliest);
    // While due timers run, their re-arming is settled once afterwards, not per callback.
    if (running_due_) return id;
    TimePoint wake = WakeTimeFor(when);
    if (wake < armed_) Arm(wake);
    return id;
  }
  void Cancel(TimerId id) override { queue_.Cancel(id); }
  /// Drops every timer (shutdown).
  void Clear() {
    queue_ = TimerQueue();
    std::error_code ec;
    timer_.cancel();
    armed_ = TimePoint::max();
  }

 private:
  // A wake-up costs about as much as twenty timer callbacks, so deadlines that fall within
  // kBatchWindow of the last wake-up share the next one: with 10k VUs on `every: 1s` a
  // wake-up runs a few timers instead of one, each at most kBatchWindow late. Sparse timers
  // and timers due now (posted work) are not delayed.
  static constexpr std::chrono::microseconds kBatchWindow{250};

  TimePoint WakeTimeFor(TimePoint when) const {
    return when <= Now() ? when : std::max(when, last_wake_ + kBatchWindow);
  }

  void Arm(TimePoint when) {
    armed_ = when;
    timer_.expires_at(when);
    timer_.async_wait([this](const std::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      armed_ = TimePoint::max();
      last_wake_ = Now();
      running_due_ = true;
      queue_.RunDue(last_wake_);
      running_due_ = false;
      TimePoint next = queue_.NextDeadline();
      if (next != TimePoint::max()) Arm(WakeTimeFor(next));
    });
  }

  asio::steady_timer timer_;
  TimerQueue queue_;
  TimePoint armed_ = TimePoint::max();
  TimePoint last_wake_{};
  bool running_due_ = false;
};

// How often the coordinator follows the load profile.
constexpr graph::Micros kLoopStep = std::chrono::milliseconds(10);

}  // namespace

// One thread: an io_context, its transport and timers, a metric shard and a slice of VUs.
// Each VU slot follows its scenario's load model: loop until stopped (constant VUs), a fixed
// number of iterations, loop while within the ramping target, or wait for arrivals.
class Engine::Worker {
 public:
  Worker(Engine& engine, int index)
      : engine_(engine), work_(asio::make_work_guard(io_)), scheduler_(io_) {
    transport_ = MakeWebSocketTransport(io_, engine.options_.local_addresses);
    ctx_.scheduler = &scheduler_;
    ctx_.transport = transport_.get();
    ctx_.shard = &shard_;
    ctx_.tags = &engine.tags_;
    ctx_.live = &engine.live_;
    ctx_.plan = &engine.plan_;
    ctx_.base_urls = engine.options_.base_urls;
    ctx_.next_base_url = static_cast<size_t>(index);
    ctx_.debug = engine.options_.debug;
    ctx_.secrets = engine.options_.secrets;
    ctx_.feeder_cursors = &engine.feeder_cursors_;
    ctx_.rng.seed(std::random_device{}() + static_cast<uint64_t>(index) * 7919);
  }

  /// Adds a VU before Start(). `rank` is its 1-based place within its scenario (ramping VUs
  /// run while rank <= target); `iterations` < 0 = loop until stopped.
  void AddVu(int scenario, int id, int rank, int iterations, graph::Micros start_delay) {
    Slot slot;
    slot.vu = std::make_unique<Vu>(ctx_, engine_.plan_.scenarios[scenario], id);
    slot.scenario = scenario;
    slot.rank = rank;
    slot.remaining = iterations;
    slot.start_delay = start_delay;
    slot.kind = engine_.plan_.scenarios[scenario].load.kind;
    slots_.push_back(std::move(slot));
    busy_.fetch_add(1);
  }

  void Start() {
    thread_ = std::thread([this] {
      TimePoint start = scheduler_.Now();
      for (size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].kind == graph::LoadProfile::Kind::kArrivalRate) continue;
        if (slots_[i].kind == graph::LoadProfile::Kind::kRampingVus) {
          slots_[i].parked = true;  // waits for SetRampingTarget
          continue;
        }
        scheduler_.Schedule(start + slots_[i].start_delay, [this, i] { StartNext(i); });
      }
      io_.run();
    });
  }

  /// Ramping VUs: VUs of `scenario` with rank <= target may start iterations.
  void SetRampingTarget(int scenario, int target) {
    asio::post(io_, [this, scenario, target] {
      for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (slot.scenario != scenario) continue;
        slot.target = target;
        if (slot.parked && slot.rank <= target && !slot.stopped) {
          slot.parked = false;
          StartNext(i);
        }
      }
    });
  }

  /// Arrival rate: starts `count` iterations of `scenario`, spread evenly over `window`.
  /// An arrival that finds every VU busy is dropped and counted (dropped_iterations).
  void Arrive(int scenario, int count, graph::Micros window) {
    asio::post(io_, [this, scenario, count, window] {
      TimePoint now = scheduler_.Now();
      for (int k = 0; k < count; ++k) {
        scheduler_.Schedule(now + window * k / count, [this, scenario] { StartArrival(scenario); });
      }
    });
  }

  /// No new iterations for `scenario`.
  void StopStarting(int scenario) {
    asio::post(io_, [this, scenario] {
      for (Slot& slot : slots_) {
        if (slot.scenario != scenario || slot.stopped) continue;
        slot.stopped = true;
        if (!slot.vu->running()) MarkDone(slot);
      }
    });
  }

  /// Interrupts the running iterations of `scenario`.
  void Interrupt(int scenario) {
    asio::post(io_, [this, scenario] {
      for (Slot& slot : slots_) {
        if (slot.scenario != scenario) continue;
        slot.stopped = true;
        if (slot.vu->running()) {
          slot.vu->Interrupt();
        } else {
          MarkDone(slot);
        }
      }
    });
  }

  /// Drops everything and ends the thread.
  void Shutdown() {
    asio::post(io_, [this] {
      for (Slot& slot : slots_) {
        slot.stopped = true;
        slot.vu->Abandon();
        MarkDone(slot);
      }
      scheduler_.Clear();
      work_.reset();
      io_.stop();
    });
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
    slots_.clear();
  }

  /// A copy of the worker's samples so far, taken on its thread.
  std::future<metrics::Shard> Snapshot() {
    auto promise = std::make_shared<std::promise<metrics::Shard>>();
    std::future<metrics::Shard> future = promise->get_future();
    asio::post(io_, [this, promise] { promise->set_value(shard_); });
    return future;
  }

  /// VU slots not yet finished for good.
  int busy() const { return busy_.load(); }
  metrics::Shard& shard() { return shard_; }

 private:
  struct Slot {
    std::unique_ptr<Vu> vu;
    int scenario = 0;
    int rank = 0;
    int remaining = -1;
    int target = 0;
    graph::Micros start_delay{0};
    graph::LoadProfile::Kind kind{};
    bool parked = false;
    bool stopped = false;
    bool done = false;
  };

  void StartNext(size_t index) {
    Slot& slot = slots_[index];
    if (slot.done) return;
    if (slot.stopped || slot.remaining == 0) {
      MarkDone(slot);
      return;
    }
    if (slot.kind == graph::LoadProfile::Kind::kRampingVus && slot.rank > slot.target) {
      slot.parked = true;  // ramped down: the iteration that ran was allowed to finish
      return;
    }
    if (slot.remaining > 0) --slot.remaining;
    slot.vu->StartIteration([this, index](Vu&, bool) { StartNext(index); });
  }

  void StartArrival(int scenario) {
    for (Slot& slot : slots_) {
      if (slot.scenario != scenario || slot.stopped || slot.vu->running()) continue;
      Slot* s = &slot;
      slot.vu->StartIteration([this, s](Vu&, bool) {
        if (s->stopped) MarkDone(*s);
      });
      return;
    }
    bool stopped = true;
    for (Slot& slot : slots_)
      if (slot.scenario == scenario && !slot.stopped) stopped = false;
    if (!stopped) shard_.Add(metrics::MetricId::kDroppedIterations, 1);
  }

  void MarkDone(Slot& slot) {
    if (slot.done) return;
    slot.done = true;
    busy_.fetch_sub(1);
  }

  Engine& engine_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  AsioScheduler scheduler_;
  std::unique_ptr<Transport> transport_;
  metrics::Shard shard_;
  WorkerContext ctx_;
  std::vector<Slot> slots_;
  std::atomic<int> busy_{0};
  std::thread thread_;
};

Engine::Engine(const graph::TestPlan& plan, EngineOptions options)
    : plan_(plan), options_(std::move(options)), feeder_cursors_(plan.feeders.size()) {}

Engine::~Engine() = default;

void Engine::Stop(bool now) {
  int requests = stop_requests_.fetch_add(1) + 1;
  if (now || requests >= 2) stop_now_ = true;
}

RunOutcome Engine::Run() {
  using Clock = std::chrono::steady_clock;
  using Kind = graph::LoadProfile::Kind;
  const graph::Slice slice = plan_.slice;
  const int slices = std::max(1, slice.count);
  // This process runs the VUs of every slices-th rank (and every slices-th arrival).
  auto mine = [&](int rank) { return (rank - 1) % slices == slice.index; };
  int my_vus = 0;
  for (const auto& scenario : plan_.scenarios)
    for (int rank = 1; rank <= MaxVus(scenario.load); ++rank) my_vus += mine(rank) ? 1 : 0;
  int threads = std::max(1, std::min(options_.threads, std::max(1, my_vus)));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(*this, i));

  struct ScenarioClock {
    Kind kind;
    Clock::duration end;
    Clock::duration graceful;
    bool stopping = false;
    bool interrupted = false;
    int ramp_target = -1;
    int64_t arrivals_started = 0;
    int next_worker = 0;
  };
  std::vector<ScenarioClock> clocks;
  int vu_base = 0;
  int placed = 0;
  for (size_t s = 0; s < plan_.scenarios.size(); ++s) {
    const graph::LoadProfile& load = plan_.scenarios[s].load;
    graph::Micros duration = ScenarioDuration(load);
    int max_vus = MaxVus(load);
    // VU starts are spread over a short window so the server does not see a thundering herd.
    graph::Micros spread = load.ramp_up.value_or(std::min<graph::Micros>(1s, duration / 10));
    int iterations = load.kind == Kind::kPerVuIterations ? load.iterations : -1;
    for (int rank = 1; rank <= max_vus; ++rank) {
      if (!mine(rank)) continue;
      graph::Micros delay = max_vus > 1 ? spread * (rank - 1) / max_vus : graph::Micros(0);
      workers[placed++ % threads]->AddVu(static_cast<int>(s), vu_base + rank, rank, iterations,
                                         delay);
    }
    vu_base += max_vus;
    clocks.push_back({load.kind, duration, load.graceful_stop});
  }

  Clock::time_point start = Clock::now();
  for (auto& worker : workers) worker->Start();
  auto all_idle = [&] {
    for (auto& worker : workers)
      if (worker->busy() > 0) return false;
    return true;
  };

  bool interrupted = false;
  Clock::time_point next_tick = start + 1s;
  // Once iterations are interrupted, their sockets get kCloseWait to finish the closing
  // handshake, extended while sockets keep closing (100k sockets on a busy server take
  // longer) up to kCloseWaitMax, but not after a second stop request.
  constexpr Clock::duration kCloseWait = 3s, kCloseWaitMax = 30s;
  Clock::time_point hard_deadline = Clock::time_point::max();
  Clock::time_point close_limit = Clock::time_point::max();
  int64_t open_at_last_check = 0;
  while (true) {
    Clock::time_point now = Clock::now();
    Clock::duration elapsed = now - start;
    if (stop_requests_.load() > 0 && !interrupted) {
      interrupted = true;
      for (ScenarioClock& clock : clocks) clock.end = std::min(clock.end, elapsed);
    }
    if (stop_now_.load()) {
      for (ScenarioClock& clock : clocks) clock.graceful = Clock::duration(0);
    }
    for (size_t s = 0; s < clocks.size(); ++s) {
      ScenarioClock& clock = clocks[s];
      const graph::LoadProfile& load = plan_.scenarios[s].load;
      auto t = std::chrono::duration_cast<graph::Micros>(elapsed);
      if (!clock.stopping && clock.kind == Kind::kRampingVus) {
        int target = RampingTarget(load, t);
        if (target != clock.ramp_target) {
          clock.ramp_target = target;
          for (auto& worker : workers) worker->SetRampingTarget(static_cast<int>(s), target);
        }
      }
      if (!clock.stopping && clock.kind == Kind::kArrivalRate) {
        // Whole arrivals due by the end of the next loop step; this slice starts every
        // slices-th of them.
        auto all = static_cast<int64_t>(ArrivalsUntil(
            load, std::min<graph::Micros>(
                      t + kLoopStep, std::chrono::duration_cast<graph::Micros>(clock.end))));
        int64_t due = all > slice.index ? (all - slice.index - 1) / slices + 1 : 0;
        int count = static_cast<int>(due - clock.arrivals_started);
        if (count > 0) {
          clock.arrivals_started += count;
          // Round-robin in small batches so every worker's VU pool is used.
          int batch = std::max(1, count / threads);
          while (count > 0) {
            int n = std::min(batch, count);
            workers[clock.next_worker++ % threads]->Arrive(static_cast<int>(s), n, kLoopStep);
            count -= n;
          }
        }
      }
      if (!clock.stopping && elapsed >= clock.end) {
        clock.stopping = true;
        for (auto& worker : workers) worker->StopStarting(static_cast<int>(s));
      }
      if (clock.stopping && !clock.interrupted && elapsed >= clock.end + clock.graceful) {
        clock.interrupted = true;
        for (auto& worker : workers) worker->Interrupt(static_cast<int>(s));
      }
    }
    bool all_interrupted = true;
    for (const ScenarioClock& clock : clocks)
      all_interrupted = all_interrupted && clock.interrupted;
    if (all_interrupted && close_limit == Clock::time_point::max()) {
      hard_deadline = now + kCloseWait;
      close_limit = now + kCloseWaitMax;
      open_at_last_check = live_.open_sockets.load();
    } else if (all_interrupted && !stop_now_.load()) {
      int64_t open = live_.open_sockets.load();
      if (open < open_at_last_check) hard_deadline = std::max(hard_deadline, now + 1s);
      hard_deadline = std::min(hard_deadline, close_limit);
      open_at_last_check = open;
    }
    if (now >= next_tick) {
      next_tick += 1s;
      if (options_.on_tick) {
        std::vector<std::future<metrics::Shard>> snapshots;
        for (auto& worker : workers) snapshots.push_back(worker->Snapshot());
        metrics::Shard cumulative;
        for (auto& snapshot : snapshots) {
          if (snapshot.wait_for(2s) == std::future_status::ready) cumulative.Merge(snapshot.get());
        }
        options_.on_tick(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed),
                         cumulative);
      }
    }
    if (all_idle() || now >= hard_deadline) break;
    std::this_thread::sleep_for(kLoopStep);
  }
  for (auto& worker : workers) worker->Shutdown();
  for (auto& worker : workers) worker->Join();

  RunOutcome outcome;
  for (auto& worker : workers) outcome.merged.Merge(worker->shard());
  outcome.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  outcome.interrupted = interrupted;
  outcome.vus_max = placed;
  return outcome;
}

}  // namespace wsyaml::engine
