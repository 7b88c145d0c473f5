// Step lists, the step table, handlers and timers.
#include <set>

#include "scenario/json_compiler.h"
#include "scenario/step_compiler.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

const StepCompiler::StepKind StepCompiler::kSteps[] = {
    {"connect", &StepCompiler::Connect, false, false},
    {"send", &StepCompiler::Send, false, false},
    {"on-message", &StepCompiler::OnMessage, false, false},
    {"on-open", &StepCompiler::OnEvent, false, false},
    {"on-close", &StepCompiler::OnEvent, false, false},
    {"on-error", &StepCompiler::OnEvent, false, false},
    {"every", &StepCompiler::Every, false, false},
    {"after", &StepCompiler::After, false, false},
    {"cancel", &StepCompiler::Cancel, false, false},
    {"close", &StepCompiler::Close, true, false},
    {"ping", &StepCompiler::Ping, true, false},
    {"expect", &StepCompiler::Expect, false, true},
    {"sleep", &StepCompiler::Sleep, false, true},
    {"wait", &StepCompiler::Wait, true, true},
    {"log", &StepCompiler::Log, false, false},
    {"set", &StepCompiler::Set, false, false},
    {"repeat", &StepCompiler::Repeat, false, true},
    {"fail", &StepCompiler::Fail, true, false},
    {"if", &StepCompiler::If, false, false},
    {"check", &StepCompiler::Check, false, false},
    {"emit", &StepCompiler::Emit, false, false},
    {"subscribe", &StepCompiler::Subscribe, false, false},
    {"unsubscribe", &StepCompiler::Unsubscribe, false, false},
    {"ack", &StepCompiler::Ack, true, false},
    {"nack", &StepCompiler::Ack, true, false},
};

namespace {

// Steps that act on the current connection (a send `to:` a named one does not).
bool NeedsConnection(const graph::Step::Action& a) {
  if (const auto* send = std::get_if<graph::Send>(&a)) return send->to.empty();
  if (const auto* wait = std::get_if<graph::Wait>(&a)) return !wait->all;
  if (const auto* emit = std::get_if<graph::Emit>(&a)) return emit->to.empty();
  if (std::holds_alternative<graph::Subscribe>(a) ||
      std::holds_alternative<graph::Unsubscribe>(a) ||
      std::holds_alternative<graph::Acknowledge>(a))
    return true;
  return std::holds_alternative<graph::Expect>(a) || std::holds_alternative<graph::Close>(a) ||
         std::holds_alternative<graph::Ping>(a) || std::holds_alternative<graph::OnMessage>(a) ||
         std::holds_alternative<graph::OnEvent>(a);
}

// A step that was meant as a connect without steps (perhaps misspelled, `conect`), whether
// or not it compiled.
bool MeantLinearConnect(const YAML::Node& item) {
  // Nodes are bound once: assigning to a yaml-cpp Node writes through to what it refers to.
  const bool map = item.IsMap() && item.size() > 0;
  const YAML::Node key = map ? item.begin()->first : item;
  const YAML::Node value = map ? item.begin()->second : YAML::Node();
  if (!key.IsScalar()) return false;
  if (key.Scalar() != "connect" && DidYouMean(key.Scalar(), {"connect"}).empty()) return false;
  return !(value.IsMap() && value["steps"]);
}

}  // namespace

const StepCompiler::StepKind* StepCompiler::Find(const std::string& name) const {
  for (const auto& kind : kSteps)
    if (name == kind.name) return &kind;
  return nullptr;
}

bool StepCompiler::UnknownStep(const YAML::Node& key, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& kind : kSteps) names.push_back(kind.name);
  std::string hint = DidYouMean(name, names);
  std::string message = "unknown step '" + name + "'";
  if (!hint.empty()) message += " — " + hint;
  if (hint.empty()) {
    hint = "steps:";
    for (const auto& n : names) hint += " " + n;
  }
  ctx_.reporter.Error(Pos(key), message, hint);
  return false;
}

