// Steps about connections and messages: connect, send (payloads, reply), expect.
#include <cctype>

#include "scenario/json_compiler.h"
#include "scenario/literal_checks.h"
#include "scenario/sections.h"
#include "scenario/step_compiler.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

const std::vector<std::string> kPayloadKeys = {"text", "json", "base64", "hex", "file"};

bool DecodeBase64(const std::string& in, std::string* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  unsigned bits = 0;
  int count = 0;
  size_t padding = 0;
  for (char c : in) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      ++padding;
      continue;
    }
    int v = value(c);
    if (v < 0 || padding > 0) return false;
    bits = (bits << 6) | static_cast<unsigned>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out->push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return padding <= 2;
}

bool DecodeHex(const std::string& in, std::string* out) {
  std::string digits;
  for (char c : in) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    digits += c;
  }
  if (digits.size() % 2 != 0) return false;
  for (size_t i = 0; i < digits.size(); i += 2)
    out->push_back(static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16)));
  return true;
}

}  // namespace

bool StepCompiler::Connect(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                           graph::Step* out) {
  graph::Connect c;
  bool ok = true;
  StepScope url_scope = scope;
  if (value.IsScalar()) {
    ok = ReadTemplate(ctx_, value, "url", graph::Escape::kNone, scope.templates, &c.url) &&
         CheckUrl(ctx_, value, c.url, "url");
  } else if (value.IsMap()) {
    ok = ConnectOptions(value, scope, &c);
  } else {
    return WrongType(ctx_, value, "connect", "a URL or a mapping",
                     "e.g. connect: /ws or connect: {url: /ws, steps: [...]}");
  }
  if (!c.has_steps && !scope.handler.empty()) {
    ctx_.reporter.Error(
        Pos(key), "'connect' without steps waits, so it cannot be used inside " + scope.handler,
        "give it steps: [...] so it runs asynchronously, or use `after`");
    ok = false;
  }
  if (ok && ctx_.plan.target.empty() && !ctx_.target_written && !c.url.segments.empty() &&
      c.url.segments[0].kind == graph::Segment::Kind::kLiteral &&
      c.url.segments[0].text.rfind("ws", 0) != 0) {
    ctx_.reporter.Error(c.url.pos, "relative url needs a target",
                        "add target: ws://127.0.0.1:8080 (or builtin:echo) at the top");
    ok = false;
  }
  out->action = std::move(c);
  return ok;
}

namespace {

bool ReadSubprotocols(Context& ctx, const YAML::Node& v, graph::Connect* c) {
  if (v.IsScalar()) {
    c->subprotocols.push_back(v.Scalar());
    return true;
  }
  if (!v.IsSequence()) return WrongType(ctx, v, "subprotocols", "a list of names");
  bool ok = true;
  for (const auto& p : v) {
    std::string s;
    if (ReadString(ctx, p, "subprotocol", &s))
      c->subprotocols.push_back(s);
    else
      ok = false;
  }
  return ok;
}

// Constant tags go to `tags`; a value with a hole also to `templated_tags`, rendered per
// connection.
bool ReadConnectTags(Context& ctx, const YAML::Node& v, const TemplateScope& templates,
                     graph::Connect* c) {
  if (!v.IsMap()) return WrongType(ctx, v, "tags", "a mapping", "e.g. tags: {room: lobby}");
  if (!CheckKeys(ctx, v, {}, "tags")) return true;
  bool ok = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::string tag_value;
    if (!ReadString(ctx, it->second, "tag " + it->first.Scalar(), &tag_value)) ok = false;
    if (tag_value.find("${") != std::string::npos) {
      graph::Template tmpl;
      ok = ReadTemplate(ctx, it->second, "tag " + it->first.Scalar(), graph::Escape::kNone,
                        templates, &tmpl) &&
           ok;
      if (tmpl.IsConstant()) {
        tag_value.clear();
        for (const auto& segment : tmpl.segments) tag_value += segment.text;
      } else {
        c->templated_tags.emplace_back(it->first.Scalar(), std::move(tmpl));
      }
    }
    c->tags.emplace_back(it->first.Scalar(), tag_value);
    ctx.tag_keys.insert(it->first.Scalar());
  }
  return ok;
}

bool ReadReconnect(Context& ctx, const YAML::Node& v, graph::Connect* c) {
  if (!v.IsMap())
    return WrongType(ctx, v, "reconnect", "a mapping", "e.g. reconnect: {max: 5, backoff: 1s..5s}");
  bool ok = CheckKeys(ctx, v, {"max", "backoff"}, "reconnect");
  if (auto m = v["max"]) ok = ReadInt(ctx, m, "max", 0, &c->reconnect.max) && ok;
  if (auto b = v["backoff"]) ok = ReadRange(ctx, b, "backoff", &c->reconnect.backoff) && ok;
  return ok;
}

