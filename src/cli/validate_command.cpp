// wsyaml validate FILE... and wsyaml plan FILE: compile without running.
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

struct ValidateFlags {
  std::vector<std::string> files;
  std::vector<std::string> env_pairs;  ///< -e NAME=VALUE
};

int Validate(const ValidateFlags& flags) {
  scenario::CompileOptions options;
  options.env = scenario::ProcessEnvironment();
  std::string error;
  if (!scenario::OverlayEnvPairs(flags.env_pairs, &options.env, &error)) {
    std::cerr << "wsyaml: " << error << "\n";
    return kExitInvalid;
  }
  int exit_code = kExitOk;
  for (const auto& file : flags.files) {
    scenario::CompileResult result = scenario::CompileFile(file, options);
    for (const auto& d : result.diagnostics) std::cout << d.Format();
    if (result.ok()) {
      std::cout << file << ": ok\n";
    } else {
      exit_code = kExitInvalid;
    }
  }
  return exit_code;
}

}  // namespace

void AddValidateCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ValidateFlags>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Check scenario files without running them; exit 2 when one has an error");
  cmd->add_option("files", flags->files, "scenario files")->required();
  cmd->add_option("-e,--env", flags->env_pairs, "Set ${env.NAME}: -e NAME=VALUE (repeatable)")
      ->allow_extra_args(false);  // one value per -e: a file after it stays a file
  cmd->callback([flags, &exit_code] { exit_code = Validate(*flags); });
}

}  // namespace wsyaml::cli
