// The Language issue, compile side: every remaining step, matcher, function, feeder, load
// profile, scenario map and threshold compiles to the expected graph.
#include <re2/re2.h>

#include "catalog/catalog.h"
#include "compile_helpers.h"

namespace wsyaml::scenario::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

template <typename T>
const T& As(const graph::StepList& steps, size_t i) {
  static const T kEmpty{};
  if (i >= steps.size()) {
    ADD_FAILURE() << "no step " << i;
    return kEmpty;
  }
  EXPECT_TRUE(std::holds_alternative<T>(steps[i].action)) << "step " << i;
  return std::holds_alternative<T>(steps[i].action) ? std::get<T>(steps[i].action) : kEmpty;
}

TEST(LanguageTest, WaitingStepsInALinearProgram) {
  auto plan = MustCompile(R"(
target: builtin:echo
steps:
  - connect: /
  - send: ping
  - expect:
      match: {regex: '^p[a-z]+$', binary: false}
      within: 2s
      capture: {answer: msg, first: "msg.items[0].id"}
  - expect: {match: {contains: x}}
  - sleep: 1s..3s
  - sleep: {duration: 250ms}
  - wait
  - wait: all
  - wait: {max: 5s}
  - repeat: {times: 3, do: [{send: "${answer}"}, {sleep: 10ms}]}
  - repeat: {for: 1m, do: [ping]}
  - set: {who: "${first}-${vu}"}
  - ping: {name: p1}
  - fail: "got ${who}"
  - fail
)");
  const auto& s = Steps(plan);
  const auto& e = As<graph::Expect>(s, 2);
  EXPECT_EQ(e.within, seconds(2));
  ASSERT_TRUE(e.match.regex);
  EXPECT_TRUE(re2::RE2::PartialMatch("pong", *e.match.regex));
  EXPECT_FALSE(re2::RE2::PartialMatch("xpong", *e.match.regex));
  EXPECT_EQ(e.match.regex_source, "^p[a-z]+$");
  EXPECT_EQ(e.match.binary, false);
  ASSERT_EQ(e.captures.size(), 2u);
  EXPECT_TRUE(e.captures[0].path.empty());
  ASSERT_EQ(e.captures[1].path.size(), 3u);
  EXPECT_EQ(e.captures[1].path[1].index, 0);
  EXPECT_EQ(plan.var_names[e.captures[0].slot], "answer");
  EXPECT_EQ(plan.var_names[e.captures[1].slot], "first");
  EXPECT_EQ(e.name, "expect at line 6");
  EXPECT_EQ(As<graph::Expect>(s, 3).within, seconds(10));
  EXPECT_EQ(As<graph::Sleep>(s, 4).duration.min, seconds(1));
  EXPECT_EQ(As<graph::Sleep>(s, 4).duration.max, seconds(3));
  EXPECT_EQ(As<graph::Sleep>(s, 5).duration.max, milliseconds(250));
  EXPECT_FALSE(As<graph::Wait>(s, 6).all);
  EXPECT_TRUE(As<graph::Wait>(s, 7).all);
  EXPECT_EQ(As<graph::Wait>(s, 8).max, seconds(5));
  const auto& r = As<graph::Repeat>(s, 9);
  EXPECT_EQ(r.times, 3);
  ASSERT_EQ(r.body.size(), 2u);
  EXPECT_EQ(Render(std::get<graph::Send>(r.body[0].action).payload.body),
            "{var:" + std::to_string(e.captures[0].slot) + "}");
  EXPECT_EQ(As<graph::Repeat>(s, 10).for_, seconds(60));
  const auto& set = As<graph::Set>(s, 11);
  ASSERT_EQ(set.assignments.size(), 1u);
  EXPECT_EQ(plan.var_names[set.assignments[0].first], "who");
  EXPECT_EQ(As<graph::Ping>(s, 12).name, "p1");
  EXPECT_EQ(Render(As<graph::Fail>(s, 13).message),
            "got {var:" + std::to_string(set.assignments[0].first) + "}");
  EXPECT_EQ(As<graph::Fail>(s, 14).name, "fail at line 21");
}

