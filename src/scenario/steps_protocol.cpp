// Protocols on top of WebSocket (SCENARIO.md section 10): a connect's `protocol:` and its
// option block, and the steps that speak a protocol (emit, subscribe, unsubscribe, ack, nack,
// a STOMP send's destination/headers/receipt).
#include <string>
#include <utility>

#include "scenario/json_compiler.h"
#include "scenario/step_compiler.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

const char* ProtocolName(graph::Protocol protocol) {
  switch (protocol) {
    case graph::Protocol::kRaw:
      return "raw";
    case graph::Protocol::kSocketIo:
      return "socket.io";
    case graph::Protocol::kStomp:
      return "stomp";
    case graph::Protocol::kGraphqlWs:
      return "graphql-ws";
  }
  return "?";
}

// A step that only a connection of `wanted` (or `also`) can run.
bool NeedsProtocol(Context& ctx, const YAML::Node& key, graph::Protocol actual,
                   graph::Protocol wanted, graph::Protocol also = graph::Protocol::kRaw) {
  if (actual == wanted || (also != graph::Protocol::kRaw && actual == also)) return true;
  std::string names =
      std::string(ProtocolName(wanted)) +
      (also != graph::Protocol::kRaw ? std::string(" or ") + ProtocolName(also) : std::string());
  ctx.reporter.Error(Pos(key),
                     "'" + key.Scalar() + "' needs a " + names + " connection, and this one is " +
                         ProtocolName(actual),
                     "give the connect `protocol: " + std::string(ProtocolName(wanted)) + "`");
  return false;
}

bool ReadJsonTemplate(Context& ctx, const YAML::Node& node, const TemplateScope& scope,
                      graph::Template* out) {
  out->pos = Pos(node);
  return AppendJson(ctx, node, scope, &out->segments);
}

// `heart-beat: [10s, 10s]`: what we send, what we want from the server (0 = none).
bool ReadHeartbeat(Context& ctx, const YAML::Node& node, graph::ProtocolOptions* out) {
  if (!node.IsSequence() || node.size() != 2)
    return WrongType(ctx, node, "heart-beat", "two durations: [send, receive]",
                     "e.g. heart-beat: [10s, 10s] (0 = none that way)");
  bool ok = ReadDuration(ctx, node[0], "heart-beat send", &out->heartbeat_send);
  return ReadDuration(ctx, node[1], "heart-beat receive", &out->heartbeat_receive) && ok;
}

bool ReadBlock(Context& ctx, const YAML::Node& block, const TemplateScope& scope,
               graph::ProtocolOptions* out) {
  bool ok = true;
  if (auto v = block["timeout"]) {
    ok = ReadPositiveDuration(ctx, v, "timeout",
                              "the protocol's handshake cannot finish in 0s; leave it out for the "
                              "default, 10s",
                              &out->handshake_timeout) &&
         ok;
  }
  switch (out->kind) {
    case graph::Protocol::kSocketIo:
      ok = CheckKeys(ctx, block, {"namespace", "auth", "timeout"}, "socket.io") && ok;
      if (auto v = block["namespace"])
        ok = ReadString(ctx, v, "namespace", &out->socketio_namespace) && ok;
      if (!out->socketio_namespace.empty() && out->socketio_namespace[0] != '/') {
        ctx.reporter.Error(Pos(block["namespace"]), "a namespace starts with /",
                           "e.g. namespace: /chat");
        ok = false;
      }
      if (auto v = block["auth"]) ok = ReadJsonTemplate(ctx, v, scope, &out->auth.emplace()) && ok;
      break;
    case graph::Protocol::kStomp:
      ok = CheckKeys(ctx, block, {"login", "passcode", "host", "heart-beat", "timeout"}, "stomp") &&
           ok;
      if (auto v = block["login"])
        ok = ReadTemplate(ctx, v, "login", graph::Escape::kNone, scope, &out->login) && ok;
      if (auto v = block["passcode"])
        ok = ReadTemplate(ctx, v, "passcode", graph::Escape::kNone, scope, &out->passcode) && ok;
      if (auto v = block["host"])
        ok = ReadTemplate(ctx, v, "host", graph::Escape::kNone, scope, &out->host) && ok;
      if (auto v = block["heart-beat"]) ok = ReadHeartbeat(ctx, v, out) && ok;
      break;
    case graph::Protocol::kGraphqlWs:
      ok = CheckKeys(ctx, block, {"payload", "timeout"}, "graphql-ws") && ok;
      if (auto v = block["payload"])
        ok = ReadJsonTemplate(ctx, v, scope, &out->init_payload.emplace()) && ok;
      break;
    case graph::Protocol::kRaw:
      break;
  }
  return ok;
}

}  // namespace

