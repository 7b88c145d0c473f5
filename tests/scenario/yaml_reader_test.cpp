// Reading YAML safely: alias bombs are refused by size, with a position, instead of being
// expanded for minutes.
#include <yaml-cpp/yaml.h>

#include "compile_helpers.h"
#include "scenario/yaml_reader.h"

namespace wsyaml::scenario::testing {
namespace {

// Nine levels of nine aliases: 9^9 = 387,420,489 nodes once expanded, from a 1 KB file.
std::string AliasBomb() {
  std::string yaml = "x: &l0 [a, a, a, a, a, a, a, a, a]\n";
  for (int level = 1; level <= 9; ++level) {
    std::string prev = "*l" + std::to_string(level - 1);
    yaml += "x" + std::to_string(level) + ": &l" + std::to_string(level) + " [";
    for (int i = 0; i < 9; ++i) yaml += (i ? ", " : "") + prev;
    yaml += "]\n";
  }
  return yaml + "target: builtin:echo\nsteps: [close]\n";
}

TEST(YamlReader, AnAliasBombIsRefusedWithItsSize) {
  CompileResult r = CompileText(AliasBomb());
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u) << AllDiagnostics(r);
  EXPECT_NE(r.diagnostics[0].message.find("more than 200000 YAML nodes"), std::string::npos)
      << AllDiagnostics(r);
  EXPECT_NE(r.diagnostics[0].hint.find("aliases"), std::string::npos);
  EXPECT_GT(r.diagnostics[0].line, 0);
}

TEST(YamlReader, ExpandedSizeCountsAliasesAndStopsAtTheLimit) {
  YAML::Node small = YAML::Load("a: &x [1, 2, 3]\nb: [*x, *x]\n");
  YAML::Node where;
  // root + 2 keys + list of 3 + list of 2 lists of 3 = 1 + 2 + 4 + 1 + 2 * 4 = 16
  EXPECT_TRUE(ExpandedSizeWithin(small, 16, &where));
  EXPECT_FALSE(ExpandedSizeWithin(small, 15, &where));
  EXPECT_TRUE(ExpandedSizeWithin(YAML::Load("x: &l0 [a, a, a]\n"), 100, &where));
}

TEST(YamlReader, OrdinaryAliasesStillCompile) {
  MustCompile(
      "target: builtin:echo\n"
      "steps:\n"
      "  - connect: /\n"
      "  - send: &hello {json: {hello: world}}\n"
      "  - send: *hello\n"
      "  - close\n");
}

}  // namespace
}  // namespace wsyaml::scenario::testing
