// wsyaml schema: prints the JSON Schema of the scenario language (schemas/wsyaml.schema.json),
// for editors and CI linters that want it without the source tree.
#include <iostream>

#include "cli/commands.h"
#include "cli/schema_text.h"

namespace wsyaml::cli {
namespace {

int PrintSchema() {
  std::cout << kSchemaText;
  return std::cout.good() ? kExitOk : kExitSetupFailed;
}

}  // namespace

void AddSchemaCommand(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand(
      "schema",
      "Print the JSON Schema of the scenario language (for yaml-language-server: "
      "# yaml-language-server: $schema=PATH as the first line of a scenario)");
  command->callback([&exit_code] { exit_code = PrintSchema(); });
}

}  // namespace wsyaml::cli
