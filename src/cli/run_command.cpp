// wsyaml run FILE: parses and checks the flags, then hands the run to run::Runner.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/run_flags.h"
#include "run/runner.h"

namespace wsyaml::cli {

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario file");
  DeclareRunFlags(cmd, flags.get());
  cmd->callback([flags, &exit_code] {
    run::RunOptions options;
    std::string error;
    if (!ToRunOptions(*flags, scenario::ProcessEnvironment(), &options, &error)) {
      std::cerr << "wsyaml: " << error << "\n";
      exit_code = kExitInvalid;
      return;
    }
    // Colour only for a terminal, never in a file or a pipe; NO_COLOR (no-color.org) wins.
    options.color = metrics::UseColor(isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
    exit_code = run::Runner(std::move(options)).Run();
  });
}

}  // namespace wsyaml::cli
