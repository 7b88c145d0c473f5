// graphql-transport-ws, decoded without a JSON parser: a message is one flat object whose
// `type`, `id` and `payload` are located as text spans, so a `next` costs a scan of its bytes
// and one copy of its payload into a reused buffer.
#include "engine/protocols/graphql_ws.h"

#include <cstring>
#include <utility>

namespace wsyaml::engine {

namespace {

// The top-level fields of a message, as spans of the frame. type and id are the raw text
// between their quotes; payload is the whole JSON value.
struct Fields {
  std::string_view type;
  std::string_view id;
  std::string_view payload;
};

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// `i` at an opening quote; on success `i` is just past the closing one. memchr finds each
// candidate quote (most of a payload's bytes are inside strings); an odd run of backslashes
// before it escapes it.
bool SkipString(std::string_view s, size_t& i) {
  const char* begin = s.data();
  const char* end = begin + s.size();
  const char* p = begin + i + 1;
  while (p < end) {
    const char* quote = static_cast<const char*>(std::memchr(p, '"', end - p));
    if (!quote) return false;
    const char* b = quote;
    while (b > p && b[-1] == '\\') --b;
    p = quote + 1;
    if ((quote - b) % 2 == 0) {
      i = p - begin;
      return true;
    }
  }
  return false;
}

// The bytes a container's scan stops at: quotes and brackets.
struct Structural {
  bool at[256] = {};
  constexpr Structural() {
    for (char c : {'"', '{', '}', '[', ']'}) at[static_cast<unsigned char>(c)] = true;
  }
};
constexpr Structural kStructural;

// Any JSON value at `i` (after spaces); on success `i` is just past it. Containers are skipped
// by bracket depth with strings stepped over, which is all a span needs.
bool SkipValue(std::string_view s, size_t& i) {
  i = SkipSpace(s, i);
  if (i >= s.size()) return false;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] != '{' && s[i] != '[') {
    size_t start = i;
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
      ++i;
    return i > start;
  }
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (!kStructural.at[static_cast<unsigned char>(c)]) {
      ++i;
      continue;
    }
    if (c == '"') {
      if (!SkipString(s, i)) return false;
      continue;
    }
    ++i;
    if (c == '{' || c == '[') ++depth;
    if ((c == '}' || c == ']') && --depth == 0) return true;
  }
  return false;
}

// The text between the quotes of a string value, or empty when `value` is not a string.
std::string_view StringContent(std::string_view value) {
  if (value.size() < 2 || value.front() != '"') return {};
  return value.substr(1, value.size() - 2);
}

bool ScanMessage(std::string_view s, Fields* out) {
  size_t i = SkipSpace(s, 0);
  if (i >= s.size() || s[i] != '{') return false;
  i = SkipSpace(s, i + 1);
  if (i < s.size() && s[i] == '}') return false;
  while (i < s.size()) {
    size_t key_start = i;
    if (s[i] != '"' || !SkipString(s, i)) return false;
    std::string_view key = s.substr(key_start + 1, i - key_start - 2);
    i = SkipSpace(s, i);
    if (i >= s.size() || s[i] != ':') return false;
    size_t value_start = SkipSpace(s, i + 1);
    i = value_start;
    if (!SkipValue(s, i)) return false;
    std::string_view value = s.substr(value_start, i - value_start);
    if (key == "type") out->type = StringContent(value);
    if (key == "id") out->id = StringContent(value);
    if (key == "payload") out->payload = value;
    i = SkipSpace(s, i);
    if (i < s.size() && s[i] == '}') return SkipSpace(s, i + 1) == s.size();
    if (i >= s.size() || s[i] != ',') return false;
    i = SkipSpace(s, i + 1);
  }
  return false;
}

