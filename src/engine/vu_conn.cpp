// Connection events and timers of a VU.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include "engine/vu.h"
#include "engine/vu_internal.h"

namespace wsyaml::engine {

using metrics::MetricId;

namespace {

std::string JoinUrl(const std::string& base, const std::string& url) {
  if (url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0) return url;
  if (url.empty()) return base;
  if (url.front() == '/') return base + url;
  return base + "/" + url;
}

int64_t MillisSinceEpoch() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A ms-since-epoch timestamp: a JSON number, or text that starts with one ("1732500000000 hi").
bool TimestampAt(const MessageView& msg, const graph::JsonPath& path, int64_t* ms) {
  const nlohmann::json* value = msg.At(path);
  if (!value) return false;
  if (value->is_number()) {
    *ms = value->get<int64_t>();
    return true;
  }
  if (!value->is_string()) return false;
  const std::string& text = value->get_ref<const std::string&>();
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 18) return false;
  *ms = std::stoll(text.substr(0, digits));
  return true;
}

bool IsCredentialHeader(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "authorization" || lower == "cookie" || lower == "proxy-authorization";
}

}  // namespace

void Vu::Conn::OnPong(std::string_view) {
  if (pings.empty()) return;
  auto [sent, ping_tags] = pings.front();
  pings.erase(pings.begin());
  vu->ctx_.shard->Record(MetricId::kWsPing, vu->ctx_.scheduler->Now() - sent, ping_tags);
}

void Vu::OpenConn(Conn& conn) {
  conn.state = Conn::State::kConnecting;
  conn.handlers.clear();
  conn.protocol.clear();
  // The program starts on open, but its on-error handlers must hear about a failed connect.
  for (const graph::Step& step : conn.spec->steps) {
    auto* on_event = std::get_if<graph::OnEvent>(&step.action);
    if (on_event && on_event->kind == graph::OnEvent::Kind::kError)
      conn.handlers.push_back({nullptr, on_event, true});
  }
  EvalContext eval = Context(&conn);
  if (!conn.spec->templated_tags.empty()) {
    graph::Tags rendered = conn.spec->tags;
    for (const auto& [key, value] : conn.spec->templated_tags) {
      for (auto& tag : rendered)
        if (tag.first == key) tag.second = Render(value, eval);
    }
    conn.tags = ctx_.RenderedTags(scenario_, rendered);
  }
  ConnectRequest request;
  const std::string& base = ctx_.base_urls.empty()
                                ? std::string()
                                : ctx_.base_urls[ctx_.next_base_url++ % ctx_.base_urls.size()];
  request.url = JoinUrl(base, Render(conn.spec->url, eval));
  for (const auto& [name, value] : conn.spec->headers) {
    request.headers.emplace_back(name, Render(value, eval));
    if (ctx_.debug && IsCredentialHeader(name)) {
      const std::string& v = request.headers.back().second;
      AddSecret(v);
      // "Bearer s3cret": the token alone is what a server may echo back.
      size_t space = v.find(' ');
      if (space != std::string::npos) AddSecret(v.substr(space + 1));
    }
  }
  request.subprotocols = conn.spec->subprotocols;
  request.timeout = conn.spec->timeout;
  request.tls = conn.spec->tls ? &*conn.spec->tls : nullptr;
  request.max_message_size = conn.spec->max_message_size;
  if (ctx_.debug) {
    request.secrets = &secrets_;
    request.debug_prefix =
        "[vu " + std::to_string(id_) + " conn " + std::to_string(conn.index) + "]";
    Debug(&conn, "connect " + request.url);
  }
  ctx_.shard->Add(MetricId::kWsSessions, 1, conn.tags);
  Conn* c = &conn;
  ctx_.handshakes.Enter(conn.handshake,
                        [this, c, request = std::move(request)] { StartHandshake(*c, request); });
}