bool ReadTls(Context& ctx, const YAML::Node& v, graph::Connect* c) {
  if (!v.IsMap()) return WrongType(ctx, v, "tls", "a mapping", "e.g. tls: {ca: certs/ca.pem}");
  graph::TlsOptions tls;
  bool ok = CheckKeys(ctx, v, {"ca", "cert", "key", "server-name", "insecure"}, "tls");
  if (auto f = v["ca"]) ok = ReadString(ctx, f, "ca", &tls.ca_file) && ok;
  if (auto f = v["cert"]) ok = ReadString(ctx, f, "cert", &tls.cert_file) && ok;
  if (auto f = v["key"]) ok = ReadString(ctx, f, "key", &tls.key_file) && ok;
  if (auto f = v["server-name"]) ok = ReadString(ctx, f, "server-name", &tls.server_name) && ok;
  if (auto f = v["insecure"]) ok = ReadBool(ctx, f, "insecure", &tls.insecure) && ok;
  // Certificate files are relative to the scenario, like data and payload files.
  // A missing one would fail every connection's TLS setup: checked now.
  for (auto [file, name] : {std::pair{&tls.ca_file, "ca"}, std::pair{&tls.cert_file, "cert"},
                            std::pair{&tls.key_file, "key"}}) {
    if (file->empty()) continue;
    ctx.files_read.push_back(*file);
    if ((*file)[0] != '/') *file = ctx.options.base_dir + "/" + *file;
    ok = CheckReadableFile(ctx, v[name], *file, name) && ok;
  }
  c->tls = tls;
  return ok;
}

bool ReadMaxMessageSize(Context& ctx, const YAML::Node& v, graph::Connect* c) {
  std::string text = v.IsScalar() ? v.Scalar() : "";
  size_t digits = text.find_first_not_of("0123456789");
  std::string unit = digits == std::string::npos ? "" : text.substr(digits);
  long long number = digits == 0 ? -1 : std::atoll(text.substr(0, digits).c_str());
  long long scale = unit == "B" ? 1 : unit == "KB" ? 1024 : unit == "MB" ? 1024 * 1024 : 0;
  if (number <= 0 || scale == 0) {
    ctx.reporter.Error(Pos(v), "max-message-size must be a size like 64KB, 1MB or 512B",
                       "e.g. max-message-size: 1MB");
    return false;
  }
  c->max_message_size = static_cast<size_t>(number * scale);
  return true;
}

// `compression: deflate` offers permessage-deflate (RFC 7692); `none` or false does not.
bool ReadCompression(Context& ctx, const YAML::Node& v, graph::Connect* c) {
  const char* hint =
      "write compression: deflate (permessage-deflate, as browsers offer it) or "
      "compression: none";
  if (!v.IsScalar()) return WrongType(ctx, v, "compression", "deflate or none", hint);
  const std::string& text = v.Scalar();
  if (text == "deflate" || text == "permessage-deflate") {
    c->compression = true;
    return true;
  }
  if (text == "none" || text == "false") return true;
  ctx.reporter.Error(Pos(v), "unknown compression '" + text + "'", hint);
  return false;
}

}  // namespace

