// The compiler's entry points: YAML text -> TestPlan, or diagnostics.
#include "scenario/compiler.h"

#include <yaml-cpp/yaml.h>

#include "scenario/context.h"
#include "scenario/expr_values.h"
#include "scenario/inbox_analysis.h"
#include "scenario/literal_checks.h"
#include "scenario/sections.h"
#include "scenario/step_compiler.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

const std::vector<std::string> kTopKeys = {"name",  "target",    "vars", "vu-vars",   "load",
                                           "steps", "scenarios", "data", "thresholds"};
const std::vector<std::string> kScenarioKeys = {"load", "vars", "vu-vars", "steps", "tags"};

// Names that `set` and `capture` define anywhere: templates anywhere may use them.
void CollectAssignedNames(const YAML::Node& node, std::set<std::string>* names, int depth = 0) {
  if (depth > 200) return;
  if (node.IsSequence()) {
    for (const auto& item : node) CollectAssignedNames(item, names, depth + 1);
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node value = it->second;
      if (it->first.IsScalar() && value.IsMap() &&
          (it->first.Scalar() == "set" || it->first.Scalar() == "capture")) {
        for (auto v = value.begin(); v != value.end(); ++v)
          if (v->first.IsScalar()) names->insert(v->first.Scalar());
      }
      CollectAssignedNames(value, names, depth + 1);
    }
  }
}

void CollectVarNames(const YAML::Node& root, std::set<std::string>* names) {
  auto add = [&](const YAML::Node& vars) {
    if (!vars.IsMap()) return;
    for (auto it = vars.begin(); it != vars.end(); ++it)
      if (it->first.IsScalar()) names->insert(it->first.Scalar());
  };
  for (const char* key : {"vars", "vu-vars"})
    if (root[key]) add(root[key]);
  const YAML::Node scenarios = root["scenarios"];
  if (!scenarios || !scenarios.IsMap()) return;
  for (auto it = scenarios.begin(); it != scenarios.end(); ++it) {
    if (!it->second.IsMap()) continue;
    for (const char* key : {"vars", "vu-vars"})
      if (it->second[key]) add(it->second[key]);
  }
}

// Checks a target from the file or --target and sets it.
void SetTarget(Context& ctx, graph::SourcePos pos, const std::string& what,
               const std::string& target) {
  if (!IsTarget(target)) {
    ctx.reporter.Error(pos, what + " must be " + kTargetForms + ", got \"" + target + "\"");
    return;
  }
  ctx.plan.target = target;
}

void CompileTarget(Context& ctx, const YAML::Node& node) {
  graph::Template t;
  if (!ReadTemplate(ctx, node, "target", graph::Escape::kNone, {}, &t)) return;
  if (!t.IsConstant()) {
    ctx.reporter.Error(Pos(node), "target may only use ${env.NAME}",
                       "e.g. target: ${env.TARGET:-builtin:chat}");
    return;
  }
  std::string target;
  for (const auto& s : t.segments) target += s.text;
  // A URL's port and credentials are checked where they were written.
  if (IsTarget(target) && !CheckUrl(ctx, node, t, "target")) return;
  SetTarget(ctx, Pos(node), "target", target);
}

// Top-level vars and vu-vars, shared by every scenario.
struct SharedVars {
  std::vector<graph::VarInit> vars;
  std::vector<graph::VarInit> vu_vars;
};

