#include "engine/worker.h"

#include <random>
#include <utility>

namespace wsyaml::engine {

using Kind = graph::LoadProfile::Kind;

Worker::Worker(const WorkerShared& shared, std::unique_ptr<WorkerLoop> loop, int index,
               std::function<void()> on_idle)
    : plan_(*shared.plan), loop_(std::move(loop)), on_idle_(std::move(on_idle)) {
  ctx_.scheduler = &loop_->scheduler();
  ctx_.transport = &loop_->transport();
  ctx_.shard = &shard_;
  ctx_.tags = shared.tags;
  ctx_.live = shared.live;
  ctx_.plan = shared.plan;
  ctx_.base_urls = shared.base_urls;
  ctx_.next_base_url = static_cast<size_t>(index);
  ctx_.debug = shared.debug;
  ctx_.secrets = shared.secrets;
  ctx_.feeder_cursors = shared.feeder_cursors;
  ctx_.rng.seed(std::random_device{}() + static_cast<uint64_t>(index) * 7919);
}

Worker::~Worker() { Join(); }

void Worker::AddVu(int scenario, int id, int rank, int iterations, graph::Micros start_delay) {
  Slot slot;
  slot.vu = std::make_unique<Vu>(ctx_, plan_.scenarios[scenario], id);
  slot.scenario = scenario;
  slot.rank = rank;
  slot.remaining = iterations;
  slot.start_delay = start_delay;
  slot.kind = plan_.scenarios[scenario].load.kind;
  slots_.push_back(std::move(slot));
  busy_.fetch_add(1);
}

void Worker::Start() {
  loop_->Post([this] {
    TimePoint start = ctx_.scheduler->Now();
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].kind == Kind::kArrivalRate) continue;
      if (slots_[i].kind == Kind::kRampingVus) {
        slots_[i].parked = true;  // waits for SetRampingTarget
        continue;
      }
      ctx_.scheduler->Schedule(start + slots_[i].start_delay, [this, i] { StartNext(i); });
    }
  });
  loop_->Start();
}

void Worker::SetRampingTarget(int scenario, int target) {
  loop_->Post([this, scenario, target] {
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

void Worker::Arrive(int scenario, int count, graph::Micros window) {
  loop_->Post([this, scenario, count, window] {
    TimePoint now = ctx_.scheduler->Now();
    for (int k = 0; k < count; ++k) {
      ctx_.scheduler->Schedule(now + window * k / count,
                               [this, scenario] { StartArrival(scenario); });
    }
  });
}

void Worker::StopStarting(int scenario) {
  loop_->Post([this, scenario] {
    for (Slot& slot : slots_) {
      if (slot.scenario != scenario || slot.stopped) continue;
      slot.stopped = true;
      if (!slot.vu->running()) MarkDone(slot);
    }
  });
}

void Worker::Interrupt(int scenario, bool run_end) {
  loop_->Post([this, scenario, run_end] {
    for (Slot& slot : slots_) {
      if (slot.scenario != scenario) continue;
      slot.stopped = true;
      if (slot.vu->running()) {
        slot.vu->Interrupt(run_end);
      } else {
        MarkDone(slot);
      }
    }
  });
}

void Worker::Then(std::function<void()> fn) { loop_->Post(std::move(fn)); }

void Worker::Shutdown() {
  loop_->Post([this] {
    for (Slot& slot : slots_) {
      slot.stopped = true;
      slot.vu->Abandon();
      MarkDone(slot);
    }
    loop_->Quit();
  });
}

void Worker::Join() {
  loop_->Join();
  slots_.clear();
}

void Worker::Snapshot(std::function<void(metrics::Shard)> deliver) {
  loop_->Post([this, deliver = std::move(deliver)] { deliver(shard_); });
}

void Worker::StartNext(size_t index) {
  Slot& slot = slots_[index];
  if (slot.done) return;
  if (slot.stopped || slot.remaining == 0) {
    MarkDone(slot);
    return;
  }
  if (slot.kind == Kind::kRampingVus && slot.rank > slot.target) {
    slot.parked = true;  // ramped down: the iteration that ran was allowed to finish
    return;
  }
  if (slot.remaining > 0) --slot.remaining;
  slot.vu->StartIteration([this, index](Vu&, bool) { StartNext(index); });
}

void Worker::StartArrival(int scenario) {
  for (Slot& slot : slots_) {
    if (slot.scenario != scenario || slot.stopped || slot.vu->running()) continue;
    Slot* s = &slot;
    slot.vu->StartIteration([this, s](Vu&, bool) {
      if (s->stopped) MarkDone(*s);
    });
    return;
  }
  for (const Slot& slot : slots_) {
    if (slot.scenario == scenario && !slot.stopped) {
      shard_.Add(metrics::MetricId::kDroppedIterations, 1);
      return;
    }
  }
}

void Worker::MarkDone(Slot& slot) {
  if (slot.done) return;
  slot.done = true;
  if (busy_.fetch_sub(1) == 1 && on_idle_) on_idle_();
}

}  // namespace wsyaml::engine
