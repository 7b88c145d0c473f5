// Iteration bookkeeping of a VU: starting, interrupting, abandoning and finishing iterations.
// Steps are in vu_steps.cpp, timers in vu_timers.cpp, connection events in vu_conn.cpp.
#include "engine/vu.h"

#include "engine/expr_eval.h"

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
  CancelTimer(finish_timer_);
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
  Bind(nullptr);
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
  InitVuVars();  // resets every other slot
  InitVars(scenario_.vars, Context(nullptr), "var ", &vars_);
}

void Vu::InitVars(const std::vector<graph::VarInit>& inits, EvalContext eval, const char* what,
                  std::vector<nlohmann::json>* into) {
  for (const graph::VarInit& var : inits) {
    if (var.slot < 0 || static_cast<size_t>(var.slot) >= into->size()) continue;
    EvalError error;
    eval.error = &error;
    nlohmann::json value;
    if (!RenderValue(var.value, eval, &value))
      RecordError(ErrorKind::kExpression,
                  what + ctx_.plan->var_names[var.slot] + ": " + error.Format(), 0);
    (*into)[var.slot] = std::move(value);
  }
}

EvalContext Vu::Context(const Conn* conn, const MessageView* msg) {
  Bind(conn);
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

void Vu::CancelIteration() {
  CancelAllTimers(vu_timers_);
  CancelTimer(iteration_timeout_);
  StopFiber(main_.get());
  for (auto& c : conns_) {
    CancelAllTimers(c->timers);
    for (auto& reply : c->replies) ctx_.scheduler->Cancel(reply.timeout);
    c->replies.clear();
    c->waiters.clear();
    CancelTimer(c->connect_timeout);
    StopFiber(c->program.get());
  }
}

void Vu::Interrupt(bool run_end) {
  if (!running_ || interrupted_) return;
  interrupted_ = true;
  CancelIteration();
  for (auto& c : conns_) {
    if (c->state == Conn::State::kOpen) {
      c->state = Conn::State::kClosing;
      if (run_end) {
        c->socket->CloseAtEnd(1001, "going away");
      } else {
        c->socket->Close(1001, "going away");
      }
    } else if (c->state == Conn::State::kConnecting) {
      ctx_.handshakes.Leave(c->handshake, *ctx_.scheduler);
      c->socket.reset();
      c->state = Conn::State::kClosed;
    }
  }
  MaybeFinish();
}

void Vu::Abandon() {
  CancelIteration();
  CancelTimer(finish_timer_);
  for (auto& c : conns_) {
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
  if (running_) {
    ctx_.live->vus.fetch_sub(1, std::memory_order_relaxed);
    ctx_.shard->Move(MetricId::kVus, -1);
    ctx_.shard->Add(MetricId::kInterruptedIterations, 1, ctx_.TagsFor(&scenario_, scenario_, {}));
  }
  running_ = false;
  Bind(nullptr);
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
  if (!running_ || finish_timer_) return;
  if (main_ && !main_->done()) return;
  if (!vu_timers_.empty()) return;
  for (const auto& c : conns_) {
    if (c->state != Conn::State::kClosed && c->state != Conn::State::kIdle) return;
    if (!c->timers.empty() || !c->replies.empty()) return;
  }
  // Finish from a fresh stack: the caller may still be inside one of our connections.
  finish_timer_ = ctx_.scheduler->Schedule(ctx_.scheduler->Now(), [this] { Finish(); });
}

void Vu::Finish() {
  finish_timer_ = 0;
  if (!running_) return;
  CancelTimer(iteration_timeout_);
  uint32_t tags = ctx_.TagsFor(&scenario_, scenario_, {});
  if (interrupted_) {
    ctx_.shard->Add(MetricId::kInterruptedIterations, 1, tags);
  } else {
    ctx_.shard->Add(MetricId::kIterations, 1, tags);
    ctx_.shard->Record(MetricId::kIterationDuration, ctx_.scheduler->Now() - iteration_start_,
                       tags);
    ctx_.live->iterations.fetch_add(1, std::memory_order_relaxed);
  }
  Bind(nullptr);
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

// Messages are masked here, where they are recorded, so that no output (summary, result file,
// JUnit, HTML) can show a --secret value or a credential header's value; only when there are
// secrets, and for checks only when they fail.
void Vu::RecordError(ErrorKind kind, const std::string& message, uint32_t tags, int http_status) {
  ctx_.shard->Error(ErrorLabel(kind, http_status),
                    secrets_.empty() ? message : MaskSecrets(message, secrets_),
                    ctx_.ErrorTags(tags, kind, http_status));
  ctx_.live->errors.fetch_add(1, std::memory_order_relaxed);
}

void Vu::Check(const std::string& name, bool passed, const std::string& failure) {
  if (passed || secrets_.empty() || failure.empty()) {
    ctx_.shard->Check(name, passed, failure);
    return;
  }
  ctx_.shard->Check(name, passed, MaskSecrets(failure, secrets_));
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
