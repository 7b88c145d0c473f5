// `match:` (text, contains, regex, json subset, binary, where) and `capture:` (JSON paths,
// regexes).
#include <re2/re2.h>
#include <set>

#include "scenario/json_compiler.h"
#include "scenario/step_compiler.h"
#include "scenario/templates.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

// Flattens nested mappings of a json matcher into leaves.
bool FlattenJson(Context& ctx, const YAML::Node& map, const graph::JsonPath& prefix,
                 const TemplateScope& scope, std::vector<graph::JsonLeaf>* leaves) {
  bool ok = true;
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      ctx.reporter.Error(Pos(key), "JSON keys must be plain text");
      ok = false;
      continue;
    }
    if (!seen.insert(key.Scalar()).second) {
      ctx.reporter.Error(Pos(key), "duplicate key '" + key.Scalar() + "' in json matcher",
                         "YAML keeps only one of them; remove or rename one");
      ok = false;
      continue;
    }
    graph::JsonPath path = prefix;
    path.push_back(graph::PathElem{key.Scalar(), -1});
    if (value.IsMap() && value.size() > 0) {
      ok = FlattenJson(ctx, value, path, scope, leaves) && ok;
      continue;
    }
    graph::JsonLeaf leaf;
    leaf.path = std::move(path);
    leaf.expected.pos = value.IsNull() ? Pos(key) : Pos(value);
    ok = AppendJson(ctx, value, scope, &leaf.expected.segments) && ok;
    leaves->push_back(std::move(leaf));
  }
  return ok;
}

// Compiles `source`, or reports why not at `node` and returns null.
std::shared_ptr<const re2::RE2> NewRegex(Context& ctx, const YAML::Node& node,
                                         const std::string& source) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto regex = std::make_shared<const re2::RE2>(source, options);
  if (regex->ok()) return regex;
  std::string hint = "regexes use RE2 syntax; quote the pattern with '...' in YAML";
  if (regex->error_code() == re2::RE2::ErrorBadPerlOp ||
      regex->error_code() == re2::RE2::ErrorBadEscape) {
    hint =
        "RE2 has no backreferences (\\1) and no lookaround ((?=...), (?!...), (?<=...)), so "
        "that no pattern can hang a run; match the parts with separate matchers instead";
  }
  ctx.reporter.Error(Pos(node), "regex does not compile: " + regex->error(), hint);
  return nullptr;
}

// A `regex` matcher. With `${...}` holes it stays a template (each value QuoteMeta'd at run
// time); it is checked now with every hole standing for a literal "x".
bool CompileRegex(Context& ctx, const YAML::Node& node, const TemplateScope& scope,
                  graph::Matcher* out) {
  graph::Template pattern;
  if (!ReadTemplate(ctx, node, "regex", graph::Escape::kRegex, scope, &pattern)) return false;
  std::string probe;
  for (const graph::Segment& segment : pattern.segments)
    probe += segment.kind == graph::Segment::Kind::kLiteral ? segment.text : "x";
  std::shared_ptr<const re2::RE2> regex = NewRegex(ctx, node, probe);
  if (!regex) return false;
  out->regex_source = node.Scalar();
  if (pattern.IsConstant()) {
    out->regex = std::move(regex);
  } else {
    out->regex_template = std::move(pattern);
  }
  return true;
}

// `group:` of a regex capture: a number, or the name of a (?P<name>...) group.
bool ReadGroup(Context& ctx, const YAML::Node& node, graph::Capture* out) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  bool digits =
      !text.empty() && text.size() < 6 && text.find_first_not_of("0123456789") == std::string::npos;
  if (digits) {
    out->group = std::stoi(text);
  } else {
    const auto& named = out->regex->NamedCapturingGroups();
    auto it = named.find(text);
    if (it == named.end()) {
      ctx.reporter.Error(Pos(node), "the regex has no group named '" + text + "'",
                         "name a group with (?P<name>...), or give its number, e.g. group: 2");
      return false;
    }
    out->group = it->second;
  }
  int groups = out->regex->NumberOfCapturingGroups();
  if (out->group <= groups) return true;
  ctx.reporter.Error(Pos(node),
                     "the regex has " + std::to_string(groups) + " group(s), so group " +
                         std::to_string(out->group) + " does not exist",
                     "group 0 is the whole match; groups are numbered by their '(' from the left");
  return false;
}

// `NAME: {regex: '...', group: N|name}`: a group of the first match in the message text.
bool CompileRegexCapture(Context& ctx, const YAML::Node& node, graph::Capture* out) {
  bool ok = CheckKeys(ctx, node, {"regex", "group"}, "capture");
  YAML::Node pattern = node["regex"];
  if (!pattern) {
    ctx.reporter.Error(Pos(node), "a capture mapping needs a regex",
                       "e.g. capture: {order: {regex: 'order=(\\d+)'}}, or a path: {id: msg.id}");
    return false;
  }
  std::string source;
  if (!ReadString(ctx, pattern, "capture regex", &source)) return false;
  out->regex = NewRegex(ctx, pattern, source);
  if (!out->regex) return false;
  out->regex_source = source;
  if (auto g = node["group"]) return ReadGroup(ctx, g, out) && ok;
  if (out->regex->NumberOfCapturingGroups() == 0) {
    ctx.reporter.Error(Pos(pattern), "the capture regex has no group to store",
                       "put the part to store in (...), or add group: 0 for the whole match");
    return false;
  }
  return ok;
}

}  // namespace