TEST(LanguageTest, HandlersOnceNamesAndEvents) {
  auto plan = MustCompile(R"(
target: builtin:echo
steps:
  - connect:
      url: /
      subprotocols: chat
      origin: https://example.test
      max-message-size: 64KB
      compression: deflate
      reconnect: {max: 5, backoff: 1s..5s}
      steps:
        - on-open: [{log: "open ${conn.protocol}"}]
        - on-error: {once: true, name: err, do: [{log: oops}]}
        - on-message:
            name: counter
            once: true
            capture: {last: msg.n}
            measure: {since: msg.sent_at, name: fanout}
            do: [{cancel: [counter, err]}]
)");
  const auto& c = As<graph::Connect>(Steps(plan), 0);
  EXPECT_EQ(c.max_message_size, 64u * 1024);
  EXPECT_TRUE(c.compression);
  ASSERT_EQ(c.headers.size(), 1u);
  EXPECT_EQ(c.headers[0].first, "Origin");
  EXPECT_EQ(c.subprotocols, std::vector<std::string>{"chat"});
  EXPECT_EQ(c.reconnect.max, 5);
  EXPECT_EQ(c.reconnect.backoff.max, seconds(5));
  const auto& open = As<graph::OnEvent>(c.steps, 0);
  EXPECT_EQ(open.kind, graph::OnEvent::Kind::kOpen);
  EXPECT_EQ(Render(std::get<graph::Log>(open.body[0].action).text), "open {conn.protocol}");
  const auto& err = As<graph::OnEvent>(c.steps, 1);
  EXPECT_EQ(err.kind, graph::OnEvent::Kind::kError);
  EXPECT_TRUE(err.once);
  EXPECT_EQ(err.name, "err");
  const auto& m = As<graph::OnMessage>(c.steps, 2);
  EXPECT_TRUE(m.once);
  EXPECT_EQ(m.name, "counter");
  ASSERT_EQ(m.captures.size(), 1u);
  ASSERT_TRUE(m.measure);
  EXPECT_EQ(m.measure->since[0].key, "sent_at");
  EXPECT_EQ(m.measure->name, "fanout");
}

TEST(LanguageTest, BinaryPayloadsToAndReply) {
  auto plan = MustCompile(R"(
target: ws://127.0.0.1:1
steps:
  - connect: {url: /a, name: main}
  - connect: {url: /b, name: side, tls: {ca: ca.pem, insecure: true, server-name: x}}
  - send: {base64: "AQL/"}
  - send: {hex: "01 02 ff", to: main}
  - send: {file: blob.bin}
  - send:
      json: {id: "${uuid()}", at: "${timestamp()}", pick: "${randomItem(a, 'b c', ${vu})}"}
      to: side
      reply: {match: {json: {id: "${sent.id}", deep: {n: "${sent.list[1]}"}}}, within: 2s, name: rpc}
)");
  const auto& s = Steps(plan);
  EXPECT_EQ(As<graph::Connect>(s, 1).tls->server_name, "x");
  EXPECT_TRUE(As<graph::Connect>(s, 1).tls->insecure);
  for (size_t i : {2u, 3u, 4u}) {
    EXPECT_EQ(As<graph::Send>(s, i).payload.kind, graph::Payload::Kind::kBinary);
    EXPECT_EQ(As<graph::Send>(s, i).payload.bytes, std::string("\x01\x02\xff", 3));
  }
  EXPECT_EQ(As<graph::Send>(s, 3).to, "main");
  const auto& rpc = As<graph::Send>(s, 5);
  EXPECT_EQ(rpc.to, "side");
  EXPECT_EQ(Render(rpc.payload.body),
            R"({"id":{uuid()/v},"at":{timestamp()/v},"pick":{randomItem(a,b c,{vu})/v}})");
  ASSERT_TRUE(rpc.reply);
  EXPECT_EQ(rpc.reply->name, "rpc");
  EXPECT_EQ(rpc.reply->within, seconds(2));
  ASSERT_EQ(rpc.reply->match.json.size(), 2u);
  EXPECT_EQ(Render(rpc.reply->match.json[0].expected), "{sent.id/v}");
  EXPECT_EQ(Render(rpc.reply->match.json[1].expected), "{sent.list[1]/v}");
  EXPECT_EQ(rpc.reply->match.json[1].path.size(), 2u);
}

