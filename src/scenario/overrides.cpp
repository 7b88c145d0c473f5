// Command-line overrides (--vus, --iterations, --duration, --graceful-stop, --target),
// checked and applied like the file's own values.
#include "scenario/sections.h"

namespace wsyaml::scenario {

bool IsTarget(const std::string& target) {
  return target == "builtin:chat" || target == "builtin:echo" || target == "builtin:chaos" ||
         target.rfind("ws://", 0) == 0 || target.rfind("wss://", 0) == 0;
}

bool CheckOverrides(Context& ctx) {
  const Overrides& o = ctx.options.overrides;
  bool ok = true;
  auto positive = [&](const std::optional<int>& value, const char* flag) {
    if (value && *value < 1) {
      ctx.reporter.Error({},
                         std::string(flag) + " must be at least 1, got " + std::to_string(*value));
      ok = false;
    }
  };
  positive(o.vus, "--vus");
  positive(o.iterations, "--iterations");
  if (o.duration && o.duration->count() <= 0) {
    ctx.reporter.Error({}, "--duration must be longer than 0", "e.g. --duration 30s");
    ok = false;
  }
  if (o.graceful_stop && o.graceful_stop->count() < 0) {
    ctx.reporter.Error({}, "--graceful-stop cannot be negative", "e.g. --graceful-stop 5s");
    ok = false;
  }
  if (o.target && !IsTarget(*o.target)) {
    ctx.reporter.Error(
        {}, std::string("--target must be ") + kTargetForms + ", got \"" + *o.target + "\"");
    ok = false;
  }
  return ok;
}

void ApplyLoadOverrides(Context& ctx, graph::SourcePos pos, graph::LoadProfile* load) {
  const Overrides& o = ctx.options.overrides;
  using Kind = graph::LoadProfile::Kind;
  if (o.vus) {
    load->vus = *o.vus;
    if (load->kind == Kind::kRampingVus) {
      // Constant VUs for as long as the stages lasted.
      load->kind = Kind::kConstantVus;
      if (!o.duration && load->duration.count() == 0) {
        for (const auto& stage : load->stages) load->duration += stage.duration;
      }
    }
    if (load->kind == Kind::kArrivalRate && load->vus > load->max_vus) {
      ctx.reporter.Error(pos, "--vus " + std::to_string(load->vus) + " is more than max-vus " +
                                  std::to_string(load->max_vus));
    }
  }
  if (o.iterations) {
    load->kind = Kind::kPerVuIterations;
    load->iterations = *o.iterations;
    if (!o.duration) load->duration = graph::Micros(0);  // the default maximum
  }
  if (o.duration) {
    load->duration = *o.duration;
    if (load->ramp_up && *load->ramp_up >= load->duration && load->kind != Kind::kPerVuIterations) {
      ctx.reporter.Error(pos,
                         "ramp-up is not shorter than --duration: the last VUs would start "
                         "after the end",
                         "lengthen --duration");
    }
  }
  if (o.graceful_stop) load->graceful_stop = *o.graceful_stop;
}

}  // namespace wsyaml::scenario
