// wsyaml schema: prints the JSON Schema of the scenario language (schemas/wsyaml.schema.json),
// for editors and CI linters that want it without the source tree.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cli/commands.h"

#ifndef WSYAML_SCHEMA_FILE
#error "WSYAML_SCHEMA_FILE must name schemas/wsyaml.schema.json (set in CMakeLists.txt)"
#endif

namespace wsyaml::cli {
namespace {

int PrintSchema() {
  std::ifstream in(WSYAML_SCHEMA_FILE, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf())) {
    std::cerr << "wsyaml schema: cannot read " << WSYAML_SCHEMA_FILE
              << " (the schema is read from the source tree this binary was built from)\n";
    return kExitSetupFailed;
  }
  std::cout << text.str();
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
