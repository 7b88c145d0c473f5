// wsyaml compare BASE.json NEW.json [--tolerance 10%]: every metric and check side by side;
// exits 1 when NEW regressed beyond the tolerance — an offline regression gate for CI.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "metrics/compare.h"
#include "metrics/result.h"
#include "scenario/compiler.h"

namespace wsyaml::cli {
namespace {

/// Exit status of `wsyaml compare` when the new result regressed.
constexpr int kExitRegression = 1;

struct CompareFlags {
  std::string base;
  std::string current;
  std::string tolerance = "10%";
  uint64_t min_samples = metrics::CompareOptions{}.min_samples;
  std::string min_difference = "1ms";
};

int Compare(const CompareFlags& flags) {
  metrics::CompareOptions options;
  options.min_samples = flags.min_samples;
  if (!metrics::ParseTolerance(flags.tolerance, &options.tolerance)) {
    std::cerr << "wsyaml compare: --tolerance expects a percentage like 10%, got '"
              << flags.tolerance << "'\n";
    return kExitInvalid;
  }
  std::string parse_error;
  std::optional<graph::Micros> min_difference =
      scenario::ParseDuration(flags.min_difference, &parse_error);
  if (!min_difference) {
    std::cerr << "wsyaml compare: --min-difference: " << parse_error << "\n";
    return kExitInvalid;
  }
  options.min_difference_us = static_cast<double>(min_difference->count());
  metrics::Result base, current;
  std::string error;
  if (!metrics::ReadResultFile(flags.base, &base, &error) ||
      !metrics::ReadResultFile(flags.current, &current, &error)) {
    std::cerr << "wsyaml compare: " << error << "\n";
    return kExitInvalid;
  }
  metrics::CompareReport report = metrics::CompareResults(base, current, options);
  std::cout << "\n   base: " << flags.base << "\n   new:  " << flags.current << "\n\n"
            << metrics::FormatCompare(report);
  return report.regressions > 0 ? kExitRegression : kExitOk;
}

}  // namespace

void AddCompareCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* compare = app.add_subcommand(
      "compare", "Compare two result files; exit 1 on a regression beyond the tolerance");
  compare->add_option("base", flags->base, "the baseline result file")
      ->required()
      ->check(CLI::ExistingFile);
  compare->add_option("new", flags->current, "the result file to judge")
      ->required()
      ->check(CLI::ExistingFile);
  compare
      ->add_option("-t,--tolerance", flags->tolerance,
                   "allowed worsening of latency percentiles and failure counts")
      ->capture_default_str();
  compare
      ->add_option("--min-samples", flags->min_samples,
                   "latency figures with fewer samples on a side are shown, not judged")
      ->capture_default_str();
  compare
      ->add_option("--min-difference", flags->min_difference,
                   "latency worsening at or below this is noise, not a regression")
      ->capture_default_str();
  compare->callback([flags, &exit_code] { exit_code = Compare(*flags); });
}

}  // namespace wsyaml::cli
