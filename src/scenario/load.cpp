// `load:` -> graph::LoadProfile.
#include <cmath>
#include <cstdlib>

#include "scenario/sections.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario {

namespace {

bool CompileStages(Context& ctx, const YAML::Node& node, std::vector<graph::Stage>* out) {
  if (!node.IsSequence() || node.size() == 0) {
    return WrongType(ctx, node, "stages", "a list of {duration, target}",
                     "e.g. stages: [{duration: 30s, target: 50}]");
  }
  bool ok = true;
  for (const auto& item : node) {
    graph::Stage stage;
    if (!item.IsMap()) {
      ok = WrongType(ctx, item, "a stage", "{duration, target}");
      continue;
    }
    ok = CheckKeys(ctx, item, {"duration", "target"}, "stage") && ok;
    if (auto v = item["duration"]) {
      ok = ReadDuration(ctx, v, "stage duration", &stage.duration) && ok;
    } else {
      ctx.reporter.Error(Pos(item), "a stage needs a duration");
      ok = false;
    }
    if (auto v = item["target"]) {
      ok = ReadInt(ctx, v, "stage target", 0, &stage.target) && ok;
    } else {
      ctx.reporter.Error(Pos(item), "a stage needs a target");
      ok = false;
    }
    out->push_back(stage);
  }
  // A 0s stage jumps to its target at once (as in k6); as the last stage it would end
  // the test at the moment it gets there.
  const YAML::Node last = node[node.size() - 1];
  if (ok && out->back().duration.count() == 0) {
    ctx.reporter.Error(
        Pos(last.IsMap() && last["duration"] ? last["duration"] : last),
        "the last stage lasts 0s: the test would end as it reaches its target",
        "give it a duration, e.g. {duration: 30s, target: " + std::to_string(out->back().target) +
            "}; a 0s stage jumps to its target only before another stage");
    ok = false;
  }
  return ok;
}

// `20/s`, `100/1m`, `5/10s`.
bool ReadRate(Context& ctx, const YAML::Node& node, graph::LoadProfile* out) {
  const std::string hint = "write a rate like 20/s or 100/1m";
  if (!node.IsScalar()) return WrongType(ctx, node, "rate", "a rate like 20/s");
  const std::string& s = node.Scalar();
  size_t slash = s.find('/');
  if (slash == std::string::npos) {
    ctx.reporter.Error(Pos(node), "rate \"" + s + "\" has no time unit", hint);
    return false;
  }
  std::string number = s.substr(0, slash);
  char* end = nullptr;
  double rate = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !(rate > 0) ||
      !std::isfinite(rate)) {
    ctx.reporter.Error(Pos(node), "rate must be a positive number per unit, got \"" + s + "\"",
                       hint);
    return false;
  }
  std::string unit = s.substr(slash + 1);
  if (!unit.empty() && !std::isdigit(static_cast<unsigned char>(unit[0]))) unit = "1" + unit;
  std::string error;
  auto per = ParseDuration(unit, &error);
  if (!per || per->count() == 0) {
    ctx.reporter.Error(Pos(node), "rate \"" + s + "\": " + (per ? "zero time unit" : error), hint);
    return false;
  }
  out->rate = rate;
  out->rate_per = *per;
  return true;
}

// duration, graceful-stop, iteration-timeout and ramp-up: the times every load kind shares.
bool ReadLoadTimes(Context& ctx, const YAML::Node& node, graph::LoadProfile* out) {
  bool ok = true;
  auto duration = node["duration"];
  if (duration) {
    ok = ReadDuration(ctx, duration, "duration", &out->duration) && ok;
    if (ok && out->duration.count() == 0) {
      ctx.reporter.Error(Pos(duration), "duration must be longer than 0");
      ok = false;
    }
  }
  if (auto v = node["graceful-stop"])
    ok = ReadDuration(ctx, v, "graceful-stop", &out->graceful_stop) && ok;
  if (auto v = node["iteration-timeout"]) {
    graph::Micros t{0};
    ok = ReadPositiveDuration(ctx, v, "iteration-timeout",
                              "0s would interrupt every iteration as it starts; leave it out "
                              "for no bound",
                              &t) &&
         ok;
    out->iteration_timeout = t;
  }
  if (auto v = node["ramp-up"]) {
    graph::Micros t{0};
    ok = ReadDuration(ctx, v, "ramp-up", &t) && ok;
    out->ramp_up = t;
    auto stages = node["stages"];
    if (stages || node["rate"]) {
      ctx.reporter.Error(Pos(v),
                         "ramp-up spreads the starts of a fixed number of VUs; " +
                             std::string(stages ? "stages set" : "an arrival rate sets") +
                             " when VUs start",
                         stages ? "shape the start with the first stage, e.g. {duration: 30s, "
                                  "target: 200}"
                                : "remove ramp-up");
      ok = false;
    } else if (ok && duration && t >= out->duration) {
      ctx.reporter.Error(Pos(v),
                         "ramp-up is not shorter than the duration: the last VUs would "
                         "start after the end",
                         "shorten ramp-up or lengthen duration");
      ok = false;
    }
  }
  return ok;
}

