// Timers of a VU: the every/after/cancel steps, the waits of fibers (sleep, expect, wait max)
// and how they are cancelled.
#include <algorithm>
#include <string>

#include "engine/vu.h"
#include "engine/vu_internal.h"

namespace wsyaml::engine {

using metrics::MetricId;

void Vu::Execute(Fiber& fiber, const graph::Every& every) { StartEvery(fiber.conn, every); }

void Vu::Execute(Fiber& fiber, const graph::After& after) { StartAfter(fiber.conn, after); }

void Vu::Execute(Fiber& fiber, const graph::Cancel& cancel) {
  for (const std::string& name : cancel.names) CancelNamed(fiber.conn, name);
}

std::list<Vu::ActiveTimer>& Vu::TimersOf(Conn* conn) { return conn ? conn->timers : vu_timers_; }

void Vu::StartAfter(Conn* conn, const graph::After& after) {
  if (conn && conn->state == Conn::State::kClosed) return;
  std::list<ActiveTimer>& timers = TimersOf(conn);
  timers.push_back({after.name});
  auto it = std::prev(timers.end());
  it->deadline = ctx_.scheduler->Now() + Draw(after.delay, ctx_.rng);
  it->id = ctx_.scheduler->Schedule(it->deadline, [this, conn, &after, &timers, it] {
    TimePoint intended = it->deadline;
    timers.erase(it);
    RecordLateness(&after, conn, after.name, intended);
    RunBody(after.body, conn, nullptr, intended);
    MaybeFinish();
  });
}

void Vu::StartEvery(Conn* conn, const graph::Every& every) {
  if (conn && conn->state == Conn::State::kClosed) return;
  std::list<ActiveTimer>& timers = TimersOf(conn);
  timers.push_back({every.name});
  auto it = std::prev(timers.end());
  graph::Micros interval = std::max(Draw(every.interval, ctx_.rng), graph::Micros(1));
  it->deadline = ctx_.scheduler->Now() + interval;
  // A self-rescheduling callback: fixed rate from the first deadline, not from when it ran.
  struct Tick {
    Vu* vu;
    Conn* conn;
    const graph::Every* every;
    std::list<ActiveTimer>* timers;
    std::list<ActiveTimer>::iterator it;
    graph::Micros interval;
    void operator()() const {
      TimePoint intended = it->deadline;
      vu->RecordLateness(every, conn, every->name, intended);
      ++it->fired;
      if (every->times > 0 && it->fired >= every->times) {
        timers->erase(it);
      } else {
        it->deadline += interval;
        it->id = vu->ctx_.scheduler->Schedule(it->deadline, *this);
      }
      vu->RunBody(every->body, conn, nullptr, intended);
      vu->MaybeFinish();
    }
  };
  it->id = ctx_.scheduler->Schedule(it->deadline, Tick{this, conn, &every, &timers, it, interval});
}

void Vu::RecordLateness(const void* step, Conn* conn, const std::string& name, TimePoint deadline) {
  static const graph::Tags kNoTags;
  uint32_t tags = ctx_.TagsFor(step, scenario_, conn ? conn->spec->tags : kNoTags, name);
  ctx_.shard->Record(MetricId::kTimerLateness, ctx_.scheduler->Now() - deadline, tags);
}

void Vu::CancelNamed(Conn* conn, const std::string& name) {
  auto cancel_in = [&](std::list<ActiveTimer>& timers) {
    for (auto it = timers.begin(); it != timers.end();) {
      if (it->name == name) {
        ctx_.scheduler->Cancel(it->id);
        it = timers.erase(it);
      } else {
        ++it;
      }
    }
  };
  auto deactivate_in = [&](Conn& c) {
    for (auto& handler : c.handlers) {
      const std::string& handler_name =
          handler.on_message ? handler.on_message->name : handler.on_event->name;
      if (handler_name == name) handler.active = false;
    }
  };
  cancel_in(vu_timers_);
  for (auto& c : conns_) {
    if (conn && c.get() != conn) continue;
    cancel_in(c->timers);
    deactivate_in(*c);
  }
  MaybeFinish();
}

void Vu::CancelAllTimers(std::list<ActiveTimer>& timers) {
  for (auto& timer : timers) ctx_.scheduler->Cancel(timer.id);
  timers.clear();
}

void Vu::CancelTimer(TimerId& id) {
  if (id) ctx_.scheduler->Cancel(id);
  id = 0;
}

void Vu::WaitTimer(Fiber& fiber, graph::Micros delay) {
  Fiber* f = &fiber;
  fiber.wait_timer = ctx_.scheduler->Schedule(ctx_.scheduler->Now() + delay, [this, f] {
    f->wait_timer = 0;
    if (f->wait == Fiber::Wait::kExpect) {
      Check(f->expect->name, false,
            "timeout: no matching message within " +
                std::to_string(f->expect->within.count() / 1000) + "ms");
    }
    f->wait = Fiber::Wait::kNone;
    Resume(*f);
  });
}

void Vu::StopFiber(Fiber* fiber) {
  if (!fiber) return;
  CancelTimer(fiber->wait_timer);
  fiber->wait = Fiber::Wait::kNone;
  fiber->stack.clear();
}

}  // namespace wsyaml::engine