bool StepCompiler::ConnectOptions(const YAML::Node& value, const StepScope& scope,
                                  graph::Connect* c) {
  bool ok = CheckKeys(ctx_, value,
                      {"url", "name", "count", "steps", "headers", "subprotocols", "timeout",
                       "tags", "reconnect", "tls", "compression", "origin", "max-message-size",
                       "inbox", "vars", "protocol", "socket.io", "stomp", "graphql-ws"},
                      "connect");
  if (auto v = value["url"]) {
    ok = ReadTemplate(ctx_, v, "url", graph::Escape::kNone, scope.templates, &c->url) &&
         CheckUrl(ctx_, v, c->url, "url") && ok;
  } else {
    ctx_.reporter.Error(Pos(value), "connect needs a url", "e.g. url: /ws/chat");
    ok = false;
  }
  ok = ReadName(value, &c->name) && ok;
  if (!c->name.empty()) ctx_.connection_names.insert(c->name);
  if (auto v = value["count"]) ok = ReadInt(ctx_, v, "count", 1, &c->count) && ok;
  if (auto v = value["inbox"]) ok = ReadInt(ctx_, v, "inbox", 0, &c->inbox) && ok;
  if (auto v = value["timeout"]) {
    ok = ReadPositiveDuration(ctx_, v, "timeout",
                              "a 0s timeout would fail every connection before it opens; leave "
                              "it out for the default, 10s",
                              &c->timeout) &&
         ok;
  }
  if (auto v = value["headers"]) {
    ok = ReadTemplateMap(ctx_, v, "headers", "e.g. headers: {Authorization: Bearer x}",
                         scope.templates, &c->headers) &&
         ok;
  }
  if (auto v = value["subprotocols"]) ok = ReadSubprotocols(ctx_, v, c) && ok;
  if (auto v = value["tags"]) ok = ReadConnectTags(ctx_, v, scope.templates, c) && ok;
  if (auto v = value["reconnect"]) ok = ReadReconnect(ctx_, v, c) && ok;
  if (auto v = value["tls"]) ok = ReadTls(ctx_, v, c) && ok;
  if (auto v = value["compression"]) ok = ReadCompression(ctx_, v, c) && ok;
  if (auto v = value["origin"]) {
    graph::Template origin;
    ok = ReadTemplate(ctx_, v, "origin", graph::Escape::kNone, scope.templates, &origin) && ok;
    c->headers.emplace_back("Origin", std::move(origin));
  }
  if (auto v = value["max-message-size"]) ok = ReadMaxMessageSize(ctx_, v, c) && ok;
  if (auto v = value["vars"]) CompileVars(ctx_, v, "connect vars", {}, &c->vars);
  ok = ProtocolOptions(value, scope, c) && ok;
  if (auto v = value["steps"]) {
    c->has_steps = true;
    StepScope program;
    program.connection = true;
    program.protocol = c->protocol.kind;
    program.templates.protocol = c->protocol.kind;
    ok = CompileList(v, program, &c->steps) && ok;
  }
  return ok;
}

bool StepCompiler::Send(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                        graph::Step* out) {
  graph::Send s;
  bool ok = true;
  if (value.IsScalar()) {
    ok =
        ReadTemplate(ctx_, value, "send", graph::Escape::kNone, scope.templates, &s.payload.body) &&
        CheckUtf8(ctx_, value, s.payload.body.segments, "text message");
  } else if (value.IsMap()) {
    ok = Payload(value, scope, &s);
  } else if (value.IsNull()) {
    ctx_.reporter.Error(Pos(key), "send needs a message",
                        "e.g. send: hello or send: {json: {...}}");
    return false;
  } else {
    return WrongType(ctx_, value, "send", "text or a mapping", "e.g. send: {json: {...}}");
  }
  out->action = std::move(s);
  return ok;
}

namespace {

// The first key of a send mapping that is neither a payload nor `to`/`reply`: an error with a
// did-you-mean, or the JSON spelling when the user wrote the message's own keys.
bool UnknownSendKey(Context& ctx, const YAML::Node& value, const std::string& key,
                    const std::vector<std::string>& allowed) {
  YAML::Node first_bad;
  for (auto it = value.begin(); it != value.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) first_bad = it->first;
  std::string hint = DidYouMean(key, allowed);
  ctx.reporter.Error(Pos(first_bad), "unknown key '" + key + "' in send",
                     hint.empty() ? "to send JSON write send: {json: {" + key +
                                        ": ...}}; a send mapping takes one of text, json, "
                                        "base64, hex, file, plus to and reply"
                                  : hint);
  return false;
}

// base64, hex or file: the bytes, decoded or read now. False (reported) when they cannot be.
bool ReadBinaryPayload(Context& ctx, const YAML::Node& body, const std::string& kind,
                       graph::Payload* p) {
  p->kind = graph::Payload::Kind::kBinary;
  std::string text;
  if (!ReadString(ctx, body, kind, &text)) return false;
  if (kind == "base64" && !DecodeBase64(text, &p->bytes)) {
    ctx.reporter.Error(Pos(body), "not valid base64");
    return false;
  }
  if (kind == "hex" && !DecodeHex(text, &p->bytes)) {
    ctx.reporter.Error(Pos(body), "not valid hex", "write bytes as pairs of hex digits, e.g. 01ff");
    return false;
  }
  if (kind == "file") {
    ctx.files_read.push_back(text);
    std::string path = !text.empty() && text[0] == '/' ? text : ctx.options.base_dir + "/" + text;
    std::string error;
    if (!ReadSmallFile(path, &p->bytes, &error)) {
      ctx.reporter.Error(Pos(body), "cannot read file '" + path + "': " + error,
                         "paths are relative to the scenario file");
      return false;
    }
  }
  return true;
}

}  // namespace

