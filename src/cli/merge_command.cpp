// wsyaml merge A.json B.json ... -o ALL.json: exact merge of result files (counts summed,
// histograms merged, thresholds re-evaluated), for worker processes and distributed runs.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "metrics/result.h"

namespace wsyaml::cli {
namespace {

struct MergeFlags {
  std::vector<std::string> inputs;
  std::string output;
};

int Merge(const MergeFlags& flags) {
  metrics::Result merged;
  for (size_t i = 0; i < flags.inputs.size(); ++i) {
    metrics::Result one;
    std::string error;
    if (!metrics::ReadResultFile(flags.inputs[i], &one, &error)) {
      std::cerr << "wsyaml merge: " << error << "\n";
      return kExitInvalid;
    }
    if (i == 0) {
      merged = std::move(one);
    } else {
      metrics::MergeResult(one, &merged);
    }
  }
  std::string error;
  if (!metrics::WriteResultFile(flags.output, merged, &error)) {
    std::cerr << "wsyaml merge: " << error << "\n";
    return kExitSetupFailed;
  }
  std::cerr << "wsyaml merge: " << flags.inputs.size() << " results (" << merged.merged_runs
            << " runs) -> " << flags.output << "\n";
  return metrics::AllPassed(merged.thresholds) ? kExitOk : kExitThresholdsFailed;
}

}  // namespace

void AddMergeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<MergeFlags>();
  CLI::App* merge = app.add_subcommand(
      "merge", "Merge result files (--out json=FILE) exactly: counts summed, histograms merged");
  merge->add_option("results", flags->inputs, "result files to merge")
      ->required()
      ->check(CLI::ExistingFile);
  merge->add_option("-o,--output", flags->output, "the merged result file")->required();
  merge->callback([flags, &exit_code] { exit_code = Merge(*flags); });
}

}  // namespace wsyaml::cli
