#include "engine/manual_runtime.h"

#include <utility>

namespace wsyaml::engine {
namespace {

class ManualWorkerLoop : public WorkerLoop {
 public:
  ManualWorkerLoop(ManualScheduler& scheduler, Transport& transport)
      : scheduler_(scheduler), transport_(transport) {}

  Scheduler& scheduler() override { return scheduler_; }
  Transport& transport() override { return transport_; }
  void Post(std::function<void()> fn) override {
    scheduler_.Schedule(scheduler_.Now(), std::move(fn));
  }
  void Start() override {}
  void Quit() override {}
  // Work posted before the loop ended (the shutdown itself) runs now.
  void Join() override { scheduler_.Advance(std::chrono::microseconds(0)); }

 private:
  ManualScheduler& scheduler_;
  Transport& transport_;
};

}  // namespace

void ManualRuntime::Post(std::function<void()> fn) {
  scheduler_.Schedule(scheduler_.Now(), std::move(fn));
}

void ManualRuntime::Loop() {
  quit_ = false;
  while (!quit_ && scheduler_.RunNext()) {
  }
}

std::unique_ptr<WorkerLoop> ManualRuntime::MakeWorkerLoop(int) {
  return std::make_unique<ManualWorkerLoop>(scheduler_, transport_);
}

}  // namespace wsyaml::engine
