// Step execution and iteration bookkeeping of a VU. Connection events and timers are in
// vu_conn.cpp.
#include "engine/vu.h"

#include <algorithm>
#include <utility>

#include "engine/vu_internal.h"

namespace wsyaml::engine {

using metrics::MetricId;

Vu::Vu(WorkerContext& ctx, const graph::Scenario& scenario, int id)
    : ctx_(ctx), scenario_(scenario), id_(id), secrets_(ctx.secrets) {}

Vu::~Vu() { Abandon(); }

void Vu::StartIteration(DoneCallback done) {
  done_ = std::move(done);
  running_ = true;
  interrupted_ = false;
  finish_posted_ = false;
  iteration_start_ = ctx_.scheduler->Now();
  ctx_.live->vus.fetch_add(1, std::memory_order_relaxed);
  ctx_.shard->Move(MetricId::kVus, 1);
  InitIterationVars();
  if (scenario_.load.iteration_timeout) {
    iteration_timeout_ =
        ctx_.scheduler->Schedule(iteration_start_ + *scenario_.load.iteration_timeout, [this] {
          iteration_timeout_ = 0;
          Interrupt();
        });
  }
  main_ = std::make_unique<Fiber>();
  main_->stack.push_back({&scenario_.steps});
  RunFiber(*main_);
  MaybeFinish();
}

void Vu::InitIterationVars() {
  vars_.assign(ctx_.plan->var_names.size(), std::string());
  const auto& feeders = ctx_.plan->feeders;
  rows_.assign(feeders.size(), nullptr);
  for (size_t i = 0; i < feeders.size(); ++i) {
    const graph::Feeder& feeder = feeders[i];
    if (feeder.rows.empty()) continue;
    size_t n = feeder.rows.size();
    size_t row = 0;
    switch (feeder.order) {
      case graph::Feeder::Order::kSequential:
        row = ctx_.feeder_cursors ? (*ctx_.feeder_cursors)[i].fetch_add(1) % n : iteration_ % n;
        break;
      case graph::Feeder::Order::kRandom:
        row = std::uniform_int_distribution<size_t>(0, n - 1)(ctx_.rng);
        break;
      case graph::Feeder::Order::kPerVu:
        row = static_cast<size_t>(id_ - 1) % n;
        break;
    }
    rows_[i] = &feeder.rows[row];
  }
  for (const graph::VarInit& var : scenario_.vars) {
    if (var.slot >= 0 && static_cast<size_t>(var.slot) < vars_.size())
      vars_[var.slot] = Render(var.value, Context(nullptr));
  }
}

EvalContext Vu::Context(const Conn* conn, const MessageView* msg) const {
  EvalContext e;
  e.vu = id_;
  e.conn = conn ? conn->index : 0;
  e.iter = iteration_;
  e.vars = &vars_;
  e.msg = msg;
  e.feeders = &ctx_.plan->feeders;
  e.rows = &rows_;
  if (conn) e.protocol = conn->protocol;
  e.rng = &ctx_.rng;
  return e;
}

void Vu::RunFiber(Fiber& fiber) {
  while (fiber.wait == Fiber::Wait::kNone && !fiber.stack.empty()) {
    if (interrupted_) {
      fiber.stack.clear();
      return;
    }
    Fiber::Frame& frame = fiber.stack.back();
    if (frame.pc >= frame.steps->size()) {
      if (frame.repeat) {
        if (frame.repeat->for_) {
          if (ctx_.scheduler->Now() < frame.until) {
            // Yield to the event loop between passes so a body that never waits cannot
            // starve the worker thread.
            frame.pc = 0;
            fiber.wait = Fiber::Wait::kSleep;
            Fiber* f = &fiber;
            fiber.wait_timer = ctx_.scheduler->Schedule(ctx_.scheduler->Now(), [this, f] {
              f->wait_timer = 0;
              f->wait = Fiber::Wait::kNone;
              Resume(*f);
            });
            return;
          }
        } else if (frame.remaining > 0) {
          --frame.remaining;
          frame.pc = 0;
          continue;
        }
      }
      fiber.stack.pop_back();
      continue;
    }
    const graph::Step& step = (*frame.steps)[frame.pc++];
    Execute(fiber, step);
  }
}

bool Vu::Execute(Fiber& fiber, const graph::Step& step) {
  const auto& action = step.action;
  Conn* conn = fiber.conn;
  bool waits = false;
  if (auto* connect = std::get_if<graph::Connect>(&action)) {
    ExecuteConnect(fiber, *connect, &waits);
  } else if (auto* send = std::get_if<graph::Send>(&action)) {
    ExecuteSend(fiber, *send);
  } else if (auto* on_message = std::get_if<graph::OnMessage>(&action)) {
    if (conn) conn->handlers.push_back({on_message, nullptr, true});
  } else if (auto* on_event = std::get_if<graph::OnEvent>(&action)) {
    bool registered = false;  // on-error of a connection program is registered at connect
    if (conn)
      for (const auto& handler : conn->handlers) registered |= handler.on_event == on_event;
    if (conn && !registered) conn->handlers.push_back({nullptr, on_event, true});
  } else if (auto* every = std::get_if<graph::Every>(&action)) {
    StartEvery(conn, *every);
  } else if (auto* after = std::get_if<graph::After>(&action)) {
    StartAfter(conn, *after);
  } else if (auto* cancel = std::get_if<graph::Cancel>(&action)) {
    for (const std::string& name : cancel->names) CancelNamed(conn, name);
  } else if (auto* close = std::get_if<graph::Close>(&action)) {
    if (conn && conn->state == Conn::State::kOpen) {
      conn->state = Conn::State::kClosing;
      std::string reason = Render(close->reason, Context(conn, fiber.msg));
      Debug(conn, "close " + std::to_string(close->code) + " " + reason);
      conn->socket->Close(close->code, reason);
    } else if (conn && conn->state == Conn::State::kConnecting) {
      conn->socket.reset();
      conn->state = Conn::State::kClosed;
      ConnEnded(*conn, false);
    }
  } else if (auto* ping = std::get_if<graph::Ping>(&action)) {
    if (conn && conn->state == Conn::State::kOpen) {
      uint32_t tags = ctx_.TagsFor(ping, scenario_, conn->spec->tags, ping->name);
      conn->pings.emplace_back(ctx_.scheduler->Now(), tags);
      conn->socket->Ping("wsyaml");
    }
  } else if (auto* expect = std::get_if<graph::Expect>(&action)) {
    if (!conn || conn->state != Conn::State::kOpen) {
      Check(expect->name, false, "expect on a connection that is not open");
    } else if (fiber.can_wait) {
      fiber.wait = Fiber::Wait::kExpect;
      fiber.expect = expect;
      fiber.expect_since = ctx_.scheduler->Now();
      conn->waiters.push_back(&fiber);
      Fiber* f = &fiber;
      fiber.wait_timer = ctx_.scheduler->Schedule(fiber.expect_since + expect->within, [this, f] {
        f->wait_timer = 0;
        Check(f->expect->name, false,
              "timeout: no matching message within " +
                  std::to_string(f->expect->within.count() / 1000) + "ms");
        f->wait = Fiber::Wait::kNone;
        Resume(*f);
      });
      waits = true;
    }
  } else if (auto* sleep = std::get_if<graph::Sleep>(&action)) {
    if (fiber.can_wait) {
      fiber.wait = Fiber::Wait::kSleep;
      Fiber* f = &fiber;
      fiber.wait_timer = ctx_.scheduler->Schedule(
          ctx_.scheduler->Now() + Draw(sleep->duration, ctx_.rng), [this, f] {
            f->wait_timer = 0;
            f->wait = Fiber::Wait::kNone;
            Resume(*f);
          });
      waits = true;
    }
  } else if (auto* wait = std::get_if<graph::Wait>(&action)) {
    std::vector<Conn*> open;
    for (auto& c : conns_) {
      bool relevant = wait->all || c.get() == conn;
      if (relevant && c->state != Conn::State::kClosed && c->state != Conn::State::kIdle)
        open.push_back(c.get());
    }
    if (!open.empty() && fiber.can_wait) {
      fiber.wait = Fiber::Wait::kWaitClose;
      fiber.wait_all = wait->all;
      for (Conn* c : open) c->waiters.push_back(&fiber);
      if (wait->max) {
        Fiber* f = &fiber;
        fiber.wait_timer = ctx_.scheduler->Schedule(ctx_.scheduler->Now() + *wait->max, [this, f] {
          f->wait_timer = 0;
          f->wait = Fiber::Wait::kNone;
          Resume(*f);
        });
      }
      waits = true;
    }
  } else if (auto* log = std::get_if<graph::Log>(&action)) {
    static constexpr Logger::Level kLevels[] = {Logger::Level::kInfo, Logger::Level::kWarn,
                                                Logger::Level::kError};
    std::string line = Render(log->text, Context(conn, fiber.msg));
    Logger::Line(kLevels[static_cast<int>(log->level)], id_, conn ? conn->index : -1,
                 secrets_.empty() ? line : MaskSecrets(std::move(line), secrets_));
  } else if (auto* set = std::get_if<graph::Set>(&action)) {
    for (const auto& [slot, value] : set->assignments) {
      if (slot >= 0 && static_cast<size_t>(slot) < vars_.size())
        vars_[slot] = Render(value, Context(conn, fiber.msg));
    }
  } else if (auto* repeat = std::get_if<graph::Repeat>(&action)) {
    Fiber::Frame frame{&repeat->body, 0, repeat, std::max(0, repeat->times - 1), {}};
    if (repeat->for_) frame.until = ctx_.scheduler->Now() + *repeat->for_;
    fiber.stack.push_back(frame);
  } else if (auto* fail = std::get_if<graph::Fail>(&action)) {
    Check(fail->name.empty() ? "fail" : fail->name, false,
          Render(fail->message, Context(conn, fiber.msg)));
  }
  return !waits;
}

void Vu::ExecuteConnect(Fiber& fiber, const graph::Connect& spec, bool* waits) {
  std::vector<Conn*> created;
  for (int i = 0; i < spec.count; ++i) {
    conns_.push_back(std::make_unique<Conn>(this, &spec, i));
    Conn* conn = conns_.back().get();
    conn->tags = ctx_.TagsFor(&spec, scenario_, spec.tags);
    created.push_back(conn);
  }
  bool linear = !spec.has_steps && fiber.can_wait;
  if (!spec.has_steps && !created.empty()) fiber.conn = created.front();
  if (linear) {
    fiber.wait = Fiber::Wait::kConnect;
    fiber.pending_connects = static_cast<int>(created.size());
    for (Conn* conn : created) conn->waiters.push_back(&fiber);
    *waits = true;
  }
  for (Conn* conn : created) OpenConn(*conn);
}

void Vu::ExecuteSend(Fiber& fiber, const graph::Send& send) {
  Conn* conn = fiber.conn;
  if (!send.to.empty()) {
    conn = nullptr;
    for (auto& c : conns_)
      if (c->spec->name == send.to && c->state == Conn::State::kOpen) conn = c.get();
  }
  uint32_t tags = conn ? conn->tags : 0;
  if (!conn || conn->state != Conn::State::kOpen) {
    RecordError(ErrorKind::kSend, "send on a connection that is not open", tags);
    return;
  }
  bool binary = send.payload.kind == graph::Payload::Kind::kBinary;
  std::string payload =
      binary ? send.payload.bytes : Render(send.payload.body, Context(conn, fiber.msg));
  if (SendResult failure = conn->socket->Send(payload, binary)) {
    RecordError(failure->kind, failure->message, tags);
    return;
  }
  TimePoint now = ctx_.scheduler->Now();
  conn->last_send = now;
  ctx_.shard->Add(MetricId::kWsMsgsSent, 1, tags);
  ctx_.shard->Add(MetricId::kDataSent, static_cast<double>(payload.size()), tags);
  ctx_.live->msgs_sent.fetch_add(1, std::memory_order_relaxed);
  if (ctx_.debug) Debug(conn, (binary ? "> [binary] " : "> ") + payload);
  if (send.reply) {
    const graph::Reply& reply = *send.reply;
    conn->replies.push_back({});
    auto it = std::prev(conn->replies.end());
    it->reply = &reply;
    it->sent = std::move(payload);
    it->sent_binary = binary;
    // Inside `every`, latency counts from the intended send time (coordinated omission).
    it->sent_at = fiber.intended != TimePoint{} ? std::min(fiber.intended, now) : now;
    it->tags = ctx_.TagsFor(&reply, scenario_, conn->spec->tags, reply.name);
    Conn* c = conn;
    it->timeout = ctx_.scheduler->Schedule(now + reply.within, [this, c, it] {
      Check(it->reply->name.empty() ? "reply" : it->reply->name, false,
            "timeout: no reply within " + std::to_string(it->reply->within.count() / 1000) + "ms");
      c->replies.erase(it);
      MaybeFinish();
    });
  }
}

void Vu::RunBody(const graph::StepList& body, Conn* conn, const MessageView* msg,
                 TimePoint intended) {
  Fiber fiber;
  fiber.conn = conn;
  fiber.can_wait = false;
  fiber.msg = msg;
  fiber.intended = intended;
  fiber.stack.push_back({&body});
  RunFiber(fiber);
}

void Vu::Resume(Fiber& fiber) {
  for (auto& c : conns_) {
    auto& w = c->waiters;
    w.erase(std::remove(w.begin(), w.end(), &fiber), w.end());
  }
  if (fiber.wait_timer) {
    ctx_.scheduler->Cancel(fiber.wait_timer);
    fiber.wait_timer = 0;
  }
  RunFiber(fiber);
  MaybeFinish();
}

void Vu::Interrupt() {
  if (!running_ || interrupted_) return;
  interrupted_ = true;
  CancelAllTimers(vu_timers_);
  if (iteration_timeout_) ctx_.scheduler->Cancel(iteration_timeout_);
  iteration_timeout_ = 0;
  std::vector<Fiber*> fibers{main_.get()};
  for (auto& c : conns_) {
    if (c->program) fibers.push_back(c->program.get());
    CancelAllTimers(c->timers);
    for (auto& reply : c->replies) ctx_.scheduler->Cancel(reply.timeout);
    c->replies.clear();
    c->waiters.clear();
    if (c->connect_timeout) ctx_.scheduler->Cancel(c->connect_timeout);
    c->connect_timeout = 0;
    if (c->state == Conn::State::kOpen) {
      c->state = Conn::State::kClosing;
      c->socket->Close(1001, "going away");
    } else if (c->state == Conn::State::kConnecting) {
      ctx_.handshakes.Leave(c->handshake, *ctx_.scheduler);
      c->socket.reset();
      c->state = Conn::State::kClosed;
    }
  }
  for (Fiber* f : fibers) {
    if (!f) continue;
    if (f->wait_timer) ctx_.scheduler->Cancel(f->wait_timer);
    f->wait_timer = 0;
    f->wait = Fiber::Wait::kNone;
    f->stack.clear();
  }
  MaybeFinish();
}

void Vu::Abandon() {
  CancelAllTimers(vu_timers_);
  if (iteration_timeout_) ctx_.scheduler->Cancel(iteration_timeout_);
  iteration_timeout_ = 0;
  for (auto& c : conns_) {
    CancelAllTimers(c->timers);
    for (auto& reply : c->replies) ctx_.scheduler->Cancel(reply.timeout);
    c->replies.clear();
    if (c->connect_timeout) ctx_.scheduler->Cancel(c->connect_timeout);
    if (c->program && c->program->wait_timer) ctx_.scheduler->Cancel(c->program->wait_timer);
    if (c->state == Conn::State::kOpen || c->state == Conn::State::kClosing) {
      // Dropped at shutdown because the close could not get through: still a session.
      ctx_.shard->Record(MetricId::kWsSessionDuration, ctx_.scheduler->Now() - c->opened_at,
                         c->tags);
      ctx_.shard->Add(MetricId::kWsCloseCodes, 1, ctx_.WithTag(c->tags, "code", "1006"));
      ctx_.shard->Move(MetricId::kWsOpen, -1, c->tags);
      ctx_.live->open_sockets.fetch_sub(1, std::memory_order_relaxed);
    }
    ctx_.handshakes.Leave(c->handshake, *ctx_.scheduler);
    c->socket.reset();
    c->state = Conn::State::kClosed;
  }
  if (main_ && main_->wait_timer) ctx_.scheduler->Cancel(main_->wait_timer);
  if (running_) {
    ctx_.live->vus.fetch_sub(1, std::memory_order_relaxed);
    ctx_.shard->Move(MetricId::kVus, -1);
    ctx_.shard->Add(MetricId::kInterruptedIterations, 1, ctx_.TagsFor(&scenario_, scenario_, {}));
  }
  running_ = false;
  conns_.clear();
  main_.reset();
}

int Vu::LiveSockets() const {
  int n = 0;
  for (const auto& c : conns_)
    if (c->state != Conn::State::kClosed && c->state != Conn::State::kIdle) ++n;
  return n;
}

void Vu::MaybeFinish() {
  if (!running_ || finish_posted_) return;
  if (main_ && !main_->done()) return;
  if (!vu_timers_.empty()) return;
  for (const auto& c : conns_) {
    if (c->state != Conn::State::kClosed && c->state != Conn::State::kIdle) return;
    if (!c->timers.empty() || !c->replies.empty()) return;
  }
  // Finish from a fresh stack: the caller may still be inside one of our connections.
  finish_posted_ = true;
  ctx_.scheduler->Schedule(ctx_.scheduler->Now(), [this] { Finish(); });
}

void Vu::Finish() {
  finish_posted_ = false;
  if (!running_) return;
  if (iteration_timeout_) ctx_.scheduler->Cancel(iteration_timeout_);
  iteration_timeout_ = 0;
  uint32_t tags = ctx_.TagsFor(&scenario_, scenario_, {});
  if (interrupted_) {
    ctx_.shard->Add(MetricId::kInterruptedIterations, 1, tags);
  } else {
    ctx_.shard->Add(MetricId::kIterations, 1, tags);
    ctx_.shard->Record(MetricId::kIterationDuration, ctx_.scheduler->Now() - iteration_start_,
                       tags);
    ctx_.live->iterations.fetch_add(1, std::memory_order_relaxed);
  }
  conns_.clear();
  main_.reset();
  running_ = false;
  ++iteration_;
  ctx_.live->vus.fetch_sub(1, std::memory_order_relaxed);
  ctx_.shard->Move(MetricId::kVus, -1);
  DoneCallback done = std::move(done_);
  done_ = nullptr;
  if (done) done(*this, !interrupted_);
}

void Vu::RecordError(ErrorKind kind, const std::string& message, uint32_t tags, int http_status) {
  ctx_.shard->Error(ErrorLabel(kind, http_status), message,
                    ctx_.ErrorTags(tags, kind, http_status));
  ctx_.live->errors.fetch_add(1, std::memory_order_relaxed);
}

void Vu::Check(const std::string& name, bool passed, const std::string& failure) {
  ctx_.shard->Check(name, passed, failure);
}

void Vu::Debug(const Conn* conn, const std::string& text) const {
  if (!ctx_.debug) return;
  Logger::Line(Logger::Level::kDebug, id_, conn ? conn->index : -1,
               secrets_.empty() ? text : MaskSecrets(text, secrets_));
}

void Vu::AddSecret(const std::string& value) {
  if (value.size() < 3) return;  // masking "a" everywhere would hide more than it protects
  if (std::find(secrets_.begin(), secrets_.end(), value) == secrets_.end())
    secrets_.push_back(value);
}

}  // namespace wsyaml::engine