void Vu::StartHandshake(Conn& conn, const ConnectRequest& request) {
  // Time spent waiting for a handshake slot is ours, not the server's: it is not in
  // ws_connecting and does not count against the handshake timeout.
  conn.connect_started = ctx_.scheduler->Now();
  Conn* c = &conn;
  conn.connect_timeout = ctx_.scheduler->Schedule(conn.connect_started + conn.spec->timeout, [this,
                                                                                              c] {
    c->connect_timeout = 0;
    if (c->state != Conn::State::kConnecting) return;
    c->socket.reset();
    HandleFail(
        *c, {ErrorKind::kTimeout,
             "no handshake within " + std::to_string(c->spec->timeout.count() / 1000) + "ms", 0});
  });
  conn.socket = ctx_.transport->Connect(request, &conn);
}

void Vu::HandleOpen(Conn& conn) {
  if (conn.state != Conn::State::kConnecting) return;
  ctx_.handshakes.Leave(conn.handshake, *ctx_.scheduler);
  if (conn.connect_timeout) ctx_.scheduler->Cancel(conn.connect_timeout);
  conn.connect_timeout = 0;
  TimePoint now = ctx_.scheduler->Now();
  conn.state = Conn::State::kOpen;
  conn.opened_at = now;
  ctx_.shard->Record(MetricId::kWsConnecting, now - conn.connect_started, conn.tags);
  ctx_.shard->Move(MetricId::kWsOpen, 1, conn.tags);
  ctx_.live->open_sockets.fetch_add(1, std::memory_order_relaxed);
  Debug(&conn, "open" + (conn.protocol.empty() ? "" : " protocol=" + conn.protocol));
  if (interrupted_) {
    conn.state = Conn::State::kClosing;
    conn.socket->Close(1001, "going away");
    return;
  }
  if (conn.spec->has_steps) {
    conn.program = std::make_unique<Fiber>();
    conn.program->conn = &conn;
    conn.program->stack.push_back({&conn.spec->steps});
    RunFiber(*conn.program);
  }
  RunEventHandlers(conn, graph::OnEvent::Kind::kOpen);
  WakeWaiters(conn);
  MaybeFinish();
}

