// libFuzzer entry for the scenario compiler: any bytes must compile or fail with
// diagnostics — never crash, hang, or leak. Seed corpus: scenarios/.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "scenario/compiler.h"
#include "scenario/plan_format.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  wsyaml::scenario::CompileOptions options;
  options.file_name = "fuzz.yaml";
  options.base_dir = "/nonexistent-wsyaml-fuzz";  // relative data and payload files never exist
  options.env = {{"TARGET", "ws://127.0.0.1:1"}};
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto result = wsyaml::scenario::Compile(text, options);
  for (const auto& d : result.diagnostics) (void)d.Format();
  if (result.plan) {
    (void)wsyaml::scenario::FormatPlan(*result.plan, false);
    (void)wsyaml::scenario::FormatPlan(*result.plan, true);
  }
  return 0;
}
