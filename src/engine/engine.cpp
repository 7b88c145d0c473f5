#include "engine/engine.h"

#include <utility>

#include "engine/coordinator.h"
#include "engine/worker.h"

namespace wsyaml::engine {

Engine::Engine(const graph::TestPlan& plan, EngineOptions options, Runtime& runtime)
    : plan_(plan),
      options_(std::move(options)),
      runtime_(runtime),
      feeder_cursors_(plan.feeders.size()) {}

Engine::~Engine() = default;

void Engine::Stop(bool now) {
  int requests = stop_requests_.fetch_add(1) + 1;
  if (now) stop_now_ = true;
  runtime_.Post([this, requests, now] {
    if (coordinator_) coordinator_->OnStop(requests, now);
  });
}

RunOutcome Engine::Run() {
  WorkerShared shared;
  shared.plan = &plan_;
  shared.live = &live_;
  shared.tags = &tags_;
  shared.feeder_cursors = &feeder_cursors_;
  shared.base_urls = options_.base_urls;
  shared.debug = options_.debug;
  shared.secrets = options_.secrets;
  Coordinator coordinator(plan_, options_, runtime_, shared);
  coordinator_ = &coordinator;
  // A stop requested before the run began applies from its first moment.
  if (int requests = stop_requests_.load()) coordinator.OnStop(requests, stop_now_.load());
  RunOutcome outcome = coordinator.Run();
  coordinator_ = nullptr;
  return outcome;
}

}  // namespace wsyaml::engine