TEST(LanguageTest, DataFeeders) {
  auto plan = MustCompile(R"(
target: builtin:echo
data:
  users: {csv: users.csv, order: per-vu}
  items: {json: items.json, order: random}
steps:
  - connect: /
  - send: "${data.users.user}:${data.items.id}"
)");
  ASSERT_EQ(plan.feeders.size(), 2u);
  EXPECT_EQ(plan.feeders[0].order, graph::Feeder::Order::kPerVu);
  EXPECT_EQ(plan.feeders[0].columns, (std::vector<std::string>{"user", "password"}));
  ASSERT_EQ(plan.feeders[0].rows.size(), 2u);
  EXPECT_EQ(plan.feeders[0].rows[1][0], "bob, jr");
  EXPECT_EQ(plan.feeders[1].order, graph::Feeder::Order::kRandom);
  EXPECT_EQ(plan.feeders[1].rows[1], (std::vector<std::string>{"2", "y"}));
  EXPECT_EQ(Render(As<graph::Send>(Steps(plan), 1).payload.body), "{data:0.user}:{data:1.id}");
}

TEST(LanguageTest, LoadProfiles) {
  auto load = [](const std::string& yaml) {
    auto plan = MustCompile("target: builtin:echo\nload: " + yaml + "\nsteps: [{log: x}]\n");
    return plan.scenarios.empty() ? graph::LoadProfile{} : plan.scenarios[0].load;
  };
  auto ramp = load("{stages: [{duration: 30s, target: 20}, {duration: 1m, target: 0}]}");
  EXPECT_EQ(ramp.kind, graph::LoadProfile::Kind::kRampingVus);
  ASSERT_EQ(ramp.stages.size(), 2u);
  EXPECT_EQ(ramp.stages[0].target, 20);
  EXPECT_EQ(ramp.stages[1].duration, seconds(60));
  EXPECT_FALSE(ramp.ramp_up.has_value());
  EXPECT_EQ(load("{vus: 5, duration: 1m, ramp-up: 0s}").ramp_up, seconds(0));
  EXPECT_EQ(load("{vus: 5, iterations: 2, ramp-up: 10s}").ramp_up, seconds(10));
  auto rate = load("{rate: 20/s, duration: 2m, max-vus: 50}");
  EXPECT_EQ(rate.kind, graph::LoadProfile::Kind::kArrivalRate);
  EXPECT_EQ(rate.rate, 20);
  EXPECT_EQ(rate.rate_per, seconds(1));
  EXPECT_EQ(rate.max_vus, 50);
  EXPECT_EQ(rate.duration, seconds(120));
  auto per_min = load("{rate: 90/1m, stages: [{duration: 10s, target: 120}]}");
  EXPECT_EQ(per_min.rate_per, seconds(60));
  ASSERT_EQ(per_min.rate_stages.size(), 1u);
  EXPECT_EQ(per_min.rate_stages[0].target, 120);
  auto once = load("{vus: 3}");
  EXPECT_EQ(once.kind, graph::LoadProfile::Kind::kPerVuIterations);
  EXPECT_EQ(once.iterations, 1);
  auto none = MustCompile("target: builtin:echo\nsteps: [{log: x}]\n");
  ASSERT_EQ(none.scenarios.size(), 1u);
  EXPECT_EQ(none.scenarios[0].load.iterations, 1);
  EXPECT_EQ(none.scenarios[0].load.vus, 1);
}

