#include "engine/scheduler.h"

#include <utility>

namespace wsyaml::engine {

TimerId TimerQueue::Add(TimePoint when, std::function<void()> fn, bool* earliest) {
  TimerId id = next_id_++;
  *earliest = heap_.empty() || when < heap_.top().when;
  heap_.push({when, id});
  callbacks_.emplace(id, std::move(fn));
  return id;
}

size_t TimerQueue::RunDue(TimePoint now) {
  size_t ran = 0;
  while (!heap_.empty() && heap_.top().when <= now) {
    Entry top = heap_.top();
    heap_.pop();
    auto it = callbacks_.find(top.id);
    if (it == callbacks_.end()) continue;  // cancelled
    std::function<void()> fn = std::move(it->second);
    callbacks_.erase(it);
    fn();
    ++ran;
  }
  return ran;
}

bool TimerQueue::RunOne(TimePoint now) {
  if (NextDeadline() > now) return false;
  Entry top = heap_.top();
  heap_.pop();
  auto it = callbacks_.find(top.id);
  std::function<void()> fn = std::move(it->second);
  callbacks_.erase(it);
  fn();
  return true;
}

TimePoint TimerQueue::NextDeadline() {
  // Cancelled entries stay in the heap until they surface; drop them here.
  while (!heap_.empty() && callbacks_.count(heap_.top().id) == 0) heap_.pop();
  return heap_.empty() ? TimePoint::max() : heap_.top().when;
}

TimerId ManualScheduler::Schedule(TimePoint when, std::function<void()> fn) {
  bool earliest = false;
  return queue_.Add(when, std::move(fn), &earliest);
}

void ManualScheduler::Advance(std::chrono::microseconds d) {
  TimePoint end = now_ + d;
  for (TimePoint next = queue_.NextDeadline(); next <= end; next = queue_.NextDeadline()) {
    if (next > now_) now_ = next;
    queue_.RunDue(now_);
  }
  now_ = end;
}

bool ManualScheduler::RunNext() {
  TimePoint next = queue_.NextDeadline();
  if (next == TimePoint::max()) return false;
  if (next > now_) now_ = next;
  return queue_.RunOne(now_);
}

std::chrono::microseconds ManualScheduler::RunUntilIdle(std::chrono::microseconds limit) {
  TimePoint start = now_;
  TimePoint end = now_ + limit;
  for (TimePoint next = queue_.NextDeadline(); next <= end; next = queue_.NextDeadline()) {
    if (next > now_) now_ = next;
    queue_.RunDue(now_);
  }
  return std::chrono::duration_cast<std::chrono::microseconds>(now_ - start);
}

}  // namespace wsyaml::engine
