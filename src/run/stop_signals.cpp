#include "run/stop_signals.h"

#include <pthread.h>

#include <cerrno>
#include <chrono>
#include <ctime>

#include "metrics/timeseries.h"

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

bool SleepUntilUnlessStopped(int64_t unix_ms) {
  const sigset_t set = StopSet();
  while (true) {
    int64_t now = metrics::NowUnixMs();
    if (now >= unix_ms) return true;
    int64_t left = unix_ms - now;
    timespec wait{static_cast<time_t>(left / 1000), static_cast<long>(left % 1000) * 1000000};
    if (sigtimedwait(&set, nullptr, &wait) >= 0) return false;
    // EAGAIN: the time is up (checked above); EINTR: another signal, wait again.
  }
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