bool StepCompiler::CompileList(const YAML::Node& list, const StepScope& scope,
                               graph::StepList* out) {
  if (list.IsNull()) return true;
  bool ok = true;
  if (!list.IsSequence()) {
    if (scope.handler.empty() || !(list.IsMap() || list.IsScalar())) {
      return WrongType(ctx_, list, "steps", "a list of steps", "start each step with '- '");
    }
    graph::Step step;
    ok = CompileStep(list, scope, &step);
    if (ok) out->push_back(std::move(step));
    return ok;
  }
  StepScope current = scope;
  for (const auto& item : list) {
    graph::Step step;
    if (CompileStep(item, current, &step)) {
      // A linear connect: the steps after it act on its connection.
      const auto* connect = std::get_if<graph::Connect>(&step.action);
      if (connect && !connect->has_steps) {
        current.connection = true;
        current.protocol = connect->protocol.kind;
        current.templates.protocol = connect->protocol.kind;
      }
      out->push_back(std::move(step));
    } else {
      ok = false;
      // Its error is the cause: the steps after it are not also blamed for a missing
      // connection.
      if (MeantLinearConnect(item)) current.connection = true;
    }
  }
  WarnUnreachable(*out);
  return ok;
}

bool StepCompiler::CompileStep(const YAML::Node& item, const StepScope& scope, graph::Step* out) {
  YAML::Node key;
  YAML::Node value;
  if (item.IsScalar()) {
    key = item;
  } else if (item.IsMap() && item.size() > 0) {
    auto first = item.begin();
    key = first->first;
    value = first->second;
    for (auto it = std::next(item.begin()); it != item.end(); ++it) {
      std::string extra = it->first.IsScalar() ? it->first.Scalar() : "?";
      bool is_step = Find(extra) != nullptr;
      ctx_.reporter.Error(
          Pos(it->first),
          is_step ? "two steps in one list item: '" + key.Scalar() + "' and '" + extra + "'"
                  : "'" + extra + "' is not a step; options of '" + key.Scalar() + "' go inside it",
          is_step ? "start each step with '- '"
                  : "indent '" + extra + "' under '" + key.Scalar() + ":'");
      return false;
    }
  } else {
    return WrongType(ctx_, item, "a step", "a step name or a mapping like - send: hello");
  }
  if (!key.IsScalar()) return WrongType(ctx_, key, "a step name", "text");
  const std::string name = key.Scalar();
  const StepKind* kind = Find(name);
  if (!kind) return UnknownStep(key, name);
  if (item.IsScalar() && !kind->bare) {
    ctx_.reporter.Error(Pos(key), "'" + name + "' needs options",
                        "write it as a mapping, e.g. - " + name + ": ...");
    return false;
  }
  if (!scope.handler.empty() && kind->waits) {
    ctx_.reporter.Error(Pos(key),
                        "'" + name + "' waits, so it cannot be used inside " + scope.handler,
                        "handler bodies never wait; use `after: {delay: 2s, do: [...]}` to act "
                        "later");
    return false;
  }
  out->pos = Pos(key);
  if (!(this->*kind->handler)(value, key, scope, out)) return false;
  if (!scope.connection && NeedsConnection(out->action)) {
    ctx_.reporter.Error(Pos(key), "'" + name + "' needs an open connection, and none is open here",
                        "put `- connect: URL` before it, or move it into a connect's steps: [...]");
    return false;
  }
  return true;
}

bool StepCompiler::CompileBody(const YAML::Node& node, const std::string& handler, bool msg,
                               const StepScope& outer, graph::StepList* out) {
  StepScope scope = outer;
  scope.handler = handler;
  scope.templates.msg = msg;
  return CompileList(node, scope, out);
}

void StepCompiler::WarnUnreachable(const graph::StepList& steps) {
  bool closed = false;
  for (const auto& step : steps) {
    const auto& a = step.action;
    if (std::holds_alternative<graph::Connect>(a)) {
      closed = false;
      continue;
    }
    bool acts = std::holds_alternative<graph::Expect>(a) ||
                std::holds_alternative<graph::Ping>(a) || std::holds_alternative<graph::Close>(a) ||
                std::holds_alternative<graph::OnMessage>(a) ||
                (std::holds_alternative<graph::Send>(a) && std::get<graph::Send>(a).to.empty());
    if (closed && acts) {
      ctx_.reporter.Warning(step.pos, "this step never runs: the connection is already closed",
                            "remove it, or move it before the close");
      return;
    }
    if (std::holds_alternative<graph::Close>(a)) closed = true;
  }
}

