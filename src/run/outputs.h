// The files a run writes at its end (--out, --junit, --report): parsed and checked before the
// run starts, so a typo never costs a whole run; written once at the end.
#pragma once

#include <string>
#include <vector>

#include "metrics/result.h"
#include "run/run_options.h"

namespace wsyaml::run {

/// Parses `--out KIND=PATH` (json or ndjson). False with a one-line *error otherwise.
bool ParseOutFlag(const std::string& flag, OutputSpec* out, std::string* error);

/// Checks that every output can be written: a non-empty path that is not a directory, in an
/// existing writable directory, and no two outputs on the same path. False with *error.
bool CheckOutputs(const std::vector<OutputSpec>& outputs, std::string* error);

/// Writes every output (each atomically). False with *error naming the last failure; the
/// others are still written.
bool WriteOutputs(const std::vector<OutputSpec>& outputs, const metrics::Result& result,
                  std::string* error);

}  // namespace wsyaml::run