graph::Scenario CompileScenario(Context& ctx, const std::string& name, const YAML::Node& node,
                                const YAML::Node* default_load, const SharedVars& shared) {
  graph::Scenario scenario;
  scenario.name = name;
  scenario.vars = shared.vars;
  scenario.vu_vars = shared.vu_vars;
  std::set<std::string> outer_visible = ctx.visible_vars;
  // vu-vars first: they exist before the iteration's vars, which may use them.
  if (auto v = node["vu-vars"]) CompileVars(ctx, v, "vu-vars", scenario.vars, &scenario.vu_vars);
  if (auto v = node["vars"]) CompileVars(ctx, v, "vars", scenario.vu_vars, &scenario.vars);
  if (node["load"]) {
    CompileLoad(ctx, node["load"], &scenario.load);
  } else if (default_load) {
    CompileLoad(ctx, *default_load, &scenario.load);
  } else {
    // No load: one VU, one iteration (as k6 without options).
    scenario.load.kind = graph::LoadProfile::Kind::kPerVuIterations;
    scenario.load.iterations = 1;
  }
  ApplyLoadOverrides(ctx, Pos(node), &scenario.load);
  if (auto v = node["tags"]) {
    if (!v.IsMap()) {
      WrongType(ctx, v, "tags", "a mapping");
    } else if (CheckKeys(ctx, v, {}, "tags")) {
      for (auto it = v.begin(); it != v.end(); ++it) {
        std::string value;
        if (ReadString(ctx, it->second, "tag", &value))
          scenario.tags.emplace_back(it->first.Scalar(), value);
        ctx.tag_keys.insert(it->first.Scalar());
      }
    }
  }
  if (auto v = node["steps"]) {
    StepCompiler steps(ctx);
    steps.CompileList(v, StepScope{}, &scenario.steps);
    MarkInboxes(&scenario.steps);
  } else {
    ctx.reporter.Error(Pos(node), "scenario '" + name + "' has no steps", "add steps: [...]");
  }
  ctx.visible_vars = outer_visible;
  return scenario;
}

void CompileScenarios(Context& ctx, const YAML::Node& root) {
  auto scenarios = root["scenarios"];
  if (root["steps"] && scenarios) {
    ctx.reporter.Error(Pos(scenarios), "use either steps or scenarios at the top, not both",
                       "move the top-level steps into a scenario");
    return;
  }
  if (!scenarios) {
    if (!root["steps"]) {
      ctx.reporter.Error(Pos(root), "the scenario has no steps", "add steps: [...] at the top");
      return;
    }
    // One scenario: the top-level vars and load are its own.
    ctx.plan.scenarios.push_back(CompileScenario(ctx, "default", root, nullptr, {}));
    return;
  }
  SharedVars shared;
  if (auto v = root["vu-vars"]) CompileVars(ctx, v, "vu-vars", {}, &shared.vu_vars);
  if (auto v = root["vars"]) CompileVars(ctx, v, "vars", shared.vu_vars, &shared.vars);
  const YAML::Node shared_load = root["load"];
  if (!scenarios.IsMap() || scenarios.size() == 0) {
    WrongType(ctx, scenarios, "scenarios", "a mapping of name: {load, vars, vu-vars, steps}");
    return;
  }
  CheckKeys(ctx, scenarios, {}, "scenarios");
  for (auto it = scenarios.begin(); it != scenarios.end(); ++it) {
    const YAML::Node body = it->second;
    if (!body.IsMap()) {
      WrongType(ctx, body, "scenario '" + it->first.Scalar() + "'",
                "a mapping of load, vars, steps");
      continue;
    }
    CheckKeys(ctx, body, kScenarioKeys, "scenario '" + it->first.Scalar() + "'");
    ctx.plan.scenarios.push_back(CompileScenario(ctx, it->first.Scalar(), body,
                                                 shared_load ? &shared_load : nullptr, shared));
  }
}

void CheckReferences(Context& ctx) {
  std::vector<std::string> timers(ctx.timer_names.begin(), ctx.timer_names.end());
  for (const auto& ref : ctx.cancel_refs) {
    if (ctx.timer_names.count(ref.name)) continue;
    std::string hint = DidYouMean(ref.name, timers);
    ctx.reporter.Error(ref.pos, "cancel of '" + ref.name + "', which no timer or handler defines",
                       hint.empty() ? "give an every, after or on-* step name: " + ref.name : hint);
  }
  std::vector<std::string> conns(ctx.connection_names.begin(), ctx.connection_names.end());
  for (const auto& ref : ctx.to_refs) {
    if (ctx.connection_names.count(ref.name)) continue;
    std::string hint = DidYouMean(ref.name, conns);
    ctx.reporter.Error(ref.pos, "send to unknown connection '" + ref.name + "'",
                       hint.empty() ? "give a connect step name: " + ref.name : hint);
  }
}

