// wsyaml: WebSocket load and regression tests from YAML. Thin main: a table of subcommands.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace wsyaml::cli;
  static constexpr CommandAdder kCommands[] = {
      AddRunCommand,    AddServeCommand, AddValidateCommand, AddPlanCommand,
      AddSchemaCommand, AddMergeCommand, AddCompareCommand,  AddK8sCommand,
  };
  CLI::App app{"wsyaml: WebSocket load and regression tests written as YAML"};
  app.set_version_flag("--version", "wsyaml " WSYAML_VERSION);
  app.require_subcommand(1);
  int exit_code = kExitOk;
  for (CommandAdder add : kCommands) add(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitInvalid;
  }
  return exit_code;
}
