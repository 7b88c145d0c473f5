#include "run/worker_ticks.h"

#include <algorithm>
#include <climits>
#include <utility>

#include "run/tick_codec.h"

namespace wsyaml::run {

std::string EncodeResultMessage(const metrics::Result& result) {
  return static_cast<char>(WorkerMessageKind::kResult) + metrics::ToJson(result).dump();
}

std::string EncodeTickMessage(double elapsed_s, int64_t start_unix_ms,
                              const metrics::Shard& cumulative, const metrics::TagRegistry& tags) {
  return EncodeTick(elapsed_s, start_unix_ms, cumulative, tags,
                    static_cast<char>(WorkerMessageKind::kTick));
}

TickSender::TickSender(ChildChannel& channel) : channel_(channel) {
  thread_ = std::thread([this] { Loop(); });
}

TickSender::~TickSender() { Stop(); }

void TickSender::Offer(double elapsed_s, int64_t start_unix_ms, const metrics::Shard& cumulative,
                       const metrics::TagRegistry& tags) {
  std::string tick = EncodeTickMessage(elapsed_s, start_unix_ms, cumulative, tags);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.swap(tick);
  }
  wake_.notify_one();
}

void TickSender::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void TickSender::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return !pending_.empty() || stopping_; });
    if (pending_.empty()) return;  // stopping, nothing left to send
    std::string tick;
    tick.swap(pending_);
    lock.unlock();
    // A parent that is gone kills this process (PR_SET_PDEATHSIG): a failed send needs no
    // handling here, and the result's send reports it.
    channel_.Send(tick);
    lock.lock();
  }
}

WorkerTicks::WorkerTicks(int workers) : workers_(static_cast<size_t>(workers)) {}

bool WorkerTicks::Accept(int index, const std::string& message, std::string* error) {
  Worker& worker = workers_[static_cast<size_t>(index)];
  if (worker.final) return true;  // a result is the last word
  if (!message.empty() && message[0] == static_cast<char>(WorkerMessageKind::kResult))
    return AcceptResult(worker, message, error);
  if (message.empty() || message[0] != static_cast<char>(WorkerMessageKind::kTick)) {
    *error = "a message of an unknown kind";
    return false;
  }
  Tick tick;
  if (!DecodeTick(message, 1, &tags_, &tick)) {
    *error = "a malformed tick";
    return false;
  }
  worker.shard = std::move(tick.shard);
  worker.start_unix_ms = tick.start_unix_ms;
  worker.elapsed_s = tick.elapsed_s;
  worker.has_state = worker.fresh = true;
  return true;
}

bool WorkerTicks::AcceptResult(Worker& worker, const std::string& message, std::string* error) {
  nlohmann::json json = nlohmann::json::parse(message.begin() + 1, message.end(), nullptr, false);
  metrics::Result result;
  if (json.is_discarded()) {
    *error = "a result that is not JSON";
    return false;
  }
  if (!metrics::FromJson(json, &result, error)) return false;
  // Re-intern the worker's tag sets: tag ids are local to a registry.
  metrics::Shard shard;
  for (const auto& [key, series] : result.shard.series())
    shard.MergeSeries(key.first, tags_.Intern(result.tags.Tags(key.second)), series);
  for (const auto& [name, counts] : result.shard.checks()) shard.MergeCheck(name, counts);
  for (const auto& [kind, counts] : result.shard.errors()) shard.MergeError(kind, counts);
  worker.shard = std::move(shard);
  worker.start_unix_ms = result.start_unix_ms;
  worker.elapsed_s = result.duration_s;
  worker.result = std::move(result);
  worker.has_state = worker.fresh = worker.final = worker.ended = true;
  return true;
}

void WorkerTicks::Ended(int index) { workers_[static_cast<size_t>(index)].ended = true; }

bool WorkerTicks::Pending() const {
  return std::any_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.fresh; });
}

bool WorkerTicks::Ready() const {
  return Pending() && std::all_of(workers_.begin(), workers_.end(),
                                  [](const Worker& w) { return w.fresh || w.ended; });
}

void WorkerTicks::Merge(metrics::Shard* cumulative, double* elapsed_s, int64_t* start_unix_ms) {
  *cumulative = metrics::Shard();
  int64_t start = INT64_MAX;
  for (const Worker& w : workers_)
    if (w.has_state) start = std::min(start, w.start_unix_ms);
  *start_unix_ms = start == INT64_MAX ? 0 : start;
  *elapsed_s = 0;
  for (Worker& w : workers_) {
    w.fresh = false;
    if (!w.has_state) continue;
    cumulative->Merge(w.shard);
    const double since_start = static_cast<double>(w.start_unix_ms - start) / 1000;
    *elapsed_s = std::max(*elapsed_s, since_start + w.elapsed_s);
  }
}

int WorkerTicks::results() const {
  return static_cast<int>(
      std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return w.final; }));
}

int WorkerTicks::running() const {
  return static_cast<int>(
      std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.ended; }));
}

metrics::Result WorkerTicks::Result() const {
  metrics::Result merged;
  merged.tags = tags_;
  merged.merged_runs = 0;  // each worker's result adds its own
  bool first = true;
  for (const Worker& w : workers_) {
    if (!w.has_state) continue;
    if (first) merged.start_unix_ms = w.start_unix_ms;
    first = false;
    if (w.final) {
      metrics::MergeResult(w.result, &merged);
      continue;
    }
    metrics::Result last_tick;  // already in tags_' ids
    last_tick.tags = tags_;
    last_tick.shard = w.shard;
    last_tick.start_unix_ms = w.start_unix_ms;
    last_tick.duration_s = w.elapsed_s;
    metrics::MergeResult(last_tick, &merged);
  }
  return merged;
}

}  // namespace wsyaml::run