bool StepCompiler::ProtocolOptions(const YAML::Node& value, const StepScope& scope,
                                   graph::Connect* c) {
  static const graph::Protocol kKinds[] = {graph::Protocol::kSocketIo, graph::Protocol::kStomp,
                                           graph::Protocol::kGraphqlWs};
  graph::ProtocolOptions& options = c->protocol;
  if (auto v = value["protocol"]) {
    std::string name;
    if (!ReadString(ctx_, v, "protocol", &name)) return false;
    bool known = false;
    for (graph::Protocol kind : kKinds) {
      if (name != ProtocolName(kind)) continue;
      options.kind = kind;
      known = true;
    }
    if (!known) {
      std::string hint = DidYouMean(name, {"socket.io", "stomp", "graphql-ws"});
      ctx_.reporter.Error(Pos(v), "unknown protocol '" + name + "'",
                          hint.empty() ? "one of socket.io, stomp, graphql-ws; leave it out for "
                                         "raw WebSocket frames"
                                       : hint);
      return false;
    }
  }
  bool ok = true;
  for (graph::Protocol kind : kKinds) {
    YAML::Node block = value[ProtocolName(kind)];
    if (!block) continue;
    if (kind != options.kind) {
      ctx_.reporter.Error(Pos(block),
                          std::string("`") + ProtocolName(kind) +
                              ":` options without `protocol: " + ProtocolName(kind) + "`",
                          std::string("add protocol: ") + ProtocolName(kind));
      ok = false;
    } else if (block.IsNull()) {
      // `stomp:` alone: the defaults.
    } else if (!block.IsMap()) {
      ok = WrongType(ctx_, block, ProtocolName(kind), "a mapping of options") && ok;
    } else {
      ok = ReadBlock(ctx_, block, scope.templates, &options) && ok;
    }
  }
  return ok;
}

bool StepCompiler::ReadAwaited(const YAML::Node& value, const std::string& what,
                               graph::Reply* out) {
  if (!value.IsMap())
    return WrongType(ctx_, value, what, "a mapping", "e.g. " + what + ": {within: 2s, name: x}");
  bool ok = CheckKeys(ctx_, value, {"within", "name"}, what);
  if (auto v = value["within"]) {
    ok = ReadPositiveDuration(ctx_, v, "within", "leave it out for the default, 10s",
                              &out->within) &&
         ok;
  }
  ok = ReadName(value, &out->name) && ok;
  if (out->name.empty()) out->name = what + " at line " + std::to_string(Pos(value).line);
  return ok;
}

bool StepCompiler::Emit(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                        graph::Step* out) {
  if (!NeedsProtocol(ctx_, key, scope.protocol, graph::Protocol::kSocketIo)) return false;
  if (!value.IsMap())
    return WrongType(ctx_, value, "emit", "a mapping",
                     "e.g. emit: {event: chat, data: {text: hi}}");
  graph::Emit e;
  bool ok = CheckKeys(ctx_, value, {"event", "data", "args", "ack", "to"}, "emit");
  if (auto v = value["event"]) {
    ok = ReadTemplate(ctx_, v, "event", graph::Escape::kNone, scope.templates, &e.event) && ok;
  } else {
    ctx_.reporter.Error(Pos(value), "emit needs an event", "e.g. emit: {event: chat, data: hi}");
    ok = false;
  }
  if (value["data"] && value["args"]) {
    ctx_.reporter.Error(Pos(value["args"]),
                        "emit takes data (one argument) or args (a list), not both");
    ok = false;
  }
  std::vector<YAML::Node> args;
  if (auto v = value["data"]) args.push_back(v);
  if (auto v = value["args"]) {
    if (!v.IsSequence())
      return WrongType(ctx_, v, "args", "a list", "e.g. args: [room1, {text: hi}]");
    for (const auto& arg : v) args.push_back(arg);
  }
  for (const YAML::Node& arg : args) {
    graph::Payload p;
    p.kind = graph::Payload::Kind::kJson;
    ok = ReadJsonTemplate(ctx_, arg, scope.templates, &p.body) && ok;
    e.args.push_back(std::move(p));
  }
  if (auto v = value["to"]) {
    if (ReadString(ctx_, v, "to", &e.to))
      ctx_.to_refs.push_back(Reference{e.to, Pos(v)});
    else
      ok = false;
  }
  if (auto v = value["ack"]) ok = ReadAwaited(v, "ack", &e.ack.emplace()) && ok;
  out->action = std::move(e);
  return ok;
}