TEST(LanguageTest, ScenariosShareVarsAndLoad) {
  auto plan = MustCompile(R"(
target: builtin:echo
vars: {room: lobby}
load: {vus: 2, duration: 5s}
scenarios:
  readers:
    vars: {who: "r-${room}"}
    tags: {team: a}
    steps: [{connect: "/${who}"}]
  writers:
    load: {vus: 7, iterations: 1}
    steps: [{connect: "/${room}"}]
thresholds:
  ws_connecting{scenario:writers}: ["p(95) < 1s"]
  ws_sessions{team:a}: ["count > 0"]
)");
  ASSERT_EQ(plan.scenarios.size(), 2u);
  EXPECT_EQ(plan.scenarios[0].name, "readers");
  EXPECT_EQ(plan.scenarios[0].load.vus, 2);
  EXPECT_EQ(plan.scenarios[0].vars.size(), 2u);
  EXPECT_EQ(plan.scenarios[0].tags, (graph::Tags{{"team", "a"}}));
  EXPECT_EQ(plan.scenarios[1].load.vus, 7);
  EXPECT_EQ(plan.scenarios[1].vars.size(), 1u);
  // `who` belongs to readers only.
  auto bad = CompileText(R"(
target: builtin:echo
scenarios:
  a: {vars: {who: x}, steps: [{log: "${who}"}]}
  b: {steps: [{log: "${who}"}]}
)");
  EXPECT_FALSE(bad.ok());
  ASSERT_EQ(bad.diagnostics.size(), 1u) << AllDiagnostics(bad);
  EXPECT_EQ(bad.diagnostics[0].line, 5);
}

TEST(LanguageTest, Thresholds) {
  auto plan = MustCompile(R"(
target: builtin:echo
steps:
  - connect: /
  - send: {text: hi, reply: {match: {text: hi}, name: echo}}
thresholds:
  ws_connecting: ["p(95) < 500ms", "max<2s", "med <= 1m30s"]
  ws_reply_time{name:echo}: ["p(99.9) < 50ms", "avg>=1ms"]
  checks: ["rate > 0.99"]
  ws_errors: [{threshold: "count == 0", abort-on-fail: true, delay-abort-eval: 10s}]
  data_sent: "count != 3"
)");
  const auto& t = plan.thresholds;
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].metric, "ws_connecting");
  EXPECT_EQ(t[0].aggregate, graph::Threshold::Aggregate::kPercentile);
  EXPECT_EQ(t[0].percentile, 95);
  EXPECT_EQ(t[0].op, graph::Threshold::Op::kLt);
  EXPECT_EQ(t[0].value, 500000);
  EXPECT_EQ(t[0].source, "p(95) < 500ms");
  EXPECT_EQ(t[0].pos.line, 7);
  EXPECT_EQ(t[1].aggregate, graph::Threshold::Aggregate::kMax);
  EXPECT_EQ(t[1].value, 2e6);
  EXPECT_EQ(t[2].op, graph::Threshold::Op::kLe);
  EXPECT_EQ(t[2].value, 90e6);
  EXPECT_EQ(t[3].filter, (graph::Tags{{"name", "echo"}}));
  EXPECT_EQ(t[3].percentile, 99.9);
  EXPECT_EQ(t[4].op, graph::Threshold::Op::kGe);
  EXPECT_EQ(t[5].aggregate, graph::Threshold::Aggregate::kRate);
  EXPECT_DOUBLE_EQ(t[5].value, 0.99);
  EXPECT_EQ(t[6].op, graph::Threshold::Op::kEq);
  EXPECT_TRUE(t[6].abort_on_fail);
  EXPECT_EQ(t[6].delay_abort_eval, seconds(10));
  EXPECT_EQ(t[7].op, graph::Threshold::Op::kNe);
}

