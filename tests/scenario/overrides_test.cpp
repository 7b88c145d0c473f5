// Command-line overrides go through the compiler: applied to every scenario's load and
// checked like the file's own values.
#include "compile_helpers.h"

namespace wsyaml::scenario::testing {
namespace {

using graph::LoadProfile;
using std::chrono::seconds;

CompileResult CompileWith(const std::string& yaml, const Overrides& overrides) {
  CompileOptions options;
  options.file_name = "test.yaml";
  options.overrides = overrides;
  return Compile(yaml, options);
}

TEST(OverridesTest, ReplaceTheLoadOfEveryScenario) {
  Overrides o;
  o.vus = 3;
  o.iterations = 2;
  o.graceful_stop = seconds(1);
  CompileResult r = CompileWith(R"(target: builtin:echo
scenarios:
  a: {load: {vus: 1, duration: 1m}, steps: [{connect: /a}]}
  b: {load: {stages: [{duration: 10s, target: 5}]}, steps: [{connect: /b}]}
)",
                                o);
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  for (const graph::Scenario& s : r.plan->scenarios) {
    EXPECT_EQ(s.load.kind, LoadProfile::Kind::kPerVuIterations) << s.name;
    EXPECT_EQ(s.load.vus, 3);
    EXPECT_EQ(s.load.iterations, 2);
    EXPECT_EQ(s.load.duration.count(), 0);  // the default maximum
    EXPECT_EQ(s.load.graceful_stop, seconds(1));
  }
}

TEST(OverridesTest, VusTurnStagesIntoConstantVusForAsLong) {
  Overrides o;
  o.vus = 4;
  CompileResult r = CompileWith(
      "target: builtin:echo\nload: {stages: [{duration: 10s, target: 5}, {duration: 5s, "
      "target: 0}]}\nsteps: [{connect: /a}]\n",
      o);
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_EQ(r.plan->scenarios[0].load.kind, LoadProfile::Kind::kConstantVus);
  EXPECT_EQ(r.plan->scenarios[0].load.duration, seconds(15));
}

TEST(OverridesTest, TargetSuppliesAMissingOne) {
  Overrides o;
  o.target = "ws://127.0.0.1:9";
  CompileResult r = CompileWith("steps:\n  - connect: /x\n  - close\n", o);
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  EXPECT_EQ(r.plan->target, "ws://127.0.0.1:9");
}

TEST(OverridesTest, BadValuesAreOneErrorEach) {
  const struct {
    Overrides overrides;
    const char* message;
  } kCases[] = {
      {{0, {}, {}, {}, {}}, "--vus must be at least 1, got 0"},
      {{{}, 0, {}, {}, {}}, "--iterations must be at least 1, got 0"},
      {{{}, {}, seconds(0), {}, {}}, "--duration must be longer than 0"},
      {{{}, {}, {}, {}, "ftp://x"}, "--target must be builtin:chat"},
  };
  for (const auto& c : kCases) {
    CompileResult r = CompileWith("target: builtin:echo\nsteps: [{connect: /x}]\n", c.overrides);
    EXPECT_FALSE(r.ok()) << c.message;
    ASSERT_EQ(r.diagnostics.size(), 1u) << AllDiagnostics(r);
    EXPECT_NE(r.diagnostics[0].message.find(c.message), std::string::npos)
        << r.diagnostics[0].message;
  }
}

}  // namespace
}  // namespace wsyaml::scenario::testing
