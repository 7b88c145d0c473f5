// Protocol connections of a VU: starting a connection's protocol, its heart-beats, the steps
// that speak it (emit, subscribe, unsubscribe, ack, a send with destination), and what the
// session reports back through the connection (frames out, replies, protocol errors).
#include <algorithm>
#include <string>
#include <utility>

#include "engine/expr_eval.h"
#include "engine/vu.h"
#include "engine/vu_internal.h"

namespace wsyaml::engine {

using metrics::MetricId;

namespace {

// The host of a ws:// or wss:// URL ("127.0.0.1" of "ws://127.0.0.1:15674/ws").
std::string UrlHost(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  if (start < url.size() && url[start] == '[') {  // [::1]
    size_t end = url.find(']', start);
    return end == std::string::npos ? url.substr(start) : url.substr(start, end - start + 1);
  }
  size_t end = url.find_first_of(":/?", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

}  // namespace

void Vu::StartProtocol(Conn& conn) {
  const graph::ProtocolOptions& options = conn.spec->protocol;
  EvalContext eval = Context(&conn);
  ProtocolSetup setup;
  setup.options = &options;
  setup.url_host = UrlHost(conn.url);
  if (options.auth) setup.auth = Render(*options.auth, eval);
  setup.login = Render(options.login, eval);
  setup.passcode = Render(options.passcode, eval);
  setup.host = Render(options.host, eval);
  if (options.init_payload) setup.init_payload = Render(*options.init_payload, eval);
  if (ctx_.debug) AddSecret(setup.passcode);
  conn.session = MakeProtocolSession(setup);
  if (!conn.session) {
    ConnReady(conn);
    return;
  }
  Conn* c = &conn;
  conn.connect_timeout =
      ctx_.scheduler->Schedule(ctx_.scheduler->Now() + options.handshake_timeout, [c] {
        c->connect_timeout = 0;
        if (c->ready || c->state != Conn::State::kOpen) return;
        c->ProtocolError("no protocol handshake within " +
                             std::to_string(c->spec->protocol.handshake_timeout.count() / 1000) +
                             "ms",
                         true);
      });
  conn.last_frame_at = ctx_.scheduler->Now();
  conn.session->Start(conn);
}

void Vu::StartHeartbeat(Conn& conn, std::chrono::microseconds interval) {
  conn.timers.push_back({});
  auto it = std::prev(conn.timers.end());
  it->deadline = ctx_.scheduler->Now() + interval;
  struct Beat {
    Vu* vu;
    Conn* conn;
    std::list<ActiveTimer>::iterator it;
    std::chrono::microseconds interval;
    void operator()() const {
      if (!conn->session || conn->state != Conn::State::kOpen) {
        conn->timers.erase(it);
        return;
      }
      TimePoint now = vu->ctx_.scheduler->Now();
      conn->session->OnHeartbeat(now - conn->last_frame_at, *conn);
      it->deadline += interval;
      it->id = vu->ctx_.scheduler->Schedule(it->deadline, *this);
    }
  };
  it->id = ctx_.scheduler->Schedule(it->deadline, Beat{this, &conn, it, interval});
}

Vu::Conn* Vu::SendTarget(Fiber& fiber, const std::string& to) {
  Conn* conn = fiber.conn;
  if (!to.empty()) {
    conn = nullptr;
    for (auto& c : conns_)
      if (c->spec->name == to && c->state == Conn::State::kOpen) conn = c.get();
  }
  if (!conn || conn->state != Conn::State::kOpen) {
    RecordError(ErrorKind::kSend, "send on a connection that is not open", conn ? conn->tags : 0);
    return nullptr;
  }
  return conn;
}

bool Vu::EncodeCommand(Fiber& fiber, Conn& conn, const ProtocolCommand& command,
                       const graph::Reply* reply, const std::string& sent) {
  if (!conn.session) {
    RecordError(ErrorKind::kSend, "this step needs a `protocol:` connection", conn.tags);
    return false;
  }
  std::string error;
  std::string key = conn.session->Encode(command, conn, &error);
  if (!error.empty()) {
    RecordError(ErrorKind::kSend, error, conn.tags);
    return false;
  }
  conn.last_send = ctx_.scheduler->Now();
  conn.sent_counters.CountMessage(*ctx_.shard, MetricId::kWsMsgsSent, conn.tags);
  ctx_.live->msgs_sent.fetch_add(1, std::memory_order_relaxed);
  if (reply && command.wants_reply) ExpectReply(fiber, conn, *reply, sent, false, std::move(key));
  return true;
}

void Vu::Execute(Fiber& fiber, const graph::Emit& emit) {
  Conn* conn = SendTarget(fiber, emit.to);
  if (!conn) return;
  EvalError error;
  EvalContext eval = Context(conn, fiber.msg);
  eval.error = &error;
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kEmit;
  command.event = Render(emit.event, eval);
  for (const graph::Payload& arg : emit.args) {
    bool binary = arg.kind == graph::Payload::Kind::kBinary;
    command.args.push_back(binary ? arg.bytes : Render(arg.body, eval));
    command.args_binary.push_back(binary);
  }
  if (!error.message.empty()) {
    RecordError(ErrorKind::kExpression, "emit: " + error.Format(), conn->tags);
    return;
  }
  command.wants_reply = emit.ack.has_value();
  std::string sent = command.args.empty() || command.args_binary[0] ? "" : command.args[0];
  EncodeCommand(fiber, *conn, command, emit.ack ? &*emit.ack : nullptr, sent);
}

void Vu::SendByProtocol(Fiber& fiber, Conn& conn, const graph::Send& send) {
  EvalError error;
  EvalContext eval = Context(&conn, fiber.msg);
  eval.error = &error;
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSend;
  command.binary = send.payload.kind == graph::Payload::Kind::kBinary;
  command.json = send.payload.kind == graph::Payload::Kind::kJson;
  command.body = command.binary ? send.payload.bytes : Render(send.payload.body, eval);
  command.destination = Render(send.destination, eval);
  for (const auto& [name, value] : send.headers)
    command.headers.emplace_back(name, Render(value, eval));
  if (!error.message.empty()) {
    RecordError(ErrorKind::kExpression, "send: " + error.Format(), conn.tags);
    return;
  }
  const graph::Reply* reply = send.receipt ? &*send.receipt : send.reply ? &*send.reply : nullptr;
  command.wants_reply = send.receipt.has_value();
  if (!EncodeCommand(fiber, conn, command, reply, command.body)) return;
  if (send.reply && !send.receipt)
    ExpectReply(fiber, conn, *send.reply, command.body, command.binary);
}

void Vu::Execute(Fiber& fiber, const graph::Subscribe& subscribe) {
  Conn* conn = SendTarget(fiber, {});
  if (!conn) return;
  EvalError error;
  EvalContext eval = Context(conn, fiber.msg);
  eval.error = &error;
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kSubscribe;
  command.id = subscribe.id.empty() ? subscribe.name : subscribe.id;
  command.destination = Render(subscribe.destination, eval);
  command.ack_mode = subscribe.ack;
  for (const auto& [name, value] : subscribe.headers)
    command.headers.emplace_back(name, Render(value, eval));
  command.query = Render(subscribe.query, eval);
  if (subscribe.variables) command.variables = Render(*subscribe.variables, eval);
  if (subscribe.operation_name) command.operation_name = Render(*subscribe.operation_name, eval);
  if (!error.message.empty()) {
    RecordError(ErrorKind::kExpression, "subscribe: " + error.Format(), conn->tags);
    return;
  }
  command.wants_reply = subscribe.reply.has_value();
  auto known = std::find_if(conn->subscription_tags.begin(), conn->subscription_tags.end(),
                            [&](const auto& entry) { return entry.first == command.id; });
  if (known == conn->subscription_tags.end())
    conn->subscription_tags.emplace_back(
        command.id, ctx_.TagsFor(&subscribe, scenario_, conn->spec->tags, subscribe.name));
  EncodeCommand(fiber, *conn, command, subscribe.reply ? &*subscribe.reply : nullptr,
                command.query);
}

void Vu::Execute(Fiber& fiber, const graph::Unsubscribe& unsubscribe) {
  Conn* conn = SendTarget(fiber, {});
  if (!conn) return;
  ProtocolCommand command;
  command.kind = ProtocolCommand::Kind::kUnsubscribe;
  command.id = unsubscribe.name;
  EncodeCommand(fiber, *conn, command, nullptr, {});
}

void Vu::Execute(Fiber& fiber, const graph::Acknowledge& acknowledge) {
  Conn* conn = SendTarget(fiber, {});
  if (!conn) return;
  const ProtocolMeta* meta = fiber.msg ? fiber.msg->meta() : nullptr;
  if (!meta || meta->ack_id.empty()) {
    RecordError(ErrorKind::kSend,
                std::string(acknowledge.negative ? "nack" : "ack") +
                    ": no message to acknowledge here (it acknowledges the message its "
                    "on-message handles, which must carry an ack header)",
                conn->tags);
    return;
  }
  ProtocolCommand command;
  command.kind = acknowledge.negative ? ProtocolCommand::Kind::kNack : ProtocolCommand::Kind::kAck;
  command.ack_id = meta->ack_id;
  EncodeCommand(fiber, *conn, command, nullptr, {});
}

void Vu::Conn::SendFrame(std::string_view frame, bool binary) {
  if (!socket || (state != State::kOpen && state != State::kClosing)) return;
  if (SendResult failure = socket->Send(frame, binary)) {
    vu->RecordError(failure->kind, failure->message, tags);
    return;
  }
  sent_counters.CountPayload(*vu->ctx_.shard, metrics::MetricId::kWsPayloadSent, tags, frame.size(),
                             deflate);
  if (vu->ctx_.debug) vu->Debug(this, (binary ? "> [binary] " : "> ") + std::string(frame));
}

void Vu::Conn::Replied(std::string_view key) {
  for (auto it = replies.begin(); it != replies.end(); ++it) {
    if (it->key.empty() || it->key != key) continue;
    it->Record(*vu->ctx_.shard, vu->ctx_.scheduler->Now());
    vu->Check(it->reply->name.empty() ? "reply" : it->reply->name, true, {});
    vu->ctx_.scheduler->Cancel(it->timeout);
    replies.erase(it);
    return;
  }
}

void Vu::Conn::ReplyFailed(std::string_view key, std::string_view why) {
  for (auto it = replies.begin(); it != replies.end(); ++it) {
    if (it->key.empty() || it->key != key) continue;
    vu->Check(it->reply->name.empty() ? "reply" : it->reply->name, false, std::string(why));
    vu->ctx_.scheduler->Cancel(it->timeout);
    replies.erase(it);
    return;
  }
}

void Vu::Conn::ProtocolError(std::string_view message, bool close) {
  if (!vu->interrupted_) vu->RecordError(ErrorKind::kProtocol, std::string(message), tags);
  vu->Debug(this, "protocol error: " + std::string(message));
  if (!close || state != State::kOpen) return;
  protocol_failed = true;
  state = State::kClosing;
  // Not 1002: the transport reads a 1002 of ours as a WebSocket-level violation it must report
  // itself (ReportClose), which would count this error twice. The WebSocket itself was fine.
  socket->Close(1000, "protocol error");
}

void Vu::Conn::RecordNextInterval(std::string_view name, std::chrono::nanoseconds interval) {
  for (const auto& [subscription, sample_tags] : subscription_tags) {
    if (subscription != name) continue;
    vu->ctx_.shard->Record(metrics::MetricId::kWsNextInterval, interval, sample_tags);
    return;
  }
}

}  // namespace wsyaml::engine
