// `wsyaml plan` output: the event graph as indented text and as Graphviz dot.
#include "scenario/plan_format.h"
#include "compile_helpers.h"

namespace wsyaml::scenario::testing {
namespace {

constexpr const char* kScenario = R"(name: demo
target: builtin:echo
vars: {room: lobby}
load: {vus: 2, iterations: 3}
steps:
  - connect:
      url: /ws/${room}
      count: 2
      steps:
        - send: {json: {hi: "${vu}", n: 1}}
        - on-message:
            match: {contains: bye}
            do: [{log: "got ${msg.text}"}]
        - every: {name: tick, interval: 1s..2s, times: 3, do: [ping]}
        - after: {delay: 90s, do: [{close: {code: 4000, reason: done}}]}
thresholds:
  ws_connecting: ["p(95) < 500ms"]
)";

TEST(PlanFormatTest, TextShowsStepsWithPositionsAndNesting) {
  auto plan = MustCompile(kScenario);
  plan.source_file = "demo.yaml";
  EXPECT_EQ(FormatPlan(plan, false),
            "plan demo from demo.yaml\n"
            "target builtin:echo\n"
            "scenario default: 2 VUs x 3 iterations, graceful stop 30s\n"
            "  var room = \"lobby\"\n"
            "  6:5  connect /ws/${room} x2 (async)\n"
            "      10:11  send json {\"hi\":${vu},\"n\":1}\n"
            "      11:11  on-message contains=\"bye\"\n"
            "          13:19  log info \"got ${msg.text}\"\n"
            "      14:11  every 'tick' 1s..2s x3\n"
            "          14:64  ping\n"
            "      15:11  after 1m30s\n"
            "          15:37  close 4000 \"done\"\n"
            "threshold ws_connecting: p(95) < 500ms\n");
}

TEST(PlanFormatTest, DotIsADigraphWithSequenceAndBodyEdges) {
  auto plan = MustCompile(kScenario);
  std::string dot = FormatPlan(plan, true);
  EXPECT_EQ(dot.rfind("digraph \"demo\" {\n", 0), 0u) << dot;
  EXPECT_NE(dot.find("scenario0 -> s0;"), std::string::npos) << dot;
  EXPECT_NE(dot.find("s0 -> s1 [style=dashed, label=\"on open\"];"), std::string::npos) << dot;
  EXPECT_NE(dot.find("s1 -> s2;"), std::string::npos) << dot;  // send, then on-message
  EXPECT_NE(dot.find("\\\"hi\\\""), std::string::npos) << "quotes escaped: " << dot;
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
}

TEST(PlanFormatTest, Durations) {
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(90)), "1m30s");
  EXPECT_EQ(FormatDuration(std::chrono::seconds(3600)), "1h");
  EXPECT_EQ(FormatDuration(std::chrono::microseconds(5)), "5us");
  EXPECT_EQ(FormatDuration(std::chrono::microseconds(0)), "0s");
}

}  // namespace
}  // namespace wsyaml::scenario::testing