void Vu::HandleMessage(Conn& conn, std::string_view payload, bool binary) {
  if (conn.state != Conn::State::kOpen && conn.state != Conn::State::kClosing) return;
  ctx_.shard->Add(MetricId::kWsMsgsReceived, 1, conn.tags);
  ctx_.shard->Add(MetricId::kDataReceived, static_cast<double>(payload.size()), conn.tags);
  ctx_.live->msgs_received.fetch_add(1, std::memory_order_relaxed);
  if (ctx_.debug) Debug(&conn, std::string(binary ? "< [binary] " : "< ") + std::string(payload));
  if (interrupted_) return;
  MessageView msg(payload, binary);
  TimePoint now = ctx_.scheduler->Now();

  for (auto it = conn.replies.begin(); it != conn.replies.end(); ++it) {
    EvalContext eval = Context(&conn, &msg);
    MessageView sent(it->sent, it->sent_binary);
    eval.sent = &sent;
    if (!Matches(it->reply->match, msg, eval)) continue;
    ctx_.shard->Record(MetricId::kWsReplyTime, now - it->sent_at, it->tags);
    Check(it->reply->name.empty() ? "reply" : it->reply->name, true, {});
    ctx_.scheduler->Cancel(it->timeout);
    conn.replies.erase(it);
    break;
  }

  for (size_t i = 0; i < conn.handlers.size(); ++i) {
    Conn::Handler handler = conn.handlers[i];
    if (!handler.active || !handler.on_message) continue;
    const graph::OnMessage& on = *handler.on_message;
    if (!Matches(on.match, msg, Context(&conn, &msg))) continue;
    if (on.once) conn.handlers[i].active = false;
    for (const graph::Capture& capture : on.captures) {
      const nlohmann::json* value = capture.path.empty() ? nullptr : msg.At(capture.path);
      vars_[capture.slot] = capture.path.empty() ? std::string(payload)
                            : value              ? JsonToText(*value)
                                                 : std::string();
    }
    if (on.measure) {
      int64_t sent_ms = 0;
      if (TimestampAt(msg, on.measure->since, &sent_ms)) {
        int64_t delta_ms = std::max<int64_t>(0, MillisSinceEpoch() - sent_ms);
        uint32_t tags = ctx_.TagsFor(&*on.measure, scenario_, conn.spec->tags, on.measure->name);
        ctx_.shard->Record(MetricId::kWsDeliveryTime, std::chrono::milliseconds(delta_ms), tags);
      }
    }
    RunBody(on.body, &conn, &msg, {});
  }

  std::vector<Fiber*> waiters = conn.waiters;
  for (Fiber* fiber : waiters) {
    if (fiber->wait != Fiber::Wait::kExpect || fiber->conn != &conn) continue;
    if (!Matches(fiber->expect->match, msg, Context(&conn, &msg))) continue;
    TimePoint since = std::max(fiber->expect_since, conn.last_send);
    if (conn.last_send != TimePoint{} && conn.last_send <= fiber->expect_since)
      since = conn.last_send;
    uint32_t tags = ctx_.TagsFor(fiber->expect, scenario_, conn.spec->tags, fiber->expect->name);
    ctx_.shard->Record(MetricId::kWsReplyTime, now - since, tags);
    Check(fiber->expect->name, true, {});
    for (const graph::Capture& capture : fiber->expect->captures) {
      const nlohmann::json* value = capture.path.empty() ? nullptr : msg.At(capture.path);
      vars_[capture.slot] = capture.path.empty() ? std::string(payload)
                            : value              ? JsonToText(*value)
                                                 : std::string();
    }
    fiber->wait = Fiber::Wait::kNone;
    Resume(*fiber);
  }
}

void Vu::HandleClose(Conn& conn, int code, const std::string& reason, bool clean) {
  if (conn.state == Conn::State::kClosed || conn.state == Conn::State::kIdle) return;
  bool was_open = conn.state == Conn::State::kOpen || conn.state == Conn::State::kClosing;
  conn.state = Conn::State::kClosed;
  if (was_open) {
    ctx_.shard->Record(MetricId::kWsSessionDuration, ctx_.scheduler->Now() - conn.opened_at,
                       conn.tags);
    ctx_.shard->Move(MetricId::kWsOpen, -1, conn.tags);
    ctx_.live->open_sockets.fetch_sub(1, std::memory_order_relaxed);
  }
  ctx_.shard->Add(MetricId::kWsCloseCodes, 1,
                  ctx_.WithTag(conn.tags, "code", std::to_string(code)));
  Debug(&conn, "closed code=" + std::to_string(code) + (reason.empty() ? "" : " reason=" + reason) +
                   (clean ? "" : " (no close frame)"));
  bool abnormal = !clean || code == 1006;
  if (abnormal && !interrupted_) {
    RecordError(ErrorKind::kClosedAbnormally,
                "connection closed without a close frame (code " + std::to_string(code) + ")" +
                    (reason.empty() ? "" : ": " + reason),
                conn.tags);
  }
  ConnEnded(conn, abnormal);
}

void Vu::HandleFail(Conn& conn, const Failure& failure) {
  if (conn.state == Conn::State::kClosed || conn.state == Conn::State::kIdle) return;
  if (conn.state != Conn::State::kConnecting) {
    // A protocol failure after open: count it; the transport reports the close after it.
    if (interrupted_) return;
    RecordError(failure.kind, failure.message, conn.tags, failure.http_status);
    Debug(&conn,
          "failed: " + ErrorLabel(failure.kind, failure.http_status) + ": " + failure.message);
    RunEventHandlers(conn, graph::OnEvent::Kind::kError);
    return;
  }
  conn.state = Conn::State::kClosed;
  if (!interrupted_) RecordError(failure.kind, failure.message, conn.tags, failure.http_status);
  Debug(&conn, "failed: " + ErrorLabel(failure.kind, failure.http_status) + ": " + failure.message);
  if (!interrupted_) RunEventHandlers(conn, graph::OnEvent::Kind::kError);
  ConnEnded(conn, true);
}

