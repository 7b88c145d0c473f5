// ${args[i]}: socket.io's arguments, a message path whose first key is "$args", allowed where
// ${msg} is, in templates, expressions, captures; `plan` prints it back as written.
#include "compile_helpers.h"
#include "scenario/plan_format.h"
#include "scenario/templates.h"

namespace wsyaml::scenario::testing {
namespace {

constexpr const char* kHead = R"(name: args
target: builtin:echo
steps:
  - connect: /
)";

std::string Plan(const std::string& steps) {
  return FormatPlan(MustCompile(std::string(kHead) + steps), false);
}

TEST(ArgsTest, AnArgumentIsAMessagePathUnderArgsKey) {
  graph::JsonPath path;
  std::string error;
  ASSERT_TRUE(ParseMsgPath("args[1].name", &path, &error)) << error;
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(path[0].key, kArgsKey);
  EXPECT_EQ(path[1].index, 1);
  EXPECT_EQ(path[2].key, "name");
  EXPECT_EQ(MsgPathSource(path), "args[1].name");
  graph::JsonPath field;
  ASSERT_TRUE(ParseMsgPath("msg.args", &field, &error)) << error;  // a field named args
  EXPECT_EQ(MsgPathSource(field), "msg.args");
}

TEST(ArgsTest, TemplatesExpressionsAndCapturesPrintBack) {
  std::string plan = Plan(R"(  - on-message:
      capture: {second: "args[1]"}
      do:
        - log: "${args[0]} and ${args[1].text}"
        - if: {condition: "${args[2] == 'x'}", then: [close]}
)");
  EXPECT_NE(plan.find("capture second=args[1]"), std::string::npos) << plan;
  EXPECT_NE(plan.find("\"${args[0]} and ${args[1].text}\""), std::string::npos) << plan;
  EXPECT_NE(plan.find("args[2] == \"x\""), std::string::npos) << plan;
}

TEST(ArgsTest, OnlyWhereMsgIs) {
  CompileResult r = CompileText(std::string(kHead) + "  - send: \"${args[0]}\"\n");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(AllDiagnostics(r).find("${args} is only available inside an on-message handler"),
            std::string::npos)
      << AllDiagnostics(r);
}

TEST(ArgsTest, AVariableNamedArgsKeepsItsMeaning) {
  std::string plan = FormatPlan(MustCompile(R"(name: args
target: builtin:echo
vars: {args: 3}
steps:
  - connect: /
  - on-message:
      do:
        - log: "${args}"
)"),
                                false);
  EXPECT_NE(plan.find("log info \"${args}\""), std::string::npos) << plan;
  EXPECT_EQ(plan.find("$args"), std::string::npos) << plan;
}

}  // namespace
}  // namespace wsyaml::scenario::testing
