// Connection events of a VU: connecting, messages (replies, handlers, expects), close and
// failure, reconnects.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <utility>

#include "engine/regex_eval.h"
#include "engine/vu.h"
#include "engine/vu_internal.h"
#include "metrics/timeseries.h"

namespace wsyaml::engine {

using metrics::MetricId;

namespace {

std::string JoinUrl(const std::string& base, const std::string& url) {
  if (url.rfind("ws://", 0) == 0 || url.rfind("wss://", 0) == 0) return url;
  if (url.empty()) return base;
  if (url.front() == '/') return base + url;
  return base + "/" + url;
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

// What a protocol needs of the handshake when the scenario does not say: its subprotocol, and
// socket.io's Engine.IO path and query.
void AddProtocolDefaults(graph::Protocol protocol, ConnectRequest* request) {
  switch (protocol) {
    case graph::Protocol::kRaw:
      return;
    case graph::Protocol::kStomp:
      if (request->subprotocols.empty()) request->subprotocols = {"v12.stomp"};
      return;
    case graph::Protocol::kGraphqlWs:
      if (request->subprotocols.empty()) request->subprotocols = {"graphql-transport-ws"};
      return;
    case graph::Protocol::kSocketIo: {
      std::string& url = request->url;
      if (url.find("EIO=") != std::string::npos) return;
      size_t authority = url.find("://");
      size_t path = url.find('/', authority == std::string::npos ? 0 : authority + 3);
      if (path == std::string::npos || url.compare(path, std::string::npos, "/") == 0) {
        if (path != std::string::npos) url.erase(path);
        url += "/socket.io/";
      }
      url += url.find('?') == std::string::npos ? "?" : "&";
      url += "EIO=4&transport=websocket";
      return;
    }
  }
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
  conn.session.reset();
  conn.ready = false;
  conn.protocol_failed = false;
  conn.subscription_tags.clear();
  conn.inbox.clear();
  RegisterEarlyErrorHandlers(conn);
  EvalContext eval = Context(&conn);
  if (!conn.spec->templated_tags.empty()) {
    graph::Tags rendered = conn.spec->tags;
    for (const auto& [key, value] : conn.spec->templated_tags) {
      for (auto& tag : rendered)
        if (tag.first == key) tag.second = Render(value, eval);
    }
    conn.tags = ctx_.RenderedTags(scenario_, rendered);
  }
  conn.deflate = false;
  conn.sent_counters = {};
  conn.received_counters = {};
  ConnectRequest request = MakeRequest(conn, eval);
  ctx_.shard->Add(MetricId::kWsSessions, 1, conn.tags);
  Conn* c = &conn;
  ctx_.handshakes.Enter(conn.handshake,
                        [this, c, request = std::move(request)] { StartHandshake(*c, request); });
}

// The program starts on open, but its on-error handlers must hear about a failed connect, so
// they are registered now; executing them later finds them registered (Execute(OnEvent)).
// Handlers are steps of the program, so finding them takes this scan: the graph does not list
// a connection's handlers apart from its steps. A graph::Connect carrying them (filled by the
// compiler, which already knows each step's kind) would let the engine register them directly.
void Vu::RegisterEarlyErrorHandlers(Conn& conn) {
  for (const graph::Step& step : conn.spec->steps) {
    auto* on_event = std::get_if<graph::OnEvent>(&step.action);
    if (on_event && on_event->kind == graph::OnEvent::Kind::kError)
      conn.handlers.push_back({nullptr, on_event, true});
  }
}

ConnectRequest Vu::MakeRequest(Conn& conn, const EvalContext& eval) {
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
  AddProtocolDefaults(conn.spec->protocol.kind, &request);
  conn.url = request.url;
  request.timeout = conn.spec->timeout;
  request.tls = conn.spec->tls ? &*conn.spec->tls : nullptr;
  request.max_message_size = conn.spec->max_message_size;
  request.compression = conn.spec->compression;
  if (ctx_.debug) {
    request.secrets = &secrets_;
    request.debug_prefix =
        "[vu " + std::to_string(id_) + " conn " + std::to_string(conn.index) + "]";
    Debug(&conn, "connect " + request.url);
  }
  return request;
}

void Vu::StartHandshake(Conn& conn, const ConnectRequest& request) {
  // Time spent waiting for a handshake slot is ours, not the server's: it is not in
  // ws_connecting and does not count against the handshake timeout.
  conn.connect_started = ctx_.scheduler->Now();
  Conn* c = &conn;
  TimePoint deadline = conn.connect_started + conn.spec->timeout;
  conn.connect_timeout = ctx_.scheduler->Schedule(deadline, [this, c] {
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
  CancelTimer(conn.connect_timeout);
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
  if (conn.spec->protocol.kind != graph::Protocol::kRaw) {
    StartProtocol(conn);
    return;
  }
  ConnReady(conn);
}

void Vu::ConnReady(Conn& conn) {
  if (conn.ready || conn.state != Conn::State::kOpen) return;
  conn.ready = true;
  CancelTimer(conn.connect_timeout);
  if (conn.session) {
    std::chrono::microseconds heartbeat = conn.session->HeartbeatInterval();
    if (heartbeat.count() > 0) StartHeartbeat(conn, heartbeat);
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

void Vu::HandleFrame(Conn& conn, std::string_view payload, bool binary) {
  if (!conn.session) {
    HandleMessage(conn, payload, binary);
    return;
  }
  if (conn.state != Conn::State::kOpen && conn.state != Conn::State::kClosing) return;
  conn.received_counters.CountPayload(*ctx_.shard, MetricId::kWsPayloadReceived, conn.tags,
                                      payload.size(), conn.deflate);
  conn.last_frame_at = ctx_.scheduler->Now();
  if (ctx_.debug) Debug(&conn, std::string(binary ? "< [binary] " : "< ") + std::string(payload));
  conn.session->OnFrame(payload, binary, conn);
}

void Vu::HandleMessage(Conn& conn, std::string_view payload, bool binary,
                       const ProtocolMeta* meta) {
  if (conn.state != Conn::State::kOpen && conn.state != Conn::State::kClosing) return;
  if (meta) {
    conn.received_counters.CountMessage(*ctx_.shard, MetricId::kWsMsgsReceived, conn.tags);
  } else {
    conn.received_counters.Count(*ctx_.shard, MetricId::kWsMsgsReceived,
                                 MetricId::kWsPayloadReceived, conn.tags, payload.size(),
                                 conn.deflate);
    if (ctx_.debug) Debug(&conn, std::string(binary ? "< [binary] " : "< ") + std::string(payload));
  }
  ctx_.live->msgs_received.fetch_add(1, std::memory_order_relaxed);
  if (interrupted_) return;
  MessageView msg(payload, binary, meta);
  TimePoint now = ctx_.scheduler->Now();
  MatchReply(conn, msg, now);
  RunMessageHandlers(conn, msg);
  if (!WakeExpects(conn, msg, now) && conn.spec->keeps_inbox) KeepInInbox(conn, msg, now);
}

void Vu::MatchReply(Conn& conn, const MessageView& msg, TimePoint now) {
  for (auto it = conn.replies.begin(); it != conn.replies.end(); ++it) {
    if (!it->key.empty()) continue;  // a protocol's reply: settled by ProtocolLink::Replied
    EvalContext eval = Context(&conn, &msg);
    MessageView sent(it->sent, it->sent_binary);
    eval.sent = &sent;
    if (!MessageMatches(it->reply->match, msg, eval, conn)) continue;
    it->Record(*ctx_.shard, now);
    Check(it->reply->name.empty() ? "reply" : it->reply->name, true, {});
    ctx_.scheduler->Cancel(it->timeout);
    conn.replies.erase(it);
    return;
  }
}

void Vu::RunMessageHandlers(Conn& conn, const MessageView& msg) {
  for (size_t i = 0; i < conn.handlers.size(); ++i) {
    Conn::Handler handler = conn.handlers[i];
    if (!handler.active || !handler.on_message) continue;
    const graph::OnMessage& on = *handler.on_message;
    if (!MessageMatches(on.match, msg, Context(&conn, &msg), conn)) continue;
    if (on.once) conn.handlers[i].active = false;
    Capture(on.captures, msg);
    if (on.measure) {
      int64_t sent_ms = 0;
      if (TimestampAt(msg, on.measure->since, &sent_ms)) {
        int64_t delta_ms = std::max<int64_t>(0, metrics::NowUnixMs() - sent_ms);
        uint32_t tags = ctx_.TagsFor(&*on.measure, scenario_, conn.spec->tags, on.measure->name);
        ctx_.shard->Record(MetricId::kWsDeliveryTime, std::chrono::milliseconds(delta_ms), tags);
      }
    }
    RunBody(on.body, &conn, &msg, {});
  }
}

bool Vu::WakeExpects(Conn& conn, const MessageView& msg, TimePoint now) {
  if (conn.waiters.empty()) return false;
  bool taken = false;
  std::vector<Fiber*> waiters = conn.waiters;
  for (Fiber* fiber : waiters) {
    if (fiber->wait != Fiber::Wait::kExpect || fiber->conn != &conn) continue;
    if (!MessageMatches(fiber->expect->match, msg, Context(&conn, &msg), conn)) continue;
    // From the latest send on the connection, or the start of the expect when none.
    TimePoint since = conn.last_send != TimePoint{} ? conn.last_send : fiber->expect_since;
    PassExpect(conn, *fiber->expect, msg, now - since);
    taken = true;
    fiber->wait = Fiber::Wait::kNone;
    Resume(*fiber);
  }
  return taken;
}

void Vu::KeepInInbox(Conn& conn, const MessageView& msg, TimePoint now) {
  if (conn.spec->inbox <= 0) return;
  EvalContext eval = Context(&conn, &msg);
  const auto& matchers = conn.spec->inbox_matchers;
  if (std::none_of(matchers.begin(), matchers.end(),
                   [&](const graph::Matcher& m) { return Matches(m, msg, eval); }))
    return;
  TimePoint since = conn.last_send != TimePoint{} ? conn.last_send : conn.opened_at;
  conn.inbox.emplace_back(msg.text(), msg.binary(), msg.meta(), since, now);
  if (conn.inbox.size() <= static_cast<size_t>(conn.spec->inbox)) return;
  conn.inbox.pop_front();
  RecordError(ErrorKind::kInboxOverflow,
              "inbox full: the oldest message no expect took was dropped (inbox: " +
                  std::to_string(conn.spec->inbox) + ")",
              conn.tags);
}

bool Vu::TakeFromInbox(Conn& conn, const graph::Expect& expect) {
  EvalContext eval = Context(&conn);
  for (auto it = conn.inbox.begin(); it != conn.inbox.end(); ++it) {
    eval.msg = &it->view;
    if (!MessageMatches(expect.match, it->view, eval, conn)) continue;
    PassExpect(conn, expect, it->view, it->arrived - it->since);
    conn.inbox.erase(it);
    return true;
  }
  return false;
}

void Vu::PassExpect(Conn& conn, const graph::Expect& expect, const MessageView& msg,
                    std::chrono::nanoseconds reply_time) {
  uint32_t tags = ctx_.TagsFor(&expect, scenario_, conn.spec->tags, expect.name);
  // An expect is timed from an actual send (or its own start): its two reply times are equal.
  RecordReplyTimes(*ctx_.shard, tags, reply_time, reply_time);
  Check(expect.name, true, {});
  Capture(expect.captures, msg);
}

void Vu::Capture(const std::vector<graph::Capture>& captures, const MessageView& msg) {
  for (const graph::Capture& capture : captures) {
    if (capture.slot < 0 || static_cast<size_t>(capture.slot) >= vars_.size()) continue;
    if (capture.regex) {
      vars_[capture.slot] = RegexGroup(*capture.regex, capture.group, msg.text());
      continue;
    }
    if (capture.path.empty()) {
      vars_[capture.slot] = std::string(msg.text());
      continue;
    }
    const nlohmann::json* value = msg.At(capture.path);
    vars_[capture.slot] = value ? *value : nlohmann::json();
  }
}

void Vu::HandleClose(Conn& conn, int code, const std::string& reason, bool clean) {
  if (conn.state == Conn::State::kClosed || conn.state == Conn::State::kIdle) return;
  bool was_open = conn.state == Conn::State::kOpen || conn.state == Conn::State::kClosing;
  if (conn.session && conn.state == Conn::State::kOpen && !interrupted_)
    conn.session->OnClose(code, reason, conn);
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
  bool connecting = conn.state == Conn::State::kConnecting;
  // A protocol failure after open is counted; the transport reports the close after it.
  if (!connecting && interrupted_) return;
  if (connecting) conn.state = Conn::State::kClosed;
  bool reported = failure.kind == ErrorKind::kProtocol && conn.protocol_failed;
  if (!interrupted_ && !reported)
    RecordError(failure.kind, failure.message, conn.tags, failure.http_status);
  Debug(&conn, "failed: " + ErrorLabel(failure.kind, failure.http_status) + ": " + failure.message);
  if (!interrupted_) RunEventHandlers(conn, graph::OnEvent::Kind::kError);
  if (connecting) ConnEnded(conn, true);
}

void Vu::ConnEnded(Conn& conn, bool abnormal) {
  ctx_.handshakes.Leave(conn.handshake, *ctx_.scheduler);
  CancelTimer(conn.connect_timeout);
  CancelAllTimers(conn.timers);
  FailReplies(conn, "connection closed before a reply");
  conn.pings.clear();
  StopFiber(conn.program.get());
  if (!interrupted_ && conn.opened_at != TimePoint{})
    RunEventHandlers(conn, graph::OnEvent::Kind::kClose);
  WakeWaiters(conn);
  if (abnormal && !interrupted_ && conn.reconnects < conn.spec->reconnect.max)
    ScheduleReconnect(conn);
  MaybeFinish();
}

void Vu::ScheduleReconnect(Conn& conn) {
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

}  // namespace wsyaml::engine
