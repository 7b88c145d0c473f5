// socket.io session: Engine.IO v4 framing, Socket.IO v5 packets (see socketio.h for the specs).
// Decoding scans the JSON only as far as it must (the event name, where the first argument
// ends) and reuses its buffers, so a steady stream of events allocates nothing per frame.
#include "engine/protocols/socketio.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace wsyaml::engine {

namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

enum PacketType : int {
  kConnect = 0,
  kDisconnect = 1,
  kEvent = 2,
  kAck = 3,
  kConnectError = 4,
  kBinaryEvent = 5,
  kBinaryAck = 6,
};

constexpr size_t kNone = std::string_view::npos;
// socket.io-parser's default limit of attachments per packet.
constexpr int kMaxAttachments = 10;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// s[i] is '"': the index after the closing quote, or kNone.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return kNone;
}

// true, false, null or a number.
bool IsScalar(std::string_view token) {
  if (token == "true" || token == "false" || token == "null") return true;
  if (token.empty() || !(token[0] == '-' || IsDigit(token[0]))) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return IsDigit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  });
}

// The end of the JSON value that starts at s[i] (no leading space), or kNone. Containers are
// checked for balance and strings for their end, not every token inside: the server's JSON.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return kNone;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] != '[' && s[i] != '{') {
    size_t end = i;
    while (end < s.size() && !IsSpace(s[end]) && s[end] != ',' && s[end] != ']' && s[end] != '}')
      ++end;
    return IsScalar(s.substr(i, end - i)) ? end : kNone;
  }
  int depth = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      i = SkipString(s, i);
      if (i == kNone) return kNone;
      --i;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth == 0) return i + 1;
    }
  }
  return kNone;
}

// Whether `text` is one JSON value (surrounding space allowed).
bool IsJsonValue(std::string_view text) {
  size_t end = SkipValue(text, SkipSpace(text, 0));
  return end != kNone && SkipSpace(text, end) == text.size();
}

void AppendJsonString(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// A Socket.IO packet, viewed in the frame's text (after Engine.IO's `4`).
struct Packet {
  int type = -1;
  int attachments = 0;
  std::string_view nsp = "/";
  bool has_id = false;
  uint64_t id = 0;
  std::string_view data;
};

// TYPE[ATTACHMENTS-][/NAMESPACE,][ACKID][JSON], as socket.io-parser's decodeString reads it.
bool ParsePacket(std::string_view s, Packet* p) {
  if (s.empty() || s[0] < '0' || s[0] > '6') return false;
  p->type = s[0] - '0';
  size_t i = 1;
  if (p->type == kBinaryEvent || p->type == kBinaryAck) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i]) && i - start < 4)
      p->attachments = p->attachments * 10 + (s[i++] - '0');
    if (i == start || i >= s.size() || s[i] != '-' || p->attachments < 1 ||
        p->attachments > kMaxAttachments)
      return false;
    ++i;
  }
  if (i < s.size() && s[i] == '/') {
    size_t comma = s.find(',', i);
    p->nsp = s.substr(i, comma == kNone ? kNone : comma - i);
    i = comma == kNone ? s.size() : comma + 1;
  }
  for (size_t start = i; i < s.size() && IsDigit(s[i]) && i - start < 18; ++i) {
    p->has_id = true;
    p->id = p->id * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  p->data = s.substr(i);
  return true;
}