bool StepCompiler::ReadName(const YAML::Node& map, std::string* name) {
  auto v = map["name"];
  if (!v) return true;
  if (!ReadString(ctx_, v, "name", name)) return false;
  if (name->empty()) {
    ctx_.reporter.Error(Pos(v), "name must not be empty");
    return false;
  }
  ctx_.step_names.insert(*name);
  return true;
}

bool StepCompiler::OnMessage(const YAML::Node& value, const YAML::Node&, const StepScope& scope,
                             graph::Step* out) {
  graph::OnMessage h;
  if (!value.IsMap() && !value.IsNull()) {
    return WrongType(ctx_, value, "on-message", "a mapping",
                     "e.g. on-message: {match: {json: {event: CHAT_MSG}}, do: [...]}");
  }
  bool ok =
      value.IsNull() ||
      CheckKeys(ctx_, value, {"match", "do", "once", "name", "capture", "measure"}, "on-message");
  if (value.IsMap()) {
    ok = ReadName(value, &h.name) && ok;
    if (!h.name.empty()) ctx_.timer_names.insert(h.name);
    if (auto v = value["match"]) ok = CompileMatcher(ctx_, v, scope.templates, &h.match) && ok;
    if (auto v = value["once"]) ok = ReadBool(ctx_, v, "once", &h.once) && ok;
    if (auto v = value["capture"]) ok = CompileCaptures(ctx_, v, &h.captures) && ok;
    if (auto v = value["measure"]) {
      graph::Measure m;
      std::string since;
      std::string error;
      if (!v.IsMap()) {
        ok = WrongType(ctx_, v, "measure", "a mapping", "e.g. measure: {since: msg.sent_at}");
      } else if (CheckKeys(ctx_, v, {"since", "name"}, "measure") && ReadName(v, &m.name)) {
        if (!v["since"]) {
          ctx_.reporter.Error(Pos(v), "measure needs since: msg.path");
          ok = false;
        } else if (ReadString(ctx_, v["since"], "since", &since) &&
                   ParseMsgPath(since, &m.since, &error)) {
          h.measure = std::move(m);
        } else {
          if (!error.empty()) ctx_.reporter.Error(Pos(v["since"]), error);
          ok = false;
        }
      } else {
        ok = false;
      }
    }
    if (auto v = value["do"])
      ok = CompileBody(v, "an on-message handler", true, scope, &h.body) && ok;
  }
  out->action = std::move(h);
  return ok;
}

bool StepCompiler::OnEvent(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                           graph::Step* out) {
  graph::OnEvent h;
  const std::string name = key.Scalar();
  h.kind = name == "on-open"    ? graph::OnEvent::Kind::kOpen
           : name == "on-close" ? graph::OnEvent::Kind::kClose
                                : graph::OnEvent::Kind::kError;
  std::string where = "an " + name + " handler";
  bool ok = true;
  if (value.IsSequence()) {
    ok = CompileBody(value, where, false, scope, &h.body);
  } else if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"do", "once", "name"}, name);
    ok = ReadName(value, &h.name) && ok;
    if (!h.name.empty()) ctx_.timer_names.insert(h.name);
    if (auto v = value["once"]) ok = ReadBool(ctx_, v, "once", &h.once) && ok;
    if (auto v = value["do"]) ok = CompileBody(v, where, false, scope, &h.body) && ok;
  } else {
    return WrongType(ctx_, value, name, "a mapping", "e.g. " + name + ": {do: [...]}");
  }
  out->action = std::move(h);
  return ok;
}

