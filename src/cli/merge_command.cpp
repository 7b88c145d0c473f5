// wsyaml merge A.json B.json ... -o ALL.json: exact merge of result files (counts summed,
// histograms merged, thresholds re-evaluated) — the segments of a distributed run, worker
// processes — with the whole run's summary, exit code and reports.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "metrics/result.h"
#include "metrics/summary.h"
#include "outputs/file_sink.h"
#include "outputs/outputs.h"
#include "outputs/sink_set.h"
#include "scenario/compiler.h"

namespace wsyaml::cli {
namespace {

struct MergeFlags {
  std::vector<std::string> inputs;
  std::string output;
  std::string scenario;
  std::string junit;
  std::string report;
  std::string summary_export;
  bool quiet = false;
};

std::vector<outputs::OutputSpec> OutputsOf(const MergeFlags& flags) {
  using Kind = outputs::OutputSpec::Kind;
  std::vector<outputs::OutputSpec> specs;
  if (!flags.output.empty()) specs.push_back({Kind::kResult, flags.output});
  if (!flags.junit.empty()) specs.push_back({Kind::kJUnit, flags.junit});
  if (!flags.report.empty()) specs.push_back({Kind::kReport, flags.report});
  if (!flags.summary_export.empty()) specs.push_back({Kind::kSummaryExport, flags.summary_export});
  return specs;
}

bool ReadAll(const std::vector<std::string>& inputs, metrics::Result* merged) {
  std::vector<metrics::Result> results;
  for (const std::string& input : inputs) {
    std::string error;
    if (!metrics::ReadResults(input, &results, &error)) {
      std::cerr << "wsyaml merge: " << error << "\n";
      return false;
    }
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (i == 0) {
      *merged = std::move(results[0]);
    } else {
      metrics::MergeResult(results[i], merged);
    }
  }
  return true;
}

int Merge(const MergeFlags& flags) {
  std::vector<outputs::OutputSpec> specs = OutputsOf(flags);
  std::string error;
  if (!outputs::CheckOutputs(specs, &error)) {
    std::cerr << "wsyaml merge: " << error << "\n";
    return kExitInvalid;
  }
  std::optional<graph::TestPlan> plan;
  if (!flags.scenario.empty()) {
    scenario::CompileOptions options;
    options.env = scenario::ProcessEnvironment();
    // Only the thresholds are used: a scenario run with --target compiles without its own.
    options.overrides.target = "builtin:echo";
    scenario::CompileResult compiled = scenario::CompileFile(flags.scenario, options);
    for (const auto& diagnostic : compiled.diagnostics) std::cerr << diagnostic.Format() << "\n";
    if (!compiled.plan) return kExitInvalid;
    plan = std::move(compiled.plan);
  }
  metrics::Result merged;
  if (!ReadAll(flags.inputs, &merged)) return kExitInvalid;
  // The scenario's thresholds, judged on the whole run (the files carry the ones they ran
  // with; --scenario judges with the file's current ones).
  if (plan)
    merged.thresholds =
        metrics::EvaluateThresholds(plan->thresholds, merged.shard, merged.tags, merged.duration_s);

  outputs::SinkSet sinks;
  if (!flags.quiet) sinks.Add(std::make_unique<outputs::SummarySink>(std::cout));
  for (auto& sink : outputs::MakeSinks(specs)) sinks.Add(std::move(sink));
  outputs::RunInfo info{plan ? &*plan : nullptr, merged.source_file, {}};
  if (!sinks.Open(info, &error)) {
    std::cerr << "wsyaml merge: " << error << "\n";
    return kExitSetupFailed;
  }
  metrics::SummaryInput summary = metrics::SummaryInputOf(merged);
  summary.color = metrics::UseColor(isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
  bool written = sinks.Finish({&merged, &summary, plan ? &info : nullptr}, &error);
  if (!written) std::cerr << "wsyaml merge: " << error << "\n";
  std::cerr << "wsyaml merge: " << flags.inputs.size() << " files (" << merged.merged_runs
            << " runs)" << (flags.output.empty() ? "" : " -> " + flags.output) << "\n";
  if (!metrics::AllPassed(merged.thresholds)) return kExitThresholdsFailed;
  if (merged.interrupted) return kExitInterrupted;
  return written ? kExitOk : kExitSetupFailed;
}

}  // namespace

void AddMergeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* merge = app.add_subcommand(
      "merge",
      "Merge result files (--out result=FILE) exactly: counts summed, histograms merged; print "
      "the whole run's summary and exit 99 when its thresholds fail");
  merge
      ->add_option("results", flags->inputs,
                   "result files to merge; a file may hold several (e.g. `kubectl logs` of the "
                   "segments' pods)")
      ->required()
      ->check(CLI::ExistingFile);
  merge->add_option("-o,--output", flags->output, "write the merged result file");
  merge->add_option("--scenario", flags->scenario,
                    "judge the thresholds of this scenario file on the merged data");
  merge->add_option("--junit", flags->junit, "write a JUnit XML file of the whole run");
  merge->add_option("--report", flags->report, "write the HTML report of the whole run");
  merge->add_option("--summary-export", flags->summary_export,
                    "write the whole run's summary as JSON");
  merge->add_flag("-q,--quiet", flags->quiet, "no summary on standard output");
  merge->callback([flags, &exit_code] { exit_code = Merge(*flags); });
}

}  // namespace wsyaml::cli