namespace {

// The matcher key of a protocol's messages: socket.io `event`, graphql-ws `subscription`,
// stomp `headers`; null for raw frames.
const char* ProtocolMatcherKey(graph::Protocol protocol) {
  switch (protocol) {
    case graph::Protocol::kSocketIo:
      return "event";
    case graph::Protocol::kGraphqlWs:
      return "subscription";
    case graph::Protocol::kStomp:
      return "headers";
    case graph::Protocol::kRaw:
      break;
  }
  return nullptr;
}

// A protocol's matcher key used on a connection of another protocol: an error that says which.
bool CheckProtocolKeys(Context& ctx, const YAML::Node& node, const char* allowed) {
  static const std::pair<const char*, const char*> kKeys[] = {
      {"event", "socket.io"}, {"subscription", "graphql-ws"}, {"headers", "stomp"}};
  bool ok = true;
  for (const auto& [key, protocol] : kKeys) {
    if (!node[key] || (allowed && std::string(allowed) == key)) continue;
    ctx.reporter.Error(Pos(node[key]),
                       std::string("`") + key + ":` matches " + protocol + " messages only",
                       std::string("give the connect `protocol: ") + protocol + "`");
    ok = false;
  }
  return ok;
}

}  // namespace

bool CompileMatcher(Context& ctx, const YAML::Node& node, const TemplateScope& scope,
                    graph::Matcher* out) {
  if (node.IsNull()) return true;
  if (!node.IsMap()) {
    return WrongType(ctx, node, "match", "a mapping",
                     "e.g. match: {json: {event: CHAT_MSG}} or match: {contains: hello}");
  }
  // The protocols' keys are known everywhere: on another protocol's connection (or a raw one)
  // CheckProtocolKeys says which protocol they belong to.
  bool ok = CheckKeys(
      ctx, node,
      {"text", "contains", "regex", "json", "binary", "where", "event", "subscription", "headers"},
      "match");
  const char* protocol_key = ProtocolMatcherKey(scope.protocol);
  ok = CheckProtocolKeys(ctx, node, protocol_key) && ok;
  if (protocol_key && std::string(protocol_key) == "headers") {
    if (auto v = node["headers"]) {
      ok = ReadTemplateMap(ctx, v, "match headers", "e.g. headers: {destination: /topic/t}", scope,
                           &out->headers) &&
           ok;
    }
  } else if (protocol_key) {
    if (auto v = node[protocol_key]) {
      out->event.emplace();
      ok = ReadTemplate(ctx, v, std::string("match ") + protocol_key, graph::Escape::kNone, scope,
                        &*out->event) &&
           ok;
    }
  }
  if (auto v = node["text"]) {
    out->text.emplace();
    ok = ReadTemplate(ctx, v, "match text", graph::Escape::kNone, scope, &*out->text) && ok;
  }
  if (auto v = node["contains"]) {
    out->contains.emplace();
    ok = ReadTemplate(ctx, v, "match contains", graph::Escape::kNone, scope, &*out->contains) && ok;
  }
  if (auto v = node["regex"]) ok = CompileRegex(ctx, v, scope, out) && ok;
  if (auto v = node["json"]) {
    out->has_json = true;
    if (v.IsNull()) {
      // `json:` alone: any JSON message.
    } else if (!v.IsMap()) {
      ok = WrongType(ctx, v, "match json", "a mapping of fields", "e.g. json: {event: CHAT_MSG}");
    } else {
      ok = FlattenJson(ctx, v, {}, scope, &out->json) && ok;
    }
  }
  if (auto v = node["where"]) {
    TemplateScope where_scope = scope;
    where_scope.msg = true;  // the message being matched
    graph::Expr condition;
    ok = ReadCondition(ctx, v, "where", where_scope, &condition) && ok;
    out->where = std::make_shared<const graph::Expr>(std::move(condition));
  }
  if (auto v = node["binary"]) {
    bool binary = false;
    if (ReadBool(ctx, v, "match binary", &binary)) {
      out->binary = binary;
    } else {
      ok = false;
    }
  }
  return ok;
}

bool CompileCaptures(Context& ctx, const YAML::Node& node, std::vector<graph::Capture>* out) {
  if (!node.IsMap()) {
    return WrongType(ctx, node, "capture", "a mapping of NAME: msg.path or NAME: {regex: ...}",
                     "e.g. capture: {user_id: msg.user.id, order: {regex: 'order=(\\d+)'}}");
  }
  bool ok = true;
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar() || !seen.insert(key.Scalar()).second) {
      ctx.reporter.Error(Pos(key), "duplicate or invalid capture name");
      ok = false;
      continue;
    }
    graph::Capture capture;
    capture.slot = ctx.Slot(key.Scalar());
    std::string text;
    std::string error;
    if (it->second.IsMap()) {
      if (CompileRegexCapture(ctx, it->second, &capture))
        out->push_back(std::move(capture));
      else
        ok = false;
    } else if (!ReadString(ctx, it->second, "capture " + key.Scalar(), &text)) {
      ok = false;
    } else if (!ParseMsgPath(text, &capture.path, &error)) {
      ctx.reporter.Error(Pos(it->second), error);
      ok = false;
    } else {
      out->push_back(std::move(capture));
    }
  }
  return ok;
}

}  // namespace wsyaml::scenario
