// Steps without connections or handlers: sleep, wait, log, set, repeat, fail.
#include "scenario/expr_values.h"
#include "scenario/step_compiler.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

bool StepCompiler::Sleep(const YAML::Node& value, const YAML::Node&, const StepScope&,
                         graph::Step* out) {
  graph::Sleep s;
  bool ok = true;
  if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"duration"}, "sleep");
    if (auto v = value["duration"]) {
      ok = ReadRange(ctx_, v, "sleep", &s.duration) && ok;
    } else {
      ctx_.reporter.Error(Pos(value), "sleep needs a duration", "e.g. sleep: 2s or sleep: 1s..3s");
      ok = false;
    }
  } else {
    ok = ReadRange(ctx_, value, "sleep", &s.duration);
  }
  out->action = s;
  return ok;
}

bool StepCompiler::Wait(const YAML::Node& value, const YAML::Node&, const StepScope&,
                        graph::Step* out) {
  graph::Wait w;
  bool ok = true;
  if (value.IsScalar()) {
    if (value.Scalar() != "all") {
      ctx_.reporter.Error(Pos(value), "wait takes all, or {all, max}, got " + Describe(value),
                          "wait (this connection) or wait: all (every connection)");
      return false;
    }
    w.all = true;
  } else if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"all", "max"}, "wait");
    if (auto v = value["all"]) ok = ReadBool(ctx_, v, "all", &w.all) && ok;
    if (auto v = value["max"]) {
      graph::Micros max{0};
      ok = ReadPositiveDuration(ctx_, v, "max",
                                "wait with max: 0s would return at once; leave max out to "
                                "wait until the connection closes",
                                &max) &&
           ok;
      w.max = max;
    }
  } else if (!value.IsNull()) {
    return WrongType(ctx_, value, "wait", "nothing, all, or {all, max}");
  }
  out->action = w;
  return ok;
}

bool StepCompiler::Log(const YAML::Node& value, const YAML::Node&, const StepScope& scope,
                       graph::Step* out) {
  graph::Log l;
  bool ok = true;
  if (value.IsScalar()) {
    ok = ReadTemplate(ctx_, value, "log", graph::Escape::kNone, scope.templates, &l.text);
  } else if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"info", "warn", "error"}, "log");
    if (!ok) return false;
    if (value.size() != 1) {
      ctx_.reporter.Error(Pos(value), "log takes one of info, warn, error",
                          "e.g. log: {warn: \"slow reply\"}");
      return false;
    }
    const std::string level = value.begin()->first.Scalar();
    l.level = level == "info"   ? graph::Log::Level::kInfo
              : level == "warn" ? graph::Log::Level::kWarn
                                : graph::Log::Level::kError;
    ok = ReadTemplate(ctx_, value.begin()->second, "log " + level, graph::Escape::kNone,
                      scope.templates, &l.text);
  } else {
    return WrongType(ctx_, value, "log", "text or {info|warn|error: text}");
  }
  out->action = std::move(l);
  return ok;
}

bool StepCompiler::Set(const YAML::Node& value, const YAML::Node&, const StepScope& scope,
                       graph::Step* out) {
  graph::Set s;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "set", "a mapping of NAME: value", "e.g. set: {user: bob}");
  }
  bool ok = CheckKeys(ctx_, value, {}, "set");
  for (auto it = value.begin(); it != value.end(); ++it) {
    graph::Template t;
    const std::string name = it->first.Scalar();
    if (name == "vu" || name == "conn" || name == "iter" || name == "msg" || name == "env" ||
        name == "data" || name == "sent") {
      ctx_.reporter.Error(Pos(it->first), "'" + name + "' is a built-in name and cannot be set");
      ok = false;
      continue;
    }
    graph::SetTarget target;
    if (name.find_first_of("[.") != std::string::npos) {
      if (!ReadSetTarget(ctx_, it->first, scope.templates, &target)) {
        ok = false;
        continue;
      }
    } else {
      target.slot = ctx_.Slot(name);
    }
    ok = ReadValue(ctx_, it->second, "set " + name, scope.templates, &t) && ok;
    s.assignments.emplace_back(target.slot, std::move(t));
    s.targets.push_back(std::move(target));
  }
  out->action = std::move(s);
  return ok;
}

bool StepCompiler::Repeat(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                          graph::Step* out) {
  graph::Repeat r;
  if (!value.IsMap()) {
    return WrongType(ctx_, value, "repeat", "a mapping", "e.g. repeat: {times: 10, do: [...]}");
  }
  bool ok = CheckKeys(ctx_, value, {"times", "for", "while", "do"}, "repeat");
  auto times = value["times"];
  auto for_ = value["for"];
  if (auto v = value["while"]) {
    graph::Expr condition;
    ok = ReadCondition(ctx_, v, "while", scope.templates, &condition) && ok;
    r.while_ = std::make_shared<const graph::Expr>(std::move(condition));
    if (!times && !for_) {
      // A loop that only a condition ends may never end; a bound keeps every run finite.
      ctx_.reporter.Error(Pos(key), "repeat with while needs a bound: times or for",
                          "e.g. repeat: {while: \"${left > 0}\", times: 100, do: [...]}");
      ok = false;
    }
  }
  if (times && for_) {
    ctx_.reporter.Error(Pos(for_), "repeat takes times or for, not both");
    ok = false;
  } else if (times) {
    ok = ReadInt(ctx_, times, "times", 1, &r.times) && ok;
  } else if (for_) {
    graph::Micros d{0};
    ok = ReadPositiveDuration(ctx_, for_, "for", "repeat for 0s would never run its steps", &d) &&
         ok;
    r.for_ = d;
  } else if (!r.while_) {
    ctx_.reporter.Error(Pos(key), "repeat needs times or for",
                        "e.g. repeat: {times: 10, do: [...]}");
    ok = false;
  }
  if (auto v = value["do"]) {
    ok = CompileList(v, scope, &r.body) && ok;
  } else {
    ctx_.reporter.Error(Pos(key), "repeat needs do: [steps]");
    ok = false;
  }
  out->action = std::move(r);
  return ok;
}

bool StepCompiler::Fail(const YAML::Node& value, const YAML::Node& key, const StepScope& scope,
                        graph::Step* out) {
  graph::Fail f;
  bool ok = true;
  if (value.IsScalar()) {
    ok = ReadTemplate(ctx_, value, "fail", graph::Escape::kNone, scope.templates, &f.message);
  } else if (value.IsMap()) {
    ok = CheckKeys(ctx_, value, {"message", "name"}, "fail");
    if (auto v = value["message"]) {
      ok =
          ReadTemplate(ctx_, v, "message", graph::Escape::kNone, scope.templates, &f.message) && ok;
    }
    ok = ReadName(value, &f.name) && ok;
  } else if (!value.IsNull()) {
    return WrongType(ctx_, value, "fail", "a message or {message, name}");
  }
  if (f.message.segments.empty()) {
    graph::Segment s;
    s.text = "fail step reached";
    f.message.segments.push_back(s);
    f.message.pos = Pos(key);
  }
  if (f.name.empty()) f.name = "fail at line " + std::to_string(Pos(key).line);
  out->action = std::move(f);
  return ok;
}

}  // namespace wsyaml::scenario