TEST(LanguageTest, ReplyWireTimeTakesAThresholdWithANameFilter) {
  auto plan = MustCompile(R"(
target: builtin:echo
steps:
  - connect: /
  - every: {interval: 100ms, times: 3, do: [{send: {text: hi, reply: {name: echo}}}]}
thresholds:
  ws_reply_time{name:echo}: ["p(95) < 50ms"]
  ws_reply_wire_time{name:echo}: ["p(95) < 5ms"]
)");
  ASSERT_EQ(plan.thresholds.size(), 2u);
  const graph::Threshold& wire = plan.thresholds[1];
  EXPECT_EQ(wire.metric, "ws_reply_wire_time");
  EXPECT_EQ(wire.filter, (graph::Tags{{"name", "echo"}}));
  EXPECT_EQ(wire.aggregate, graph::Threshold::Aggregate::kPercentile);
  EXPECT_EQ(wire.value, 5000);
  auto r = CompileText(
      "target: builtin:echo\nsteps: [{log: x}]\nthresholds:\n"
      "  ws_reply_wire_time{name:ecko}: [\"p(95) < 5ms\"]\n");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(AllDiagnostics(r).find("no step is named 'ecko'"), std::string::npos)
      << AllDiagnostics(r);
}

TEST(LanguageTest, EveryMetricOfTheCatalogTakesAThreshold) {
  for (size_t i = 0; i < static_cast<size_t>(catalog::MetricId::kCount); ++i) {
    const catalog::MetricInfo& info = catalog::Info(static_cast<catalog::MetricId>(i));
    std::string expr = info.unit == catalog::Unit::kMicros        ? "p(90) < 1s"
                       : info.type == catalog::MetricType::kRate  ? "rate > 0.5"
                       : info.type == catalog::MetricType::kGauge ? "max >= 0"
                                                                  : "count >= 0";
    auto r = CompileText("target: builtin:echo\nsteps: [{log: x}]\nthresholds:\n  " +
                         std::string(info.name) + ": [\"" + expr + "\"]\n");
    EXPECT_TRUE(r.ok()) << info.name << "\n" << AllDiagnostics(r);
  }
}

TEST(LanguageTest, StepsAfterCloseWarn) {
  auto r = CompileText(R"(
target: builtin:echo
steps:
  - connect: /
  - close
  - log: fine
  - send: never
  - connect: /
  - send: fine again
)");
  ASSERT_TRUE(r.ok()) << AllDiagnostics(r);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(r.diagnostics[0].line, 7);
  EXPECT_NE(r.diagnostics[0].Headline().find("warning: this step never runs"), std::string::npos);
  // A close inside a handler is conditional: nothing after the handler is unreachable.
  auto handler = CompileText(
      "target: builtin:echo\nsteps:\n  - connect: {url: /, steps: [{after: {delay: 1s, do: "
      "[close]}}, {send: x}]}\n");
  EXPECT_TRUE(handler.diagnostics.empty()) << AllDiagnostics(handler);
}

TEST(LanguageTest, BareNameShorthands) {
  auto plan = MustCompile(
      "target: builtin:echo\nsteps:\n  - connect: /\n  - ping\n  - wait\n  - fail\n  - close\n");
  const auto& s = Steps(plan);
  ASSERT_EQ(s.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<graph::Ping>(s[1].action));
  EXPECT_TRUE(std::holds_alternative<graph::Wait>(s[2].action));
  EXPECT_TRUE(std::holds_alternative<graph::Fail>(s[3].action));
  EXPECT_TRUE(std::holds_alternative<graph::Close>(s[4].action));
  EXPECT_EQ(s[4].pos.line, 7);
  EXPECT_EQ(s[4].pos.column, 5);
}

TEST(LanguageTest, LiteralDollarAndEscapes) {
  auto plan = MustCompile(
      "target: builtin:echo\nsteps:\n  - connect: /\n  - send: \"cost $5 and $${vu}\"\n"
      "  - send: {json: {q: \"a\\\"b\\\\c\\n\"}}\n");
  EXPECT_EQ(Render(As<graph::Send>(Steps(plan), 1).payload.body), "cost $5 and ${vu}");
  EXPECT_EQ(Render(As<graph::Send>(Steps(plan), 2).payload.body), R"({"q":"a\"b\\c\n"})");
}

}  // namespace
}  // namespace wsyaml::scenario::testing