// An arrival rate: rate, max-vus, and its stages or its duration.
bool ReadArrivalRate(Context& ctx, const YAML::Node& node, graph::LoadProfile* out) {
  out->kind = graph::LoadProfile::Kind::kArrivalRate;
  bool ok = ReadRate(ctx, node["rate"], out);
  out->max_vus = std::max(out->vus, 100);
  if (auto max_vus = node["max-vus"]) ok = ReadInt(ctx, max_vus, "max-vus", 1, &out->max_vus) && ok;
  if (auto stages = node["stages"]) {
    ok = CompileStages(ctx, stages, &out->rate_stages) && ok;
  } else if (!node["duration"]) {
    ctx.reporter.Error(Pos(node["rate"]), "an arrival rate needs a duration",
                       "e.g. load: {rate: 20/s, duration: 2m}");
    ok = false;
  }
  if (ok && node["vus"] && out->vus > out->max_vus) {
    ctx.reporter.Error(Pos(node["vus"]), "vus is more than max-vus");
    ok = false;
  }
  return ok;
}

}  // namespace

bool CompileLoad(Context& ctx, const YAML::Node& node, graph::LoadProfile* out) {
  if (!node.IsMap()) {
    return WrongType(ctx, node, "load", "a mapping", "e.g. load: {vus: 10, duration: 1m}");
  }
  bool ok = CheckKeys(ctx, node,
                      {"vus", "duration", "iterations", "stages", "rate", "max-vus",
                       "graceful-stop", "iteration-timeout", "ramp-up"},
                      "load");
  auto vus = node["vus"];
  auto duration = node["duration"];
  auto iterations = node["iterations"];
  auto stages = node["stages"];
  auto rate = node["rate"];
  if (vus) ok = ReadInt(ctx, vus, "vus", 1, &out->vus) && ok;
  ok = ReadLoadTimes(ctx, node, out) && ok;
  if (iterations && (stages || rate)) {
    ctx.reporter.Error(
        Pos(iterations),
        "iterations cannot be combined with " + std::string(stages ? "stages" : "rate"),
        "use vus + iterations, vus + duration, stages, or rate + duration");
    return false;
  }
  if (node["max-vus"] && !rate) {
    ctx.reporter.Error(Pos(node["max-vus"]), "max-vus only applies to an arrival rate",
                       "e.g. load: {rate: 20/s, duration: 2m, max-vus: 100}");
    ok = false;
  }
  if (rate) {
    ok = ReadArrivalRate(ctx, node, out) && ok;
  } else if (stages) {
    out->kind = graph::LoadProfile::Kind::kRampingVus;
    if (!vus) out->vus = 0;
    ok = CompileStages(ctx, stages, &out->stages) && ok;
    if (duration) {
      ctx.reporter.Error(Pos(duration), "stages set their own durations",
                         "remove duration, or remove stages");
      ok = false;
    }
  } else if (iterations) {
    out->kind = graph::LoadProfile::Kind::kPerVuIterations;
    ok = ReadInt(ctx, iterations, "iterations", 1, &out->iterations) && ok;
  } else if (!duration) {
    // `vus` alone: one iteration each, as k6 does without a duration.
    out->kind = graph::LoadProfile::Kind::kPerVuIterations;
    out->iterations = 1;
  }
  return ok;
}

}  // namespace wsyaml::scenario