void CompileRoot(Context& ctx, const YAML::Node& root) {
  if (!root.IsMap()) {
    WrongType(ctx, root, "a scenario", "a mapping with name, target, load and steps");
    return;
  }
  CheckKeys(ctx, root, kTopKeys, "the scenario");
  if (auto v = root["name"]) ReadString(ctx, v, "name", &ctx.plan.name);
  ctx.target_written = static_cast<bool>(root["target"]);
  if (ctx.options.overrides.target) {
    SetTarget(ctx, {}, "--target", *ctx.options.overrides.target);
  } else if (auto v = root["target"]) {
    CompileTarget(ctx, v);
  }
  if (auto v = root["data"]) CompileFeeders(ctx, v);
  CollectAssignedNames(root, &ctx.visible_vars);
  CollectVarNames(root, &ctx.declared_vars);
  CompileScenarios(ctx, root);
  if (auto v = root["thresholds"]) CompileThresholds(ctx, v);
  CheckReferences(ctx);
}

}  // namespace

void CompileVars(Context& ctx, const YAML::Node& node, const std::string& what,
                 const std::vector<graph::VarInit>& other, std::vector<graph::VarInit>* out) {
  if (!node.IsMap()) {
    WrongType(ctx, node, what, "a mapping of NAME: value", "e.g. " + what + ": {room: lobby}");
    return;
  }
  CheckKeys(ctx, node, {}, what);
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string name = it->first.Scalar();
    graph::VarInit init;
    auto slot = ctx.slots.find(name);
    for (const graph::VarInit& taken : other) {
      if (slot == ctx.slots.end() || taken.slot != slot->second) continue;
      ctx.reporter.Error(Pos(it->first), "'" + name + "' is both in vars and in vu-vars",
                         "vu-vars live as long as the VU, vars one iteration: keep one");
    }
    if (ReadValue(ctx, it->second, (what == "vars" ? std::string("var") : what) + " " + name, {},
                  &init.value)) {
      init.slot = ctx.Slot(name);
      out->push_back(std::move(init));
    }
    ctx.visible_vars.insert(name);  // later vars may use it
  }
}

CompileResult Compile(std::string_view text, const CompileOptions& options) {
  Context ctx(options, text);
  ctx.plan.source_file = options.file_name;
  if (!CheckOverrides(ctx)) {
    CompileResult result;
    result.diagnostics = ctx.reporter.Take();
    return result;
  }
  try {
    YAML::Node root = YAML::Load(std::string(text));
    YAML::Node too_far;
    if (!ExpandedSizeWithin(root, kMaxExpandedNodes, &too_far)) {
      ctx.reporter.Error(Pos(too_far),
                         "the scenario has more than " + std::to_string(kMaxExpandedNodes) +
                             " YAML nodes once its aliases are expanded",
                         "each *alias copies what its &anchor names, and nested aliases multiply: "
                         "use fewer levels of aliases");
    } else if (ReportUnterminatedQuote(ctx, root, text)) {
      // The rest of the file is inside the quote: nothing more to say about it.
    } else if (root.IsNull()) {
      ctx.reporter.Error({}, "the scenario is empty",
                         "start with name:, target:, load: and steps:");
    } else {
      CompileRoot(ctx, root);
    }
  } catch (const YAML::ParserException& e) {
    ReportYamlError(ctx, e, text);
  } catch (const std::exception& e) {
    ctx.reporter.Error({}, std::string("internal compiler error: ") + e.what());
  }
  CompileResult result;
  if (ctx.reporter.error_count() == 0) result.plan = std::move(ctx.plan);
  result.diagnostics = ctx.reporter.Take();
  result.files_read = std::move(ctx.files_read);
  return result;
}

CompileResult CompileFile(const std::string& path, CompileOptions options) {
  if (options.file_name == "<input>") options.file_name = path;
  if (options.base_dir == ".") {
    size_t slash = path.rfind('/');
    options.base_dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  }
  std::string text;
  std::string error;
  if (!ReadSmallFile(path, &text, &error)) {
    CompileResult result;
    Diagnostic d;
    d.file = path;
    d.message = "cannot read scenario file: " + error;
    d.hint = "check the path; scenarios are YAML files such as scenarios/chat.yaml";
    result.diagnostics.push_back(std::move(d));
    return result;
  }
  return Compile(text, options);
}

}  // namespace wsyaml::scenario