void AppendJsonString(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// An error payload in a check's or error's message: GraphQL errors can be long.
std::string Excerpt(std::string_view text) {
  constexpr size_t kMax = 300;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

}  // namespace

GraphqlWsSession::GraphqlWsSession(std::string init_payload)
    : init_payload_(std::move(init_payload)) {}

void GraphqlWsSession::Start(ProtocolLink& link) {
  frame_ = R"({"type":"connection_init")";
  if (!init_payload_.empty()) frame_ += ",\"payload\":" + init_payload_;
  frame_ += '}';
  link.SendFrame(frame_, false);
}

void GraphqlWsSession::OnFrame(std::string_view frame, bool binary, ProtocolLink& link) {
  Fields fields;
  if (binary || !ScanMessage(frame, &fields)) {
    link.ProtocolError(binary ? std::string("graphql-ws: a binary frame")
                              : "graphql-ws: not a protocol message: " + Excerpt(frame),
                       true);
    return;
  }
  std::string_view type = fields.type;
  if (type == "next") {
    OnNext(fields.id, fields.payload, link);
  } else if (type == "ping") {
    frame_ = R"({"type":"pong")";
    if (!fields.payload.empty()) frame_.append(",\"payload\":").append(fields.payload);
    frame_ += '}';
    link.SendFrame(frame_, false);
  } else if (type == "pong") {
    return;  // an answer, or an unsolicited heart-beat: nothing to do
  } else if (type == "error") {
    OnError(fields.id, fields.payload, link);
  } else if (type == "complete") {
    OnComplete(fields.id, link);
  } else if (type == "connection_ack") {
    if (acked_) return;
    acked_ = true;
    link.Ready();
  } else {
    link.ProtocolError("graphql-ws: unexpected message type \"" + std::string(type) + "\"", true);
  }
}

void GraphqlWsSession::OnNext(std::string_view id, std::string_view payload, ProtocolLink& link) {
  Subscription* sub = ById(id);
  if (!sub) return;  // a late message of a completed operation: ignored, as the spec says
  std::chrono::steady_clock::time_point now = link.Now();
  if (sub->has_last) link.RecordNextInterval(sub->name, now - sub->last_next);
  sub->has_last = true;
  sub->last_next = now;
  message_.payload.assign(payload.data(), payload.size());
  message_.meta.event = sub->name;
  if (sub->awaiting_first) {
    sub->awaiting_first = false;
    std::string key = sub->id;  // short: no allocation; the link may re-enter Encode
    link.Replied(key);
  }
  // Last: a handler run by Deliver may subscribe again and move `subscriptions_`.
  link.Deliver(message_);
}

void GraphqlWsSession::OnError(std::string_view id, std::string_view payload, ProtocolLink& link) {
  Subscription* sub = ById(id);
  if (!sub) return;
  sub->active = false;
  std::string why = "graphql-ws: subscription " + sub->name + " failed: " + Excerpt(payload);
  if (sub->awaiting_first) {
    sub->awaiting_first = false;
    link.ReplyFailed(sub->id, why);
    return;
  }
  link.ProtocolError(why, false);
}

void GraphqlWsSession::OnComplete(std::string_view id, ProtocolLink& link) {
  Subscription* sub = ById(id);
  if (!sub) return;
  sub->active = false;
  if (!sub->awaiting_first) return;
  sub->awaiting_first = false;
  link.ReplyFailed(sub->id,
                   "graphql-ws: subscription " + sub->name + " completed before its first next");
}

std::string GraphqlWsSession::Encode(const ProtocolCommand& command, ProtocolLink& link,
                                     std::string* error) {
  switch (command.kind) {
    case ProtocolCommand::Kind::kSubscribe:
      return Subscribe(command, link, error);
    case ProtocolCommand::Kind::kUnsubscribe:
      Unsubscribe(command, link, error);
      return {};
    case ProtocolCommand::Kind::kSend:
    case ProtocolCommand::Kind::kEmit:
    case ProtocolCommand::Kind::kAck:
    case ProtocolCommand::Kind::kNack:
      break;
  }
  *error = "graphql-ws connections take subscribe and unsubscribe steps only";
  return {};
}

std::string GraphqlWsSession::Subscribe(const ProtocolCommand& command, ProtocolLink& link,
                                        std::string* error) {
  Subscription* sub = ByName(command.id);
  if (sub && sub->active) {
    *error = "subscribe: subscription " + command.id + " is already active";
    return {};
  }
  if (!sub) {
    subscriptions_.push_back({});
    sub = &subscriptions_.back();
    sub->name = command.id;
  }
  sub->id = std::to_string(next_id_++);
  sub->active = true;
  sub->awaiting_first = command.wants_reply;
  sub->has_last = false;
  // Appended into the reused buffer: a chain of `+` allocated its temporaries per subscribe.
  frame_.assign(R"({"id":")").append(sub->id).append(R"(","type":"subscribe","payload":{"query":)");
  AppendJsonString(frame_, command.query);
  if (!command.variables.empty()) frame_.append(",\"variables\":").append(command.variables);
  if (!command.operation_name.empty()) {
    frame_ += ",\"operationName\":";
    AppendJsonString(frame_, command.operation_name);
  }
  frame_ += "}}";
  link.SendFrame(frame_, false);
  return command.wants_reply ? sub->id : std::string();
}

void GraphqlWsSession::Unsubscribe(const ProtocolCommand& command, ProtocolLink& link,
                                   std::string* error) {
  Subscription* sub = ByName(command.id);
  if (!sub) {
    *error = "unsubscribe: no subscription named " + command.id;
    return;
  }
  if (!sub->active) return;  // the server completed it already
  sub->active = false;
  frame_.assign(R"({"id":")").append(sub->id).append(R"(","type":"complete"})");
  link.SendFrame(frame_, false);
  if (!sub->awaiting_first) return;
  sub->awaiting_first = false;
  link.ReplyFailed(sub->id,
                   "graphql-ws: unsubscribed from " + sub->name + " before its first next");
}

void GraphqlWsSession::OnClose(int code, std::string_view reason, ProtocolLink& link) {
  if (code < 4400 || code > 4999) return;
  link.ProtocolError("graphql-ws: the server closed the connection with " + std::to_string(code) +
                         (reason.empty() ? "" : " " + std::string(reason)) +
                         (acked_ ? "" : " (connection_init refused)"),
                     false);
}

GraphqlWsSession::Subscription* GraphqlWsSession::ById(std::string_view id) {
  for (Subscription& sub : subscriptions_)
    if (sub.active && sub.id == id) return &sub;
  return nullptr;
}

GraphqlWsSession::Subscription* GraphqlWsSession::ByName(std::string_view name) {
  for (Subscription& sub : subscriptions_)
    if (sub.name == name) return &sub;
  return nullptr;
}

}  // namespace wsyaml::engine
