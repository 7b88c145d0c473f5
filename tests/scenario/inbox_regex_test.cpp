// The compiler's side of the inbox (which connections keep one, `inbox:`), templated regexes
// and regex captures: graphs for good input, positioned errors for bad.
#include <re2/re2.h>

#include <variant>

#include "compile_helpers.h"
#include "scenario/plan_format.h"

namespace wsyaml::scenario::testing {
namespace {

// The connects of a step list in source order, nested ones (programs, repeats, handlers)
// right after the step that holds them.
void CollectConnects(const graph::StepList& steps, std::vector<const graph::Connect*>* out) {
  for (const auto& step : steps) {
    if (auto* c = std::get_if<graph::Connect>(&step.action)) {
      out->push_back(c);
      CollectConnects(c->steps, out);
    } else if (auto* r = std::get_if<graph::Repeat>(&step.action)) {
      CollectConnects(r->body, out);
    } else if (auto* h = std::get_if<graph::OnMessage>(&step.action)) {
      CollectConnects(h->body, out);
    } else if (auto* a = std::get_if<graph::After>(&step.action)) {
      CollectConnects(a->body, out);
    }
  }
}

// keeps_inbox of each connect of `steps_yaml` (the steps of a scenario), as "1" and "0".
std::string Inboxes(const std::string& steps_yaml) {
  graph::TestPlan plan = MustCompile("target: builtin:echo\nsteps:\n" + steps_yaml);
  std::vector<const graph::Connect*> connects;
  CollectConnects(Steps(plan), &connects);
  std::string out;
  for (const auto* c : connects) out += c->keeps_inbox ? "1" : "0";
  return out;
}

TEST(InboxCompile, OnlyConnectionsAnExpectMayRunOnKeepAnInbox) {
  EXPECT_EQ(Inboxes("  - connect: /a\n  - send: x\n  - expect: {}\n"), "1");
  EXPECT_EQ(Inboxes("  - connect: /a\n  - repeat: {times: 3, do: [{expect: {}}, {expect: {}}]}\n"),
            "1");
  EXPECT_EQ(Inboxes("  - connect: /a\n  - send: x\n  - sleep: 1s\n"), "0");
  // The expects after the second connect run on it, not on the first.
  EXPECT_EQ(Inboxes("  - connect: /a\n  - send: x\n  - connect: /b\n  - expect: {}\n"), "01");
  EXPECT_EQ(Inboxes("  - connect: /a\n  - expect: {}\n  - connect: /b\n  - send: x\n"), "10");
  // A program is a fiber of its own; the main steps' expect is not on its connection.
  EXPECT_EQ(Inboxes("  - connect: {url: /a, steps: [{expect: {}}]}\n"), "1");
  EXPECT_EQ(Inboxes("  - connect: /m\n  - connect: {url: /a, steps: [{send: x}]}\n"
                    "  - expect: {}\n"),
            "10");
  // A linear connect inside a program replaces the program's connection.
  EXPECT_EQ(Inboxes("  - connect: {url: /a, steps: [{connect: /b}, {expect: {}}]}\n"), "01");
  // Repeats: an expect later in the body, or earlier in it (the next round), counts.
  EXPECT_EQ(Inboxes("  - connect: /a\n  - repeat: {times: 2, do: [{send: x}, {expect: {}}]}\n"),
            "1");
  EXPECT_EQ(Inboxes("  - connect: /m\n  - repeat: {times: 2, do: [{expect: {}}, {connect: /a}]}\n"),
            "11");
  EXPECT_EQ(Inboxes("  - repeat: {times: 2, do: [{connect: /a}, {close: {}}]}\n"), "0");
  // Handlers cannot expect; a connection they open keeps an inbox only for its program.
  EXPECT_EQ(Inboxes("  - connect: /a\n  - on-message: {do: [{connect: {url: /b, steps: "
                    "[{expect: {}}]}}]}\n  - sleep: 1s\n"),
            "01");
}

TEST(InboxCompile, InboxSizeIsAnOptionOfConnectShownByPlan) {
  graph::TestPlan plan = MustCompile(R"(target: builtin:echo
steps:
  - connect: {url: /a, inbox: 5}
  - expect: {}
  - connect: /b
  - expect: {}
  - connect: {url: /c, inbox: 7}
)");
  const auto& steps = Steps(plan);
  ASSERT_EQ(steps.size(), 5u);
  EXPECT_EQ(std::get<graph::Connect>(steps[0].action).inbox, 5);
  EXPECT_EQ(std::get<graph::Connect>(steps[2].action).inbox, 1000);
  EXPECT_EQ(std::get<graph::Connect>(steps[4].action).inbox, 7);
  EXPECT_EQ(std::get<graph::Connect>(steps[0].action).inbox_matchers.size(), 1u);
  EXPECT_TRUE(std::get<graph::Connect>(steps[4].action).inbox_matchers.empty());
  std::string text = FormatPlan(plan, false);
  EXPECT_NE(text.find("connect /a inbox 5 (waits until open)"), std::string::npos) << text;
  EXPECT_NE(text.find("connect /b inbox 1000 (waits until open)"), std::string::npos) << text;
  EXPECT_NE(text.find("connect /c (waits until open)"), std::string::npos) << text;
}

TEST(RegexCompile, ConstantRegexesAreCompiledOnceTemplatedOnesKeepTheirHoles) {
  graph::TestPlan plan = MustCompile(R"(target: builtin:echo
vars: {room: "r.1"}
steps:
  - connect: /a
  - expect: {match: {regex: '^user-\d+$'}}
  - expect: {match: {regex: '^(user|bot) ${vu}: ${room} \($${x}\)$'}}
  - expect: {match: {regex: 'host=${env.HOST}\.'}}
)");
  const auto& steps = Steps(plan);
  ASSERT_EQ(steps.size(), 4u);
  const auto& constant = std::get<graph::Expect>(steps[1].action).match;
  ASSERT_TRUE(constant.regex);
  EXPECT_FALSE(constant.regex_template);
  const auto& templated = std::get<graph::Expect>(steps[2].action).match;
  EXPECT_FALSE(templated.regex);
  ASSERT_TRUE(templated.regex_template);
  EXPECT_EQ(Render(*templated.regex_template), "^(user|bot) {vu/re}: {var:0/re} \\(${x}\\)$");
  EXPECT_EQ(templated.regex_source, "^(user|bot) ${vu}: ${room} \\($${x}\\)$");
  // An environment value is known now: quoted into the constant pattern.
  const auto& env = std::get<graph::Expect>(steps[3].action).match;
  ASSERT_TRUE(env.regex);
  EXPECT_EQ(env.regex->pattern(), "host=example\\.");
}

TEST(RegexCompile, CapturesTakeAGroupByNumberOrName) {
  graph::TestPlan plan = MustCompile(R"(target: builtin:echo
steps:
  - connect: /a
  - expect:
      capture:
        order: {regex: 'order=(\d+)'}
        second: {regex: '(a)(b)', group: 2}
        whole: {regex: 'x+', group: 0}
        named: {regex: 'a(?P<first>b)(?P<second>c)', group: second}
        path: msg.id
)");
  const auto& captures = std::get<graph::Expect>(Steps(plan)[1].action).captures;
  ASSERT_EQ(captures.size(), 5u);
  int groups[] = {1, 2, 0, 2};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(captures[i].regex) << i;
    EXPECT_EQ(captures[i].group, groups[i]) << i;
  }
  EXPECT_EQ(captures[0].regex_source, "order=(\\d+)");
  EXPECT_FALSE(captures[4].regex);
  std::string text = FormatPlan(plan, false);
  EXPECT_NE(text.find("capture order=regex/order=(\\d+)/ capture second=regex/(a)(b)/ group 2"),
            std::string::npos)
      << text;
}

struct BadCase {
  const char* steps;
  int line;
  int column;
  const char* fragment;
};

// Steps start on line 3; the expect is on line 4.
const BadCase kBad[] = {
    {"  - expect: {match: {regex: '(${vu}'}}\n", 4, 29, "regex does not compile"},
    {"  - expect: {capture: {x: {regex: 'a+'}}}\n", 4, 35, "no group to store"},
    {"  - expect: {capture: {x: {regex: '(a'}}}\n", 4, 35, "regex does not compile"},
    {"  - expect: {capture: {x: {regex: '(a)', group: 2}}}\n", 4, 49, "group 2 does not exist"},
    {"  - expect: {capture: {x: {regex: '(a)', group: nope}}}\n", 4, 49, "no group named 'nope'"},
    {"  - expect: {capture: {x: {group: 1}}}\n", 4, 27, "needs a regex"},
    {"  - expect: {capture: {x: {regex: '(a)', grop: 1}}}\n", 4, 42, "did you mean 'group'"},
    {"  - connect: {url: /a, inbox: -1}\n", 3, 31, "inbox must be at least 0"},
};

TEST(RegexCompile, ErrorsPointAtTheirCause) {
  for (const auto& c : kBad) {
    std::string yaml = std::string("target: builtin:echo\nsteps:\n") + c.steps;
    if (std::string(c.steps).find("expect") != std::string::npos)
      yaml = std::string("target: builtin:echo\nsteps:\n  - connect: /a\n") + c.steps;
    CompileResult r = CompileText(yaml);
    ASSERT_FALSE(r.ok()) << c.steps;
    ASSERT_FALSE(r.diagnostics.empty()) << c.steps;
    const auto& d = r.diagnostics[0];
    EXPECT_EQ(d.line, c.line) << c.steps << AllDiagnostics(r);
    EXPECT_EQ(d.column, c.column) << c.steps << AllDiagnostics(r);
    EXPECT_NE((d.message + " " + d.hint).find(c.fragment), std::string::npos)
        << c.steps << AllDiagnostics(r);
  }
}

}  // namespace
}  // namespace wsyaml::scenario::testing