void Vu::ConnEnded(Conn& conn, bool abnormal) {
  ctx_.handshakes.Leave(conn.handshake, *ctx_.scheduler);
  if (conn.connect_timeout) ctx_.scheduler->Cancel(conn.connect_timeout);
  conn.connect_timeout = 0;
  CancelAllTimers(conn.timers);
  FailReplies(conn, "connection closed before a reply");
  conn.pings.clear();
  if (conn.program) {
    if (conn.program->wait_timer) ctx_.scheduler->Cancel(conn.program->wait_timer);
    conn.program->wait_timer = 0;
    conn.program->wait = Fiber::Wait::kNone;
    conn.program->stack.clear();
  }
  if (!interrupted_ && conn.opened_at != TimePoint{})
    RunEventHandlers(conn, graph::OnEvent::Kind::kClose);
  WakeWaiters(conn);
  if (abnormal && !interrupted_ && conn.reconnects < conn.spec->reconnect.max) {
    ++conn.reconnects;
    ctx_.shard->Add(MetricId::kWsReconnects, 1, conn.tags);
    vu_timers_.push_back({});
    auto it = std::prev(vu_timers_.end());
    Conn* c = &conn;
    it->deadline = ctx_.scheduler->Now() + Draw(conn.spec->reconnect.backoff, ctx_.rng);
    it->id = ctx_.scheduler->Schedule(it->deadline, [this, c, it] {
      vu_timers_.erase(it);
      c->opened_at = TimePoint{};
      OpenConn(*c);
    });
  }
  MaybeFinish();
}

void Vu::RunEventHandlers(Conn& conn, graph::OnEvent::Kind kind) {
  for (size_t i = 0; i < conn.handlers.size(); ++i) {
    Conn::Handler handler = conn.handlers[i];
    if (!handler.active || !handler.on_event || handler.on_event->kind != kind) continue;
    if (handler.on_event->once) conn.handlers[i].active = false;
    RunBody(handler.on_event->body, &conn, nullptr, {});
  }
}

void Vu::FailReplies(Conn& conn, const std::string& reason) {
  for (auto& reply : conn.replies) {
    ctx_.scheduler->Cancel(reply.timeout);
    if (!interrupted_)
      Check(reply.reply->name.empty() ? "reply" : reply.reply->name, false, reason);
  }
  conn.replies.clear();
}

void Vu::WakeWaiters(Conn& conn) {
  std::vector<Fiber*> waiters = conn.waiters;
  bool closed = conn.state == Conn::State::kClosed;
  for (Fiber* fiber : waiters) {
    switch (fiber->wait) {
      case Fiber::Wait::kConnect:
        if (--fiber->pending_connects > 0) continue;
        break;
      case Fiber::Wait::kExpect:
        if (!closed || fiber->conn != &conn) continue;
        Check(fiber->expect->name, false, "connection closed before a matching message");
        break;
      case Fiber::Wait::kWaitClose: {
        if (!closed) continue;
        bool all_closed = true;
        for (auto& c : conns_) {
          bool relevant = fiber->wait_all || c.get() == fiber->conn;
          if (relevant && c->state != Conn::State::kClosed && c->state != Conn::State::kIdle)
            all_closed = false;
        }
        if (!all_closed) continue;
        break;
      }
      default:
        continue;
    }
    fiber->wait = Fiber::Wait::kNone;
    Resume(*fiber);
  }
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

}  // namespace wsyaml::engine
