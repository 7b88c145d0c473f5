// Step execution of a VU: fibers run step lists, one Execute per step kind. The timer steps
// (every, after, cancel) are in vu_timers.cpp.
#include <algorithm>
#include <utility>
#include <variant>

#include "engine/vu.h"

#include "engine/expr_eval.h"
#include "engine/vu_internal.h"

namespace wsyaml::engine {

using metrics::MetricId;

void Vu::RunFiber(Fiber& fiber) {
  while (fiber.wait == Fiber::Wait::kNone && !fiber.stack.empty()) {
    if (interrupted_) {
      fiber.stack.clear();
      return;
    }
    Fiber::Frame& frame = fiber.stack.back();
    if (frame.pc < frame.steps->size()) {
      ExecuteStep(fiber, (*frame.steps)[frame.pc++]);
    } else if (!RepeatAgain(fiber)) {
      fiber.stack.pop_back();
    }
  }
}

bool Vu::RepeatAgain(Fiber& fiber) {
  Fiber::Frame& frame = fiber.stack.back();
  if (!frame.repeat) return false;
  if (frame.repeat->for_) {
    if (ctx_.scheduler->Now() >= frame.until || !WhileHolds(fiber, *frame.repeat)) return false;
    // Yield to the event loop between passes so a body that never waits cannot starve the
    // worker thread.
    frame.pc = 0;
    fiber.wait = Fiber::Wait::kSleep;
    WaitTimer(fiber, graph::Micros(0));
    return true;
  }
  if (frame.remaining <= 0 || !WhileHolds(fiber, *frame.repeat)) return false;
  --frame.remaining;
  frame.pc = 0;
  return true;
}

void Vu::ExecuteStep(Fiber& fiber, const graph::Step& step) {
  std::visit([this, &fiber](const auto& action) { Execute(fiber, action); }, step.action);
}

void Vu::Execute(Fiber& fiber, const graph::Connect& spec) {
  std::vector<Conn*> created;
  for (int i = 0; i < spec.count; ++i) {
    conns_.push_back(std::make_unique<Conn>(this, &spec, i));
    Conn* conn = conns_.back().get();
    conn->tags = ctx_.TagsFor(&spec, scenario_, spec.tags);
    InitConnVars(*conn);
    created.push_back(conn);
  }
  if (!spec.has_steps && !created.empty()) fiber.conn = created.front();
  if (!spec.has_steps && fiber.can_wait) {  // a linear connect: the steps go on once open
    fiber.wait = Fiber::Wait::kConnect;
    fiber.pending_connects = static_cast<int>(created.size());
    for (Conn* conn : created) conn->waiters.push_back(&fiber);
  }
  for (Conn* conn : created) OpenConn(*conn);
}

void Vu::Execute(Fiber& fiber, const graph::Send& send) {
  Conn* conn = SendTarget(fiber, send.to);
  if (!conn) return;
  if (conn->session) {
    SendByProtocol(fiber, *conn, send);
    return;
  }
  uint32_t tags = conn->tags;
  bool binary = send.payload.kind == graph::Payload::Kind::kBinary;
  EvalError error;
  EvalContext eval = Context(conn, fiber.msg);
  eval.error = &error;
  std::string payload = binary ? send.payload.bytes : Render(send.payload.body, eval);
  if (!error.message.empty()) {  // a wrong value is not sent
    RecordError(ErrorKind::kExpression, "send: " + error.Format(), tags);
    return;
  }
  if (SendResult failure = conn->socket->Send(payload, binary)) {
    RecordError(failure->kind, failure->message, tags);
    return;
  }
  conn->last_send = ctx_.scheduler->Now();
  conn->sent_counters.Count(*ctx_.shard, MetricId::kWsMsgsSent, MetricId::kWsPayloadSent, tags,
                            payload.size(), conn->deflate);
  ctx_.live->msgs_sent.fetch_add(1, std::memory_order_relaxed);
  if (ctx_.debug) Debug(conn, (binary ? "> [binary] " : "> ") + payload);
  if (send.reply) ExpectReply(fiber, *conn, *send.reply, std::move(payload), binary);
}

void Vu::ExpectReply(Fiber& fiber, Conn& conn, const graph::Reply& reply, std::string sent,
                     bool binary, std::string key) {
  TimePoint now = conn.last_send;
  conn.replies.push_back({});
  auto it = std::prev(conn.replies.end());
  it->reply = &reply;
  it->key = std::move(key);
  it->sent = std::move(sent);
  it->sent_binary = binary;
  // Inside `every`, latency counts from the intended send time (coordinated omission).
  // ws_reply_wire_time keeps the actual send, so server latency and client lateness part.
  it->sent_at = fiber.intended != TimePoint{} ? std::min(fiber.intended, now) : now;
  it->sent_wire = now;
  it->tags = ctx_.TagsFor(&reply, scenario_, conn.spec->tags, reply.name);
  Conn* c = &conn;
  it->timeout = ctx_.scheduler->Schedule(now + reply.within, [this, c, it] {
    Check(it->reply->name.empty() ? "reply" : it->reply->name, false,
          "timeout: no reply within " + std::to_string(it->reply->within.count() / 1000) + "ms");
    c->replies.erase(it);
    MaybeFinish();
  });
}

void Vu::Execute(Fiber& fiber, const graph::OnMessage& on_message) {
  if (fiber.conn) fiber.conn->handlers.push_back({&on_message, nullptr, true});
}

void Vu::Execute(Fiber& fiber, const graph::OnEvent& on_event) {
  Conn* conn = fiber.conn;
  if (!conn) return;
  // A program's on-error handlers were registered at connect (RegisterEarlyErrorHandlers).
  for (const auto& handler : conn->handlers)
    if (handler.on_event == &on_event) return;
  conn->handlers.push_back({nullptr, &on_event, true});
}

void Vu::Execute(Fiber& fiber, const graph::Close& close) {
  Conn* conn = fiber.conn;
  if (conn && conn->state == Conn::State::kOpen) {
    if (conn->session) conn->session->Stop(*conn);
    conn->state = Conn::State::kClosing;
    std::string reason = Render(close.reason, Context(conn, fiber.msg));
    Debug(conn, "close " + std::to_string(close.code) + " " + reason);
    conn->socket->Close(close.code, reason);
  } else if (conn && conn->state == Conn::State::kConnecting) {
    conn->socket.reset();
    conn->state = Conn::State::kClosed;
    ConnEnded(*conn, false);
  }
}

void Vu::Execute(Fiber& fiber, const graph::Ping& ping) {
  Conn* conn = fiber.conn;
  if (!conn || conn->state != Conn::State::kOpen) return;
  uint32_t tags = ctx_.TagsFor(&ping, scenario_, conn->spec->tags, ping.name);
  conn->pings.emplace_back(ctx_.scheduler->Now(), tags);
  conn->socket->Ping("wsyaml");
}

void Vu::Execute(Fiber& fiber, const graph::Expect& expect) {
  Conn* conn = fiber.conn;
  // A message that already arrived counts, even when the connection has closed since.
  if (conn && !conn->inbox.empty() && TakeFromInbox(*conn, expect)) return;
  if (!conn || conn->state != Conn::State::kOpen) {
    Check(expect.name, false, "expect on a connection that is not open");
    return;
  }
  if (!fiber.can_wait) return;
  fiber.wait = Fiber::Wait::kExpect;
  fiber.expect = &expect;
  fiber.expect_since = ctx_.scheduler->Now();
  conn->waiters.push_back(&fiber);
  WaitTimer(fiber, expect.within);
}

void Vu::Execute(Fiber& fiber, const graph::Sleep& sleep) {
  if (!fiber.can_wait) return;
  fiber.wait = Fiber::Wait::kSleep;
  WaitTimer(fiber, Draw(sleep.duration, ctx_.rng));
}

void Vu::Execute(Fiber& fiber, const graph::Wait& wait) {
  std::vector<Conn*> open;
  for (auto& c : conns_) {
    bool relevant = wait.all || c.get() == fiber.conn;
    if (relevant && c->state != Conn::State::kClosed && c->state != Conn::State::kIdle)
      open.push_back(c.get());
  }
  if (open.empty() || !fiber.can_wait) return;
  fiber.wait = Fiber::Wait::kWaitClose;
  fiber.wait_all = wait.all;
  for (Conn* c : open) c->waiters.push_back(&fiber);
  if (wait.max) WaitTimer(fiber, *wait.max);
}

void Vu::Execute(Fiber& fiber, const graph::Log& log) {
  static constexpr Logger::Level kLevels[] = {Logger::Level::kInfo, Logger::Level::kWarn,
                                              Logger::Level::kError};
  EvalError error;
  EvalContext eval = Context(fiber.conn, fiber.msg);
  eval.error = &error;
  std::string line = Render(log.text, eval);
  if (!error.message.empty()) {
    RecordError(ErrorKind::kExpression, "log: " + error.Format(),
                fiber.conn ? fiber.conn->tags : 0);
    return;
  }
  Logger::Line(kLevels[static_cast<int>(log.level)], id_, fiber.conn ? fiber.conn->index : -1,
               secrets_.empty() ? line : MaskSecrets(std::move(line), secrets_));
}

void Vu::Execute(Fiber& fiber, const graph::Set& set) {
  for (size_t i = 0; i < set.assignments.size(); ++i) {
    const auto& [slot, value] = set.assignments[i];
    if (slot < 0 || static_cast<size_t>(slot) >= vars_.size()) continue;
    EvalError error;
    EvalContext eval = Context(fiber.conn, fiber.msg);
    eval.error = &error;
    nlohmann::json result;
    const std::vector<graph::Expr> no_keys;
    const auto& keys = i < set.targets.size() ? set.targets[i].keys : no_keys;
    if (!RenderValue(value, eval, &result) ||
        !Assign(&vars_[slot], keys, std::move(result), eval, &error)) {
      RecordError(ErrorKind::kExpression,
                  "set " + ctx_.plan->var_names[slot] + ": " + error.Format(),
                  fiber.conn ? fiber.conn->tags : 0);
    }
  }
}

void Vu::Execute(Fiber& fiber, const graph::Repeat& repeat) {
  if (!WhileHolds(fiber, repeat)) return;
  Fiber::Frame frame{&repeat.body, 0, &repeat, std::max(0, repeat.times - 1), {}};
  if (repeat.for_) frame.until = ctx_.scheduler->Now() + *repeat.for_;
  fiber.stack.push_back(frame);
}

void Vu::Execute(Fiber& fiber, const graph::Fail& fail) {
  Check(fail.name.empty() ? "fail" : fail.name, false,
        Render(fail.message, Context(fiber.conn, fiber.msg)));
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
  CancelTimer(fiber.wait_timer);
  RunFiber(fiber);
  MaybeFinish();
}

}  // namespace wsyaml::engine