bool StepCompiler::Every(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                         graph::Step* out) {
  graph::Every e;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "every", "a mapping", "e.g. every: {interval: 2s, do: [...]}");
  }
  bool ok = CheckKeys(ctx_, value, {"interval", "name", "times", "do"}, "every");
  ok = ReadName(value, &e.name) && ok;
  if (!e.name.empty()) ctx_.timer_names.insert(e.name);
  if (auto v = value["interval"]) {
    ok = ReadRange(ctx_, v, "interval", &e.interval) && ok;
    if (ok && e.interval.min.count() == 0) {
      ctx_.reporter.Error(Pos(v), "interval must be longer than 0");
      ok = false;
    }
  } else {
    ctx_.reporter.Error(Pos(key), "every needs an interval",
                        "e.g. every: {interval: 2s, do: [...]}");
    ok = false;
  }
  if (auto v = value["times"]) ok = ReadInt(ctx_, v, "times", 1, &e.times) && ok;
  if (auto v = value["do"]) ok = CompileBody(v, "an every handler", false, scope, &e.body) && ok;
  out->action = std::move(e);
  return ok;
}

bool StepCompiler::After(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                         graph::Step* out) {
  graph::After a;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "after", "a mapping", "e.g. after: {delay: 3s, do: [close]}");
  }
  bool ok = CheckKeys(ctx_, value, {"delay", "name", "do"}, "after");
  ok = ReadName(value, &a.name) && ok;
  if (!a.name.empty()) ctx_.timer_names.insert(a.name);
  if (auto v = value["delay"]) {
    ok = ReadRange(ctx_, v, "delay", &a.delay) && ok;
  } else {
    ctx_.reporter.Error(Pos(key), "after needs a delay", "e.g. after: {delay: 3s, do: [close]}");
    ok = false;
  }
  if (auto v = value["do"]) ok = CompileBody(v, "an after handler", false, scope, &a.body) && ok;
  out->action = std::move(a);
  return ok;
}

bool StepCompiler::Cancel(const YAML::Node& value, const YAML::Node&, const StepScope&,
                          graph::Step* out) {
  graph::Cancel c;
  bool ok = true;
  auto add = [&](const YAML::Node& n) {
    std::string name;
    if (!ReadString(ctx_, n, "cancel", &name)) {
      ok = false;
      return;
    }
    ctx_.cancel_refs.push_back(Reference{name, Pos(n)});
    c.names.push_back(std::move(name));
  };
  if (value.IsSequence()) {
    for (const auto& n : value) add(n);
  } else if (value.IsScalar()) {
    add(value);
  } else {
    return WrongType(ctx_, value, "cancel", "a name or a list of names", "e.g. cancel: chatter");
  }
  out->action = std::move(c);
  return ok;
}

bool StepCompiler::Close(const YAML::Node& value, const YAML::Node&, const StepScope& scope,
                         graph::Step* out) {
  graph::Close c;
  bool ok = true;
  auto read_code = [&](const YAML::Node& v) {
    if (!ReadInt(ctx_, v, "close code", 1000, &c.code)) return false;
    if (c.code > 4999 || (c.code >= 1004 && c.code <= 1006) || c.code == 1015) {
      ctx_.reporter.Error(Pos(v), "close code " + std::to_string(c.code) + " cannot be sent",
                          "use 1000 (normal), 1001 (going away), or 3000-4999");
      return false;
    }
    return true;
  };
  if (value.IsScalar()) {
    ok = read_code(value);
  } else if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"code", "reason"}, "close");
    if (auto v = value["code"]) ok = read_code(v) && ok;
    if (auto v = value["reason"]) {
      ok = ReadTemplate(ctx_, v, "reason", graph::Escape::kNone, scope.templates, &c.reason) && ok;
    }
  } else if (!value.IsNull() && value.IsDefined()) {
    return WrongType(ctx_, value, "close", "nothing or {code, reason}");
  }
  out->action = std::move(c);
  return ok;
}

bool StepCompiler::Ping(const YAML::Node& value, const YAML::Node&, const StepScope&,
                        graph::Step* out) {
  graph::Ping p;
  bool ok = true;
  if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"name"}, "ping") && ReadName(value, &p.name);
  } else if (!value.IsNull() && value.IsDefined()) {
    return WrongType(ctx_, value, "ping", "nothing or {name}");
  }
  out->action = std::move(p);
  return ok;
}

}  // namespace wsyaml::scenario
