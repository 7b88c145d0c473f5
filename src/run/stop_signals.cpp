#include "run/stop_signals.h"

#include <pthread.h>

namespace wsyaml::run {
namespace {

sigset_t StopSet() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

sigset_t BlockStopSignals() {
  sigset_t set = StopSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

StopSignalWatcher::StopSignalWatcher(OnSignal on_signal) : on_signal_(std::move(on_signal)) {
  BlockStopSignals();
  thread_ = std::thread([this] { Loop(); });
}

StopSignalWatcher::~StopSignalWatcher() {
  done_ = true;
  // Wakes the sigwait of that thread alone; the flag says it is not a real stop request.
  pthread_kill(thread_.native_handle(), SIGTERM);
  thread_.join();
}

void StopSignalWatcher::Loop() {
  const sigset_t set = StopSet();
  while (true) {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) continue;
    if (done_) return;
    on_signal_(signal_number, ++count_);
  }
}

}  // namespace wsyaml::run