bool StepCompiler::Payload(const YAML::Node& value, const StepScope& scope, graph::Send* send) {
  bool ok = true;
  std::vector<std::string> allowed = kPayloadKeys;
  allowed.push_back("to");
  allowed.push_back("reply");
  if (scope.protocol == graph::Protocol::kStomp)
    allowed.insert(allowed.end(), {"destination", "headers", "receipt"});
  std::vector<std::string> others;
  YAML::Node payload_key;
  YAML::Node second_payload_key;
  int payloads = 0;
  for (auto it = value.begin(); it != value.end(); ++it) {
    std::string k = it->first.IsScalar() ? it->first.Scalar() : "";
    bool known = false;
    for (const auto& a : allowed) known = known || a == k;
    if (!known) others.push_back(k);
    for (const auto& p : kPayloadKeys) {
      if (k != p) continue;
      if (payloads == 0) payload_key = it->first;
      if (payloads == 1) second_payload_key = it->first;
      ++payloads;
    }
  }
  if (!others.empty()) return UnknownSendKey(ctx_, value, others[0], allowed);
  ok = CheckKeys(ctx_, value, allowed, "send");
  if (payloads != 1) {
    ctx_.reporter.Error(payloads == 0 ? Pos(value) : Pos(second_payload_key),
                        payloads == 0 ? "send needs one of text, json, base64, hex, file"
                                      : "send takes only one of text, json, base64, hex, file",
                        "e.g. send: {json: {event: SAY}}");
    return false;
  }
  const std::string kind = payload_key.Scalar();
  const YAML::Node body = value[kind];
  graph::Payload& p = send->payload;
  if (kind == "text") {
    ok = ReadTemplate(ctx_, body, "text", graph::Escape::kNone, scope.templates, &p.body) &&
         CheckUtf8(ctx_, body, p.body.segments, "text message") && ok;
  } else if (kind == "json") {
    p.kind = graph::Payload::Kind::kJson;
    p.body.pos = Pos(body);
    ok = AppendJson(ctx_, body, scope.templates, &p.body.segments) && ok;
  } else {
    ok = ReadBinaryPayload(ctx_, body, kind, &p) && ok;
  }
  if (auto v = value["to"]) {
    if (ReadString(ctx_, v, "to", &send->to)) {
      ctx_.to_refs.push_back(Reference{send->to, Pos(v)});
    } else {
      ok = false;
    }
  }
  if (auto v = value["reply"]) ok = Reply(v, scope, send) && ok;
  if (scope.protocol == graph::Protocol::kStomp) ok = StompSend(value, scope, send) && ok;
  return ok;
}

bool StepCompiler::Reply(const YAML::Node& value, const StepScope& scope, graph::Send* send) {
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "reply", "a mapping",
                     "e.g. reply: {match: {json: {id: \"${sent.id}\"}}, within: 2s}");
  }
  graph::Reply r;
  bool ok = CheckKeys(ctx_, value, {"match", "within", "name"}, "reply");
  TemplateScope templates = scope.templates;
  templates.sent = true;
  if (auto v = value["match"]) ok = CompileMatcher(ctx_, v, templates, &r.match) && ok;
  if (auto v = value["within"]) {
    ok = ReadPositiveDuration(ctx_, v, "within",
                              "0s would fail every reply before it can arrive; leave it out for "
                              "the default, 10s",
                              &r.within) &&
         ok;
  }
  ok = ReadName(value, &r.name) && ok;
  if (r.name.empty()) r.name = "reply at line " + std::to_string(Pos(value).line);
  send->reply = std::move(r);
  return ok;
}

bool StepCompiler::Expect(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                          graph::Step* out) {
  graph::Expect e;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "expect", "a mapping",
                     "e.g. expect: {match: {contains: pong}, within: 2s}");
  }
  bool ok = CheckKeys(ctx_, value, {"match", "within", "capture", "name"}, "expect");
  if (auto v = value["match"]) ok = CompileMatcher(ctx_, v, scope.templates, &e.match) && ok;
  if (auto v = value["within"]) {
    ok = ReadPositiveDuration(ctx_, v, "within",
                              "0s would fail every expect that has to wait for its message; "
                              "leave it out for the default, 10s",
                              &e.within) &&
         ok;
  }
  if (auto v = value["capture"]) ok = CompileCaptures(ctx_, v, &e.captures) && ok;
  ok = ReadName(value, &e.name) && ok;
  if (e.name.empty()) e.name = "expect at line " + std::to_string(Pos(key).line);
  out->action = std::move(e);
  return ok;
}

}  // namespace wsyaml::scenario