// The `message` of a CONNECT_ERROR's data, or the data itself.
std::string ErrorMessage(std::string_view data) {
  nlohmann::json j = nlohmann::json::parse(data, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  return std::string(data);
}

class SocketIoSession : public ProtocolSession {
 public:
  explicit SocketIoSession(const ProtocolSetup& setup)
      : namespace_(setup.options->socketio_namespace.empty() ? "/"
                                                             : setup.options->socketio_namespace),
        auth_(setup.auth) {}

  // Engine.IO v4: the server speaks first (the open packet).
  void Start(ProtocolLink& link) override { (void)link; }
  void OnFrame(std::string_view frame, bool binary, ProtocolLink& link) override;
  std::string Encode(const ProtocolCommand& command, ProtocolLink& link,
                     std::string* error) override;
  // How often a silent server is looked for: a quarter of the time it is allowed.
  microseconds HeartbeatInterval() const override { return (ping_interval_ + ping_timeout_) / 4; }
  void OnHeartbeat(std::chrono::nanoseconds since_last_frame, ProtocolLink& link) override;
  void Stop(ProtocolLink& link) override;

 private:
  void OnOpen(std::string_view json, ProtocolLink& link);
  void OnPacket(std::string_view text, ProtocolLink& link);
  void OnEvent(const Packet& packet, ProtocolLink& link);
  void OnAttachment(ProtocolLink& link);
  void Complete(ProtocolLink& link);
  // Starts frame_ with `type`, the attachments, the namespace and the ack id.
  void BeginFrame(int type, int attachments, const uint64_t* id);
  void AppendArg(std::string_view arg, bool binary, bool quote_text, int* placeholders);

  const std::string namespace_;
  const std::string auth_;
  bool connected_ = false;
  microseconds ping_interval_{0};
  microseconds ping_timeout_{0};
  std::chrono::steady_clock::time_point last_ping_{};
  uint64_t next_ack_id_ = 0;
  // A binary event or ack waiting for its attachments.
  int attachments_wanted_ = 0;
  int attachments_got_ = 0;
  bool pending_ack_ = false;
  std::string pending_key_;
  AppMessage message_;  // reused for every event: no allocation once its buffers grew
  std::string frame_;   // reused for every frame sent
};

void SocketIoSession::OnFrame(std::string_view frame, bool binary, ProtocolLink& link) {
  if (binary) {
    if (attachments_wanted_ == 0) {
      link.ProtocolError("socket.io: a binary frame that no packet announced", false);
      return;
    }
    OnAttachment(link);
    return;
  }
  if (frame.empty()) {
    link.ProtocolError("socket.io: an empty Engine.IO packet", false);
    return;
  }
  switch (frame[0]) {
    case '0':
      OnOpen(frame.substr(1), link);
      return;
    case '1':
      link.ProtocolError("socket.io: the server closed the Engine.IO session", true);
      return;
    case '2':  // ping, answered at once with its data (v4: the server pings)
      last_ping_ = link.Now();
      frame_.assign("3").append(frame.substr(1));
      link.SendFrame(frame_, false);
      return;
    case '3':
    case '6':
      return;
    case '4':
      OnPacket(frame.substr(1), link);
      return;
    default:
      link.ProtocolError("socket.io: unknown Engine.IO packet: " + std::string(frame.substr(0, 64)),
                         false);
  }
}

void SocketIoSession::OnOpen(std::string_view json, ProtocolLink& link) {
  nlohmann::json open = nlohmann::json::parse(json, nullptr, false);
  if (!open.is_object() || !open.contains("pingInterval") || !open.contains("pingTimeout") ||
      !open["pingInterval"].is_number() || !open["pingTimeout"].is_number()) {
    link.ProtocolError("socket.io: a malformed open packet: " + std::string(json.substr(0, 200)),
                       true);
    return;
  }
  ping_interval_ = milliseconds(open["pingInterval"].get<int64_t>());
  ping_timeout_ = milliseconds(open["pingTimeout"].get<int64_t>());
  last_ping_ = link.Now();
  BeginFrame(kConnect, 0, nullptr);
  frame_.append(auth_);
  link.SendFrame(frame_, false);
}

void SocketIoSession::OnPacket(std::string_view text, ProtocolLink& link) {
  Packet packet;
  if (!ParsePacket(text, &packet)) {
    link.ProtocolError("socket.io: a malformed packet: " + std::string(text.substr(0, 200)), false);
    return;
  }
  if (packet.nsp != namespace_) return;  // another namespace's traffic
  switch (packet.type) {
    case kConnect:
      if (connected_) return;
      connected_ = true;
      link.Ready();
      return;
    case kConnectError:
      link.ProtocolError("socket.io: namespace " + namespace_ +
                             " refused the connection: " + ErrorMessage(packet.data),
                         true);
      return;
    case kDisconnect:
      connected_ = false;
      link.ProtocolError("socket.io: the server disconnected namespace " + namespace_, true);
      return;
    case kEvent:
    case kBinaryEvent:
      OnEvent(packet, link);
      return;
    case kAck:
    case kBinaryAck:
      if (!packet.has_id) break;
      pending_key_ = std::to_string(packet.id);
      pending_ack_ = true;
      attachments_wanted_ = packet.attachments;
      attachments_got_ = 0;
      if (attachments_wanted_ == 0) Complete(link);
      return;
  }
  link.ProtocolError("socket.io: a malformed packet: " + std::string(text.substr(0, 200)), false);
}

// `["event", arg...]`: the event name, the first argument as the payload, the rest kept whole.
void SocketIoSession::OnEvent(const Packet& packet, ProtocolLink& link) {
  std::string_view data = packet.data;
  size_t name_start = SkipSpace(data, 0);
  if (name_start < data.size() && data[name_start] == '[')
    name_start = SkipSpace(data, name_start + 1);
  size_t name_end =
      name_start < data.size() && data[name_start] == '"' ? SkipString(data, name_start) : kNone;
  if (name_end == kNone) {
    link.ProtocolError("socket.io: an event without a name: " + std::string(data.substr(0, 200)),
                       false);
    return;
  }
  std::string_view name = data.substr(name_start + 1, name_end - name_start - 2);
  if (name.find('\\') == kNone) {
    message_.meta.event.assign(name);
  } else {
    nlohmann::json unescaped =
        nlohmann::json::parse(data.substr(name_start, name_end - name_start), nullptr, false);
    if (!unescaped.is_string()) {
      link.ProtocolError("socket.io: a malformed event name: " + std::string(data.substr(0, 200)),
                         false);
      return;
    }
    message_.meta.event = unescaped.get<std::string>();
  }
  size_t rest = SkipSpace(data, name_end);
  message_.meta.args_json.assign("[");
  message_.payload.clear();
  if (rest < data.size() && data[rest] == ',') {
    size_t first = SkipSpace(data, rest + 1);
    size_t first_end = SkipValue(data, first);
    if (first_end != kNone) message_.payload.assign(data.substr(first, first_end - first));
    message_.meta.args_json.append(data.substr(rest + 1));
  } else {
    message_.meta.args_json.append("]");
  }
  message_.meta.attachments = packet.attachments;
  if (packet.has_id) {  // the server wants an ack: an empty one, at once
    uint64_t id = packet.id;
    BeginFrame(kAck, 0, &id);
    frame_.append("[]");
    link.SendFrame(frame_, false);
  }
  pending_ack_ = false;
  attachments_wanted_ = packet.attachments;
  attachments_got_ = 0;
  if (attachments_wanted_ == 0) Complete(link);
}

void SocketIoSession::OnAttachment(ProtocolLink& link) {
  if (++attachments_got_ == attachments_wanted_) Complete(link);
}

void SocketIoSession::Complete(ProtocolLink& link) {
  attachments_wanted_ = 0;
  if (pending_ack_) {
    link.Replied(pending_key_);
  } else {
    link.Deliver(message_);
  }
}

void SocketIoSession::BeginFrame(int type, int attachments, const uint64_t* id) {
  frame_.assign("4");
  frame_.push_back(static_cast<char>('0' + type));
  if (attachments > 0) frame_.append(std::to_string(attachments)).push_back('-');
  if (namespace_ != "/") frame_.append(namespace_).push_back(',');
  if (id) frame_.append(std::to_string(*id));
}

// One argument: JSON as is, a binary one as its placeholder, a `send` text that is not JSON
// as a JSON string.
void SocketIoSession::AppendArg(std::string_view arg, bool binary, bool quote_text,
                                int* placeholders) {
  frame_.push_back(',');
  if (binary) {
    frame_.append(R"({"_placeholder":true,"num":)")
        .append(std::to_string((*placeholders)++))
        .push_back('}');
  } else if (quote_text && !IsJsonValue(arg)) {
    AppendJsonString(&frame_, arg);
  } else {
    frame_.append(arg);
  }
}

std::string SocketIoSession::Encode(const ProtocolCommand& command, ProtocolLink& link,
                                    std::string* error) {
  bool send = command.kind == ProtocolCommand::Kind::kSend;
  if (!send && command.kind != ProtocolCommand::Kind::kEmit) {
    *error = "socket.io connections take emit and send steps only";
    return {};
  }
  auto is_binary = [&](size_t i) {
    return i < command.args_binary.size() && command.args_binary[i];
  };
  int binaries = send ? command.binary : 0;
  for (size_t i = 0; !send && i < command.args.size(); ++i) binaries += is_binary(i);
  uint64_t id = next_ack_id_;
  if (command.wants_reply) ++next_ack_id_;
  BeginFrame(binaries > 0 ? kBinaryEvent : kEvent, binaries, command.wants_reply ? &id : nullptr);
  // `send` emits "message" (socket.send()) with the body as its one argument.
  frame_.push_back('[');
  AppendJsonString(&frame_, send ? std::string_view("message") : command.event);
  int placeholders = 0;
  if (send) AppendArg(command.body, command.binary, true, &placeholders);
  for (size_t i = 0; !send && i < command.args.size(); ++i)
    AppendArg(command.args[i], is_binary(i), false, &placeholders);
  frame_.push_back(']');
  link.SendFrame(frame_, false);
  if (send && command.binary) link.SendFrame(command.body, true);
  for (size_t i = 0; !send && i < command.args.size(); ++i)
    if (is_binary(i)) link.SendFrame(command.args[i], true);
  return command.wants_reply ? std::to_string(id) : std::string();
}

void SocketIoSession::OnHeartbeat(std::chrono::nanoseconds since_last_frame, ProtocolLink& link) {
  (void)since_last_frame;  // only pings count: other traffic does not prove the server's timer
  auto allowed = ping_interval_ + ping_timeout_;
  if (allowed.count() <= 0 || link.Now() - last_ping_ <= allowed) return;
  link.ProtocolError("socket.io: no ping from the server within pingInterval + pingTimeout (" +
                         std::to_string(allowed.count() / 1000) + "ms)",
                     true);
  last_ping_ = link.Now();  // one error per silence
}

void SocketIoSession::Stop(ProtocolLink& link) {
  if (!connected_) return;
  connected_ = false;
  BeginFrame(kDisconnect, 0, nullptr);
  link.SendFrame(frame_, false);
}

}  // namespace

std::unique_ptr<ProtocolSession> MakeSocketIoSession(const ProtocolSetup& setup) {
  return std::make_unique<SocketIoSession>(setup);
}

}  // namespace wsyaml::engine
