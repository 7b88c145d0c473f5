#include "engine/engine.h"

#include <algorithm>
#include <future>
#include <thread>
#include <utility>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

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
    if (when < armed_) Arm(when);
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
  void Arm(TimePoint when) {
    armed_ = when;
    timer_.expires_at(when);
    timer_.async_wait([this](const std::error_code& ec) {
      if (ec == asio::error::operation_aborted) return;
      armed_ = TimePoint::max();
      queue_.RunDue(Now());
      TimePoint next = queue_.NextDeadline();
      if (next != TimePoint::max() && next < armed_) Arm(next);
    });
  }

  asio::steady_timer timer_;
  TimerQueue queue_;
  TimePoint armed_ = TimePoint::max();
};

constexpr auto kDefaultMaxDuration = std::chrono::minutes(10);

}  // namespace

// One thread: an io_context, its transport and timers, a metric shard and a slice of VUs.
class Engine::Worker {
 public:
  Worker(Engine& engine, int index)
      : engine_(engine), index_(index), work_(asio::make_work_guard(io_)), scheduler_(io_) {
    transport_ = MakeWebSocketTransport(io_);
    ctx_.scheduler = &scheduler_;
    ctx_.transport = transport_.get();
    ctx_.shard = &shard_;
    ctx_.tags = &engine.tags_;
    ctx_.live = &engine.live_;
    ctx_.plan = &engine.plan_;
    ctx_.base_url = engine.options_.base_url;
    ctx_.debug = engine.options_.debug;
    ctx_.feeder_cursors = &engine.feeder_cursors_;
    ctx_.rng.seed(std::random_device{}() + static_cast<uint64_t>(index) * 7919);
  }

  /// Adds a VU before Start(); `iterations` < 0 = loop until stopped.
  void AddVu(int scenario, int id, int iterations, graph::Micros start_delay) {
    slots_.push_back({std::make_unique<Vu>(ctx_, engine_.plan_.scenarios[scenario], id), scenario,
                      iterations, start_delay});
    busy_.fetch_add(1);
  }

  void Start() {
    thread_ = std::thread([this] {
      TimePoint start = scheduler_.Now();
      for (size_t i = 0; i < slots_.size(); ++i)
        scheduler_.Schedule(start + slots_[i].start_delay, [this, i] { StartNext(i); });
      io_.run();
    });
  }

  /// No new iterations for `scenario` (-1 = all).
  void StopStarting(int scenario) {
    asio::post(io_, [this, scenario] {
      for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& slot = slots_[i];
        if (scenario >= 0 && slot.scenario != scenario) continue;
        if (slot.stopped) continue;
        slot.stopped = true;
        if (!slot.vu->running()) MarkDone(slot);
      }
    });
  }

  /// Interrupts the running iterations of `scenario` (-1 = all).
  void Interrupt(int scenario) {
    asio::post(io_, [this, scenario] {
      for (Slot& slot : slots_) {
        if (scenario >= 0 && slot.scenario != scenario) continue;
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

  /// VUs with iterations left or running.
  int busy() const { return busy_.load(); }
  metrics::Shard& shard() { return shard_; }

 private:
  struct Slot {
    std::unique_ptr<Vu> vu;
    int scenario;
    int remaining;
    graph::Micros start_delay;
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
    if (slot.remaining > 0) --slot.remaining;
    slot.vu->StartIteration([this, index](Vu&, bool) { StartNext(index); });
  }

  void MarkDone(Slot& slot) {
    if (slot.done) return;
    slot.done = true;
    busy_.fetch_sub(1);
  }

  Engine& engine_;
  int index_;
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
  int total_vus = 0;
  for (const auto& scenario : plan_.scenarios) total_vus += scenario.load.vus;
  int threads = std::max(1, std::min(options_.threads, std::max(1, total_vus)));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(*this, i));

  // VU starts are spread over a short window so the server does not see a thundering herd.
  int next_id = 1;
  struct ScenarioClock {
    Clock::duration end;
    Clock::duration graceful;
    bool stopping = false;
    bool interrupted = false;
  };
  std::vector<ScenarioClock> clocks;
  for (size_t s = 0; s < plan_.scenarios.size(); ++s) {
    const graph::LoadProfile& load = plan_.scenarios[s].load;
    bool iterations = load.kind == graph::LoadProfile::Kind::kPerVuIterations;
    graph::Micros duration = load.duration;
    if (duration.count() <= 0) duration = kDefaultMaxDuration;
    graph::Micros spread = std::min<graph::Micros>(1s, duration / 10);
    for (int i = 0; i < load.vus; ++i) {
      graph::Micros delay = load.vus > 1 ? spread * i / load.vus : graph::Micros(0);
      workers[(next_id - 1) % threads]->AddVu(static_cast<int>(s), next_id,
                                               iterations ? load.iterations : -1, delay);
      ++next_id;
    }
    clocks.push_back({duration, load.graceful_stop});
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
  Clock::time_point hard_deadline = Clock::time_point::max();
  while (true) {
    std::this_thread::sleep_for(20ms);
    Clock::time_point now = Clock::now();
    Clock::duration elapsed = now - start;
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
    if (stop_requests_.load() > 0 && !interrupted) {
      interrupted = true;
      for (ScenarioClock& clock : clocks) clock.end = std::min(clock.end, elapsed);
    }
    if (stop_now_.load()) {
      for (ScenarioClock& clock : clocks) clock.graceful = Clock::duration(0);
    }
    for (size_t s = 0; s < clocks.size(); ++s) {
      ScenarioClock& clock = clocks[s];
      if (!clock.stopping && elapsed >= clock.end) {
        clock.stopping = true;
        for (auto& worker : workers) worker->StopStarting(static_cast<int>(s));
      }
      if (clock.stopping && !clock.interrupted && elapsed >= clock.end + clock.graceful) {
        clock.interrupted = true;
        for (auto& worker : workers) worker->Interrupt(static_cast<int>(s));
        hard_deadline = std::min(hard_deadline, now + 3s);
      }
    }
    if (all_idle() || now >= hard_deadline) break;
  }
  for (auto& worker : workers) worker->Shutdown();
  for (auto& worker : workers) worker->Join();

  RunOutcome outcome;
  for (auto& worker : workers) outcome.merged.Merge(worker->shard());
  outcome.duration =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  outcome.interrupted = interrupted;
  outcome.vus_max = total_vus;
  return outcome;
}

}  // namespace wsyaml::engine
