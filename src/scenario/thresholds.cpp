// `thresholds:` in k6 syntax -> graph::Threshold, checked against metrics and step names.
#include <re2/re2.h>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "catalog/catalog.h"
#include "scenario/sections.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

using Aggregate = graph::Threshold::Aggregate;
using Op = graph::Threshold::Op;

using catalog::MetricInfo;

// Tags the engine sets by itself, whatever the scenario says.
const std::vector<std::string> kBuiltinTags = {"name",   "scenario", "kind", "code",
                                               "status", "check",    "url"};

bool FindInfo(const std::string& name, MetricInfo* info) {
  catalog::MetricId id;
  if (!catalog::FindMetric(name, &id)) return false;
  *info = catalog::Info(id);
  return true;
}

std::vector<std::string> MetricNames() {
  std::vector<std::string> names;
  for (size_t i = 0; i < static_cast<size_t>(catalog::MetricId::kCount); ++i)
    names.push_back(catalog::Info(static_cast<catalog::MetricId>(i)).name);
  return names;
}

bool ParseKey(Context& ctx, const YAML::Node& key, graph::Threshold* t, MetricInfo* metric) {
  static const re2::RE2 kKey(R"(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\{(.*)\})?\s*)");
  const std::string text = key.Scalar();
  std::string name, braces, filter;
  if (!re2::RE2::FullMatch(text, kKey, &name, &braces, &filter)) {
    ctx.reporter.Error(Pos(key), "expected metric or metric{tag:value}, got \"" + text + "\"");
    return false;
  }
  t->metric = name;
  if (!FindInfo(t->metric, metric)) {
    std::string hint = DidYouMean(t->metric, MetricNames());
    ctx.reporter.Error(Pos(key), "unknown metric '" + t->metric + "'",
                       hint.empty() ? "see docs/language.md for the metric names" : hint);
    return false;
  }
  std::stringstream parts(filter);
  std::string part;
  while (!braces.empty() && std::getline(parts, part, ',')) {
    size_t colon = part.find(':');
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    if (colon == std::string::npos || trim(part.substr(0, colon)).empty()) {
      ctx.reporter.Error(Pos(key), "expected tag:value in the filter, got \"" + part + "\"");
      return false;
    }
    t->filter.emplace_back(trim(part.substr(0, colon)), trim(part.substr(colon + 1)));
  }
  return true;
}

bool CheckFilter(Context& ctx, const YAML::Node& key, const graph::Threshold& t) {
  for (const auto& [tag, value] : t.filter) {
    if (tag == "name" && !ctx.step_names.count(value)) {
      std::vector<std::string> names(ctx.step_names.begin(), ctx.step_names.end());
      std::string hint = DidYouMean(value, names);
      ctx.reporter.Error(Pos(key),
                         "no step is named '" + value + "', so " + t.metric + "{name:" + value +
                             "} would never have samples",
                         hint.empty() ? "add name: " + value + " to the step you mean" : hint);
      return false;
    }
    if (tag == "scenario") {
      bool found = false;
      for (const auto& s : ctx.plan.scenarios) found = found || s.name == value;
      if (!found) {
        ctx.reporter.Error(Pos(key), "no scenario is named '" + value + "'");
        return false;
      }
    }
    bool known = ctx.tag_keys.count(tag) > 0;
    for (const auto& b : kBuiltinTags) known = known || b == tag;
    if (!known) {
      ctx.reporter.Error(Pos(key), "no sample is ever tagged '" + tag + "'",
                         "tags come from connect tags:, scenario tags:, and step names (name:)");
      return false;
    }
  }
  return true;
}

// The aggregate of an expression ("p(95)" has `percentile` "95"), checked against the
// catalog's rule (k6's): an aggregate that does not apply to the metric's type would fail at
// the end of the run, so it is an error now.
bool ParseAggregate(Context& ctx, const YAML::Node& node, const std::string& agg,
                    const std::string& percentile, const MetricInfo& metric, graph::Threshold* t) {
  catalog::Aggregate aggregate = catalog::Aggregate::kPercentile;
  if (!percentile.empty()) {
    t->percentile = std::stod(percentile);
    if (t->percentile <= 0 || t->percentile > 100) {
      ctx.reporter.Error(Pos(node), "percentile must be in (0, 100]");
      return false;
    }
  } else if (!catalog::FindAggregate(agg, &aggregate)) {
    ctx.reporter.Error(Pos(node), "unknown aggregate '" + agg + "'");
    return false;
  }
  t->aggregate = catalog::FromAggregate<Aggregate>(aggregate);
  std::string error;
  if (!catalog::CheckAggregate(t->metric, aggregate, t->percentile, &error)) {
    ctx.reporter.Error(Pos(node), error, catalog::AggregateHint(t->metric, metric.type, aggregate));
    return false;
  }
  return true;
}

