#include "run/run_header.h"

#include "engine/worker_context.h"
#include "metrics/format.h"
#include "outputs/outputs.h"
#include "scenario/plan_format.h"

namespace wsyaml::run {
namespace {

constexpr const char* kIndent = "  ";
constexpr const char* kContinued = "            ";  // lines up with the values after "load:"

std::string Target(const graph::TestPlan& plan, const HeaderFacts& facts) {
  std::string target = plan.target;
  if (target.rfind("builtin:", 0) == 0 && !facts.base_urls.empty())
    return target + " at " + facts.base_urls[0];
  if (facts.base_urls.size() > 1)
    target += " (" + std::to_string(facts.base_urls.size()) + " addresses, taken in turn)";
  return target;
}

std::string Load(const graph::TestPlan& plan) {
  std::string out;
  for (size_t i = 0; i < plan.scenarios.size(); ++i) {
    const graph::Scenario& s = plan.scenarios[i];
    out += (i ? std::string("\n") + kContinued : std::string()) +
           (s.name.empty() ? "default" : s.name) + ": " + scenario::FormatLoad(s.load);
  }
  return out.empty() ? "no scenarios" : out;
}

std::string Workers(const graph::TestPlan& plan, const HeaderFacts& facts) {
  std::string out = std::to_string(facts.procs) + (facts.procs == 1 ? " process" : " processes") +
                    " x " + std::to_string(facts.threads) +
                    (facts.threads == 1 ? " thread" : " threads");
  if (plan.slice.count > 1)
    out += ", segment " + std::to_string(plan.slice.index) + "/" +
           std::to_string(plan.slice.count) + " of the test";
  return out;
}

std::string Outputs(const RunOptions& options) {
  std::string out;
  for (const outputs::OutputSpec& output : options.outputs)
    out += (out.empty() ? "" : ", ") + outputs::DescribeOutput(output);
  return out.empty() ? "the summary only" : out;
}

}  // namespace

std::string FormatRunHeader(const graph::TestPlan& plan, const RunOptions& options,
                            const HeaderFacts& facts) {
  std::string file = options.file == "-" ? "<stdin>" : options.file;
  std::string out = std::string("wsyaml ") + kVersion + "\n";
  out += std::string(kIndent) + "scenario: " + file;
  if (!plan.name.empty()) out += " (" + plan.name + ")";
  out += "\n";
  out += std::string(kIndent) + "target:   " + Target(plan, facts) + "\n";
  out += std::string(kIndent) + "load:     " + Load(plan) + "\n";
  out += std::string(kIndent) + "workers:  " + Workers(plan, facts) + "\n";
  out += std::string(kIndent) + "outputs:  " + Outputs(options) + "\n\n";
  // A target or name may come from ${env.X}: secrets masked, no control bytes on a terminal.
  return metrics::EscapeControls(engine::MaskSecrets(out, facts.secrets), true);
}

}  // namespace wsyaml::run