bool StepCompiler::Subscribe(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                             graph::Step* out) {
  if (!NeedsProtocol(ctx_, key, scope.protocol, graph::Protocol::kStomp,
                     graph::Protocol::kGraphqlWs))
    return false;
  if (!value.IsMap())
    return WrongType(ctx_, value, "subscribe", "a mapping",
                     scope.protocol == graph::Protocol::kStomp
                         ? "e.g. subscribe: {destination: /topic/prices, ack: client-individual}"
                         : "e.g. subscribe: {name: prices, query: \"subscription { price }\"}");
  graph::Subscribe s;
  bool ok = true;
  if (scope.protocol == graph::Protocol::kStomp) {
    ok = CheckKeys(ctx_, value, {"destination", "id", "ack", "headers", "name"}, "subscribe");
    if (auto v = value["destination"]) {
      ok = ReadTemplate(ctx_, v, "destination", graph::Escape::kNone, scope.templates,
                        &s.destination) &&
           ok;
    } else {
      ctx_.reporter.Error(Pos(value), "subscribe needs a destination",
                          "e.g. destination: /topic/t");
      ok = false;
    }
    if (auto v = value["id"]) ok = ReadString(ctx_, v, "id", &s.id) && ok;
    if (auto v = value["ack"]) {
      std::string mode;
      ok = ReadString(ctx_, v, "ack", &mode) && ok;
      if (mode == "client")
        s.ack = graph::Subscribe::AckMode::kClient;
      else if (mode == "client-individual")
        s.ack = graph::Subscribe::AckMode::kClientIndividual;
      else if (mode != "auto") {
        ctx_.reporter.Error(Pos(v), "unknown ack mode '" + mode + "'",
                            "one of auto, client, client-individual");
        ok = false;
      }
    }
    if (auto v = value["headers"]) {
      ok = ReadTemplateMap(ctx_, v, "headers", "e.g. headers: {selector: \"type = 'a'\"}",
                           scope.templates, &s.headers) &&
           ok;
    }
    ok = ReadName(value, &s.name) && ok;
    if (s.id.empty()) s.id = s.name.empty() ? "sub-" + std::to_string(Pos(key).line) : s.name;
    if (s.name.empty()) s.name = s.id;
  } else {
    ok = CheckKeys(ctx_, value, {"name", "query", "variables", "operation-name", "within"},
                   "subscribe");
    if (auto v = value["query"]) {
      ok = ReadTemplate(ctx_, v, "query", graph::Escape::kNone, scope.templates, &s.query) && ok;
    } else {
      ctx_.reporter.Error(Pos(value), "subscribe needs a query",
                          "e.g. query: \"subscription { price(symbol: \\\"A\\\") }\"");
      ok = false;
    }
    if (auto v = value["variables"])
      ok = ReadJsonTemplate(ctx_, v, scope.templates, &s.variables.emplace()) && ok;
    if (auto v = value["operation-name"]) {
      ok = ReadTemplate(ctx_, v, "operation-name", graph::Escape::kNone, scope.templates,
                        &s.operation_name.emplace()) &&
           ok;
    }
    ok = ReadName(value, &s.name) && ok;
    if (s.name.empty()) s.name = "subscription at line " + std::to_string(Pos(key).line);
    graph::Reply& first = s.reply.emplace();
    first.name = s.name;
    if (auto v = value["within"]) {
      ok = ReadPositiveDuration(ctx_, v, "within", "leave it out for the default, 10s",
                                &first.within) &&
           ok;
    }
  }
  out->action = std::move(s);
  return ok;
}

bool StepCompiler::Unsubscribe(const YAML::Node& value, const YAML::Node& key,
                               const StepScope& scope, graph::Step* out) {
  if (!NeedsProtocol(ctx_, key, scope.protocol, graph::Protocol::kStomp,
                     graph::Protocol::kGraphqlWs))
    return false;
  graph::Unsubscribe u;
  if (!ReadString(ctx_, value, "unsubscribe", &u.name)) return false;
  out->action = std::move(u);
  return true;
}

bool StepCompiler::Ack(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                       graph::Step* out) {
  if (!NeedsProtocol(ctx_, key, scope.protocol, graph::Protocol::kStomp)) return false;
  if (value && !value.IsNull() && !(value.IsMap() && value.size() == 0))
    return WrongType(ctx_, value, key.Scalar(), "nothing",
                     "write - " + key.Scalar() + " inside the on-message of the MESSAGE");
  if (!scope.templates.msg) {
    ctx_.reporter.Error(Pos(key), "'" + key.Scalar() + "' acknowledges the message being handled",
                        "put it in the do: of an on-message");
    return false;
  }
  graph::Acknowledge a;
  a.negative = key.Scalar() == "nack";
  out->action = a;
  return true;
}

bool StepCompiler::StompSend(const YAML::Node& value, const StepScope& scope, graph::Send* send) {
  bool ok = true;
  if (auto v = value["destination"]) {
    ok = ReadTemplate(ctx_, v, "destination", graph::Escape::kNone, scope.templates,
                      &send->destination) &&
         ok;
  } else {
    ctx_.reporter.Error(Pos(value), "a STOMP send needs a destination",
                        "e.g. destination: /topic/t");
    ok = false;
  }
  if (auto v = value["headers"]) {
    ok = ReadTemplateMap(ctx_, v, "headers", "e.g. headers: {priority: \"9\"}", scope.templates,
                         &send->headers) &&
         ok;
  }
  if (auto v = value["receipt"]) ok = ReadAwaited(v, "receipt", &send->receipt.emplace()) && ok;
  return ok;
}

}  // namespace wsyaml::scenario
