// The subcommand table: each `wsyaml <command>` lives in its own file and adds itself here.
#pragma once

#include <CLI/CLI.hpp>

#include "run/exit_codes.h"

namespace wsyaml::cli {

/// Adds a subcommand to `app`; when it runs, its callback stores the process exit code.
using CommandAdder = void (*)(CLI::App& app, int& exit_code);

/// Exit codes, documented in README.md.
using run::kExitInterrupted;
using run::kExitInvalid;
using run::kExitOk;
using run::kExitSetupFailed;
using run::kExitThresholdsFailed;

void AddRunCommand(CLI::App& app, int& exit_code);       ///< wsyaml run FILE
void AddServeCommand(CLI::App& app, int& exit_code);     ///< wsyaml serve chat|echo
void AddValidateCommand(CLI::App& app, int& exit_code);  ///< wsyaml validate FILE...
void AddPlanCommand(CLI::App& app, int& exit_code);      ///< wsyaml plan FILE
void AddSchemaCommand(CLI::App& app, int& exit_code);    ///< wsyaml schema
void AddMergeCommand(CLI::App& app, int& exit_code);     ///< wsyaml merge A.json B.json -o ALL.json
void AddCompareCommand(CLI::App& app, int& exit_code);   ///< wsyaml compare BASE.json NEW.json
void AddK8sCommand(CLI::App& app, int& exit_code);       ///< wsyaml k8s FILE --segments N

}  // namespace wsyaml::cli