bool ParseExpression(Context& ctx, const YAML::Node& node, const MetricInfo& metric,
                     graph::Threshold* t) {
  static const re2::RE2 kExpr(
      R"(\s*(p\(\s*([0-9]+(\.[0-9]+)?)\s*\)|avg|min|max|med|count|rate)\s*(<=|>=|==|!=|<|>)\s*(\S+)\s*)");
  std::string agg, percentile, fraction, op, value;
  if (!node.IsScalar() ||
      !re2::RE2::FullMatch(node.Scalar(), kExpr, &agg, &percentile, &fraction, &op, &value)) {
    ctx.reporter.Error(Pos(node),
                       "expected a threshold like \"p(95) < 500ms\", got " + Describe(node),
                       "aggregates: p(N), avg, min, max, med, count, rate; ops: < <= > >= == !=");
    return false;
  }
  t->source = node.Scalar();
  t->pos = Pos(node);
  if (!ParseAggregate(ctx, node, agg, percentile, metric, t)) return false;
  t->op = op == "<"    ? Op::kLt
          : op == "<=" ? Op::kLe
          : op == ">"  ? Op::kGt
          : op == ">=" ? Op::kGe
          : op == "==" ? Op::kEq
                       : Op::kNe;
  const bool micros = metric.unit == catalog::Unit::kMicros;
  bool duration_value =
      micros && t->aggregate != Aggregate::kCount && t->aggregate != Aggregate::kRate;
  char* end = nullptr;
  double number = std::strtod(value.c_str(), &end);
  bool bare = end == value.c_str() + value.size() && std::isfinite(number);
  if (duration_value) {
    std::string error;
    auto d = ParseDuration(value, &error);
    if (!d) {
      ctx.reporter.Error(Pos(node), t->metric + " is a duration: " + error,
                         bare ? "add a unit, e.g. 500ms" : "");
      return false;
    }
    t->value = static_cast<double>(d->count());
  } else if (!bare) {
    ctx.reporter.Error(Pos(node), "expected a number, got \"" + value + "\"",
                       micros ? "" : t->metric + " is not a duration");
    return false;
  } else {
    t->value = number;
  }
  return true;
}

void CompileEntry(Context& ctx, const YAML::Node& key, const YAML::Node& item,
                  const MetricInfo& metric, const graph::Threshold& base) {
  graph::Threshold t = base;
  if (item.IsMap()) {
    CheckKeys(ctx, item, {"threshold", "abort-on-fail", "delay-abort-eval", "allow-no-samples"},
              "threshold");
    if (auto v = item["abort-on-fail"]) ReadBool(ctx, v, "abort-on-fail", &t.abort_on_fail);
    if (auto v = item["allow-no-samples"])
      ReadBool(ctx, v, "allow-no-samples", &t.allow_no_samples);
    if (auto v = item["delay-abort-eval"]) {
      ReadDuration(ctx, v, "delay-abort-eval", &t.delay_abort_eval);
    }
    auto expr = item["threshold"];
    if (!expr) {
      ctx.reporter.Error(Pos(item), "missing threshold: \"p(95) < 500ms\"");
      return;
    }
    if (ParseExpression(ctx, expr, metric, &t)) ctx.plan.thresholds.push_back(t);
    return;
  }
  if (ParseExpression(ctx, item, metric, &t)) ctx.plan.thresholds.push_back(t);
  (void)key;
}

}  // namespace

void CompileThresholds(Context& ctx, const YAML::Node& node) {
  if (!node.IsMap()) {
    WrongType(ctx, node, "thresholds", "a mapping of metric: [expressions]",
              "e.g. thresholds: {ws_connecting: [\"p(95) < 500ms\"]}");
    return;
  }
  CheckKeys(ctx, node, {}, "thresholds");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    graph::Threshold base;
    MetricInfo metric{};
    if (!key.IsScalar() || !ParseKey(ctx, key, &base, &metric) || !CheckFilter(ctx, key, base))
      continue;
    const YAML::Node value = it->second;
    if (value.IsSequence()) {
      for (const auto& item : value) CompileEntry(ctx, key, item, metric, base);
    } else if (value.IsScalar() || value.IsMap()) {
      CompileEntry(ctx, key, value, metric, base);
    } else {
      WrongType(ctx, value, "threshold", "a list of expressions", "e.g. [\"p(95) < 500ms\"]");
    }
  }
}

}  // namespace wsyaml::scenario
