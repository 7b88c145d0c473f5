// Helpers shared by the compiler tests: compile inline YAML, render templates for asserts.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "scenario/compiler.h"

namespace wsyaml::scenario::testing {

/// Compiles `yaml` with a fixed environment (TARGET unset, HOST=example).
inline CompileResult CompileText(const std::string& yaml) {
  CompileOptions options;
  options.file_name = "test.yaml";
  options.base_dir = WSYAML_SOURCE_DIR "/tests/scenario/data";
  options.env = {{"HOST", "example"}, {"PORT", "8080"}};
  return Compile(yaml, options);
}

/// All diagnostics, formatted, for failure messages.
inline std::string AllDiagnostics(const CompileResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.Format();
  return out;
}

/// Compiles and asserts success; returns the plan.
inline graph::TestPlan MustCompile(const std::string& yaml) {
  CompileResult r = CompileText(yaml);
  EXPECT_TRUE(r.ok()) << AllDiagnostics(r);
  return r.plan ? *r.plan : graph::TestPlan{};
}

/// A readable rendering of a template: literals as is, holes as {kind[:detail]/escape}.
std::string Render(const graph::Template& t);

/// The steps of the first scenario.
inline const graph::StepList& Steps(const graph::TestPlan& plan) {
  static const graph::StepList kEmpty;
  return plan.scenarios.empty() ? kEmpty : plan.scenarios[0].steps;
}

}  // namespace wsyaml::scenario::testing
