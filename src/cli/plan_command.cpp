// wsyaml plan FILE [--format text|dot]: print the compiled event graph.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scenario/compiler.h"
#include "scenario/plan_format.h"

namespace wsyaml::cli {

namespace {

struct PlanFlags {
  std::string file;
  std::string format = "text";
  std::vector<std::string> env_pairs;  ///< -e NAME=VALUE
};

int Plan(const PlanFlags& flags) {
  scenario::CompileOptions options;
  options.env = scenario::ProcessEnvironment();
  std::string error;
  if (!scenario::OverlayEnvPairs(flags.env_pairs, &options.env, &error)) {
    std::cerr << "wsyaml: " << error << "\n";
    return kExitInvalid;
  }
  scenario::CompileResult result = scenario::CompileFile(flags.file, options);
  for (const auto& d : result.diagnostics) std::cerr << d.Format();
  if (!result.ok()) return kExitInvalid;
  std::cout << scenario::FormatPlan(*result.plan, flags.format == "dot");
  return kExitOk;
}

}  // namespace

void AddPlanCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<PlanFlags>();
  CLI::App* cmd =
      app.add_subcommand("plan", "Print the compiled event graph of a scenario (text or dot)");
  cmd->add_option("file", flags->file, "scenario file")->required();
  cmd->add_option("--format", flags->format, "text (indented) or dot (Graphviz)")
      ->check(CLI::IsMember({"text", "dot"}))
      ->capture_default_str();
  cmd->add_option("-e,--env", flags->env_pairs, "Set ${env.NAME}: -e NAME=VALUE (repeatable)")
      ->allow_extra_args(false);  // one value per -e: a file after it stays a file
  cmd->callback([flags, &exit_code] { exit_code = Plan(*flags); });
}

}  // namespace wsyaml::cli
