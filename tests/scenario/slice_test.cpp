// The Foundation slice: chat.yaml and each step of the slice compile to the expected graph.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compile_helpers.h"

namespace wsyaml::scenario::testing {
namespace {

using graph::Escape;
using graph::Segment;
using std::chrono::seconds;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

template <typename T>
const T& As(const graph::Step& step) {
  EXPECT_TRUE(std::holds_alternative<T>(step.action)) << "step at line " << step.pos.line;
  static const T kEmpty{};
  return std::holds_alternative<T>(step.action) ? std::get<T>(step.action) : kEmpty;
}

TEST(SliceTest, ChatCompilesToTheExpectedGraph) {
  CompileOptions options;
  options.file_name = "chat.yaml";
  auto result = Compile(ReadFile(WSYAML_SOURCE_DIR "/scenarios/chat.yaml"), options);
  ASSERT_TRUE(result.ok()) << AllDiagnostics(result);
  const graph::TestPlan& plan = *result.plan;
  EXPECT_EQ(plan.name, "crocochat");
  EXPECT_EQ(plan.target, "builtin:chat");
  ASSERT_EQ(plan.var_names, std::vector<std::string>{"room"});
  ASSERT_EQ(plan.scenarios.size(), 1u);
  const graph::Scenario& s = plan.scenarios[0];
  EXPECT_EQ(s.load.kind, graph::LoadProfile::Kind::kConstantVus);
  EXPECT_EQ(s.load.vus, 10);
  EXPECT_EQ(s.load.duration, seconds(60));
  EXPECT_EQ(s.load.graceful_stop, seconds(30));
  ASSERT_EQ(s.vars.size(), 1u);
  EXPECT_EQ(s.vars[0].slot, 0);
  EXPECT_EQ(Render(s.vars[0].value), "publicRoom");

  ASSERT_EQ(s.steps.size(), 1u);
  const auto& connect = As<graph::Connect>(s.steps[0]);
  EXPECT_EQ(s.steps[0].pos.line, 13);
  EXPECT_EQ(s.steps[0].pos.column, 5);
  EXPECT_EQ(Render(connect.url), "/ws/crocochat/{var:0}/");
  EXPECT_EQ(connect.count, 4);
  EXPECT_TRUE(connect.has_steps);
  ASSERT_EQ(connect.steps.size(), 6u);

  // The SET_NAME send: one JSON template with escaped holes, exactly these segments.
  const auto& set_name = As<graph::Send>(connect.steps[0]);
  ASSERT_EQ(set_name.payload.kind, graph::Payload::Kind::kJson);
  const auto& segs = set_name.payload.body.segments;
  ASSERT_EQ(segs.size(), 5u);
  EXPECT_EQ(segs[0].kind, Segment::Kind::kLiteral);
  EXPECT_EQ(segs[0].text, R"({"event":"SET_NAME","new_name":"Croc )");
  EXPECT_EQ(segs[1].kind, Segment::Kind::kVu);
  EXPECT_EQ(segs[1].escape, Escape::kJsonString);
  EXPECT_EQ(segs[2].kind, Segment::Kind::kLiteral);
  EXPECT_EQ(segs[2].text, ":");
  EXPECT_EQ(segs[3].kind, Segment::Kind::kConn);
  EXPECT_EQ(segs[3].escape, Escape::kJsonString);
  EXPECT_EQ(segs[4].text, "\"}");
  EXPECT_EQ(set_name.payload.body.pos.line, 17);

  const auto& chat = As<graph::OnMessage>(connect.steps[1]);
  EXPECT_TRUE(chat.match.has_json);
  ASSERT_EQ(chat.match.json.size(), 1u);
  ASSERT_EQ(chat.match.json[0].path.size(), 1u);
  EXPECT_EQ(chat.match.json[0].path[0].key, "event");
  EXPECT_EQ(Render(chat.match.json[0].expected), "\"CHAT_MSG\"");
  ASSERT_EQ(chat.body.size(), 1u);
  const auto& log = As<graph::Log>(chat.body[0]);
  EXPECT_EQ(log.level, graph::Log::Level::kInfo);
  EXPECT_EQ(Render(log.text), "VU {vu}:{conn} received: {msg.user} says: {msg.message}");

  const auto& error = As<graph::OnMessage>(connect.steps[2]);
  EXPECT_EQ(As<graph::Log>(error.body[0]).level, graph::Log::Level::kError);

  const auto& every = As<graph::Every>(connect.steps[3]);
  EXPECT_EQ(every.name, "chatter");
  EXPECT_EQ(every.interval.min, seconds(2));
  EXPECT_EQ(every.interval.max, seconds(8));
  EXPECT_EQ(every.times, 0);
  ASSERT_EQ(every.body.size(), 1u);
  EXPECT_EQ(Render(As<graph::Send>(every.body[0]).payload.body),
            R"({"event":"SAY","message":"I'm saying {randomString(5)/s}"})");

  const auto& after = As<graph::After>(connect.steps[4]);
  EXPECT_EQ(after.delay.min, seconds(5));
  EXPECT_EQ(after.delay.max, seconds(60));
  ASSERT_EQ(after.body.size(), 4u);
  EXPECT_EQ(As<graph::Cancel>(after.body[0]).names, std::vector<std::string>{"chatter"});
  EXPECT_EQ(Render(As<graph::Send>(after.body[2]).payload.body), R"({"event":"LEAVE"})");
  const auto& inner = As<graph::After>(after.body[3]);
  EXPECT_EQ(inner.delay.min, seconds(3));
  EXPECT_EQ(inner.delay.max, seconds(3));
  ASSERT_EQ(inner.body.size(), 1u);
  EXPECT_EQ(As<graph::Close>(inner.body[0]).code, 1000);

  const auto& on_close = As<graph::OnEvent>(connect.steps[5]);
  EXPECT_EQ(on_close.kind, graph::OnEvent::Kind::kClose);
  EXPECT_EQ(Render(As<graph::Log>(on_close.body[0]).text), "VU {vu}:{conn}: disconnected");
}

TEST(SliceTest, EnvTargetOverridesTheDefault) {
  CompileOptions options;
  options.env = {{"TARGET", "ws://127.0.0.1:9001"}};
  auto result = Compile(ReadFile(WSYAML_SOURCE_DIR "/scenarios/chat.yaml"), options);
  ASSERT_TRUE(result.ok()) << AllDiagnostics(result);
  EXPECT_EQ(result.plan->target, "ws://127.0.0.1:9001");
}

TEST(SliceTest, EveryShippedScenarioCompiles) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(WSYAML_SOURCE_DIR "/scenarios")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  EXPECT_FALSE(files.empty());
  for (const auto& f : files) {
    CompileOptions options;
    options.env = {{"PATH", "/usr/bin"}};
    auto r = CompileFile(f, options);
    EXPECT_TRUE(r.ok()) << f << "\n" << AllDiagnostics(r);
    EXPECT_TRUE(r.diagnostics.empty()) << "warnings in " << f << "\n" << AllDiagnostics(r);
  }
}

TEST(SliceTest, LinearConnectWithShorthands) {
  auto plan = MustCompile(R"(
target: ws://127.0.0.1:1
load: {vus: 2, iterations: 3, graceful-stop: 5s, iteration-timeout: 1m}
steps:
  - connect: /echo
  - send: hello ${vu}
  - send: {text: "it is ${iter}"}
  - close
  - connect:
      url: ws://127.0.0.1:2/x
      name: second
      headers: {X-Id: "${vu}"}
      subprotocols: [chat, superchat]
      timeout: 2s
      tags: {room: lobby}
  - close: {code: 4000, reason: "bye ${vu}"}
  - log: {warn: done}
)");
  const auto& load = plan.scenarios[0].load;
  EXPECT_EQ(load.kind, graph::LoadProfile::Kind::kPerVuIterations);
  EXPECT_EQ(load.vus, 2);
  EXPECT_EQ(load.iterations, 3);
  EXPECT_EQ(load.graceful_stop, seconds(5));
  EXPECT_EQ(load.iteration_timeout, seconds(60));
  const auto& steps = Steps(plan);
  ASSERT_EQ(steps.size(), 7u);
  const auto& c1 = As<graph::Connect>(steps[0]);
  EXPECT_FALSE(c1.has_steps);
  EXPECT_EQ(Render(c1.url), "/echo");
  EXPECT_EQ(Render(As<graph::Send>(steps[1]).payload.body), "hello {vu}");
  EXPECT_EQ(As<graph::Send>(steps[1]).payload.kind, graph::Payload::Kind::kText);
  EXPECT_EQ(Render(As<graph::Send>(steps[2]).payload.body), "it is {iter}");
  EXPECT_EQ(As<graph::Close>(steps[3]).code, 1000);
  const auto& c2 = As<graph::Connect>(steps[4]);
  EXPECT_EQ(c2.name, "second");
  ASSERT_EQ(c2.headers.size(), 1u);
  EXPECT_EQ(c2.headers[0].first, "X-Id");
  EXPECT_EQ(Render(c2.headers[0].second), "{vu}");
  EXPECT_EQ(c2.subprotocols, (std::vector<std::string>{"chat", "superchat"}));
  EXPECT_EQ(c2.timeout, seconds(2));
  EXPECT_EQ(c2.tags, (graph::Tags{{"room", "lobby"}}));
  const auto& close = As<graph::Close>(steps[5]);
  EXPECT_EQ(close.code, 4000);
  EXPECT_EQ(Render(close.reason), "bye {vu}");
  EXPECT_EQ(As<graph::Log>(steps[6]).level, graph::Log::Level::kWarn);
}

TEST(SliceTest, JsonPayloadKeepsTypesAndOrder) {
  auto plan = MustCompile(R"(
target: builtin:echo
vars: {n: "${randomInt(1, 9)}", who: bob}
steps:
  - connect: /
  - send:
      json:
        z: 5
        a: "5"
        b: true
        c: ~
        d: [1, "x ${who}", "${n}"]
        e: {inner: "say \"hi\" ${vu}"}
        f: "${n}"
        g: -1.5e3
        h: yes
)");
  ASSERT_EQ(Steps(plan).size(), 2u);
  const auto& body = As<graph::Send>(Steps(plan)[1]).payload.body;
  EXPECT_EQ(Render(body),
            R"({"z":5,"a":"5","b":true,"c":null,"d":[1,"x {var:1/s}",{var:0/v}],)"
            R"("e":{"inner":"say \"hi\" {vu/s}"},"f":{var:0/v},"g":-1.5e3,"h":"yes"})");
  const auto& vars = plan.scenarios[0].vars;
  ASSERT_EQ(vars.size(), 2u);
  EXPECT_EQ(Render(vars[0].value), "{randomInt(1,9)}");
}

TEST(SliceTest, TemplatesResolveEnvAtCompileTime) {
  auto plan = MustCompile(R"(
target: ws://${env.HOST}:${env.PORT}
vars:
  a: ${env.MISSING:-fallback}
  b: "${a}-${randomString(${env.PORT})}"
steps:
  - connect: /p
  - send: {json: {port: "${env.PORT}", host: "${env.HOST}"}}
)");
  EXPECT_EQ(plan.target, "ws://example:8080");
  ASSERT_EQ(Steps(plan).size(), 2u);
  EXPECT_EQ(Render(plan.scenarios[0].vars[0].value), "fallback");
  EXPECT_EQ(Render(plan.scenarios[0].vars[1].value), "{var:0}-{randomString(8080)}");
  EXPECT_EQ(Render(As<graph::Send>(Steps(plan)[1]).payload.body),
            R"({"port":8080,"host":"example"})");
}

TEST(SliceTest, MatchersAndHandlers) {
  auto plan = MustCompile(R"(
target: builtin:echo
steps:
  - connect:
      url: /
      steps:
        - on-message:
            match: {text: pong, contains: "o${vu}", json: {a: {b: 1, c: "x${vu}"}, d: [1]}}
            do: [close]
        - on-message: {do: [{log: "${msg}"}]}
        - every: {interval: 250ms, times: 3, name: t, do: [{send: ping}]}
        - after: {delay: 1m30s, do: [{cancel: [t]}]}
)");
  ASSERT_EQ(Steps(plan).size(), 1u);
  const auto& c = As<graph::Connect>(Steps(plan)[0]);
  ASSERT_EQ(c.steps.size(), 4u);
  const auto& m = As<graph::OnMessage>(c.steps[0]).match;
  EXPECT_EQ(Render(*m.text), "pong");
  EXPECT_EQ(Render(*m.contains), "o{vu}");
  ASSERT_EQ(m.json.size(), 3u);
  EXPECT_EQ(m.json[0].path.size(), 2u);
  EXPECT_EQ(m.json[0].path[1].key, "b");
  EXPECT_EQ(Render(m.json[0].expected), "1");
  EXPECT_EQ(Render(m.json[2].expected), "[1]");
  // ${msg} is not visible inside the matcher itself.
  auto bad = CompileText(
      "target: builtin:echo\nsteps:\n  - connect: {url: /, steps: [{on-message: {match: {text: "
      "\"${msg}\"}}}]}\n");
  EXPECT_FALSE(bad.ok());
  const auto& every = As<graph::Every>(c.steps[2]);
  EXPECT_EQ(every.interval.min, std::chrono::milliseconds(250));
  EXPECT_EQ(every.times, 3);
  EXPECT_EQ(As<graph::After>(c.steps[3]).delay.min, seconds(90));
  EXPECT_EQ(Render(As<graph::Log>(As<graph::OnMessage>(c.steps[1]).body[0]).text), "{msg}");
}

TEST(SliceTest, DiagnosticFormatHasCaretAndHint) {
  auto r = CompileText("target: builtin:echo\nsteps:\n  - on_message: {}\n");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  const auto& d = r.diagnostics[0];
  EXPECT_EQ(d.Headline(),
            "test.yaml:3:5: error: unknown step 'on_message' — did you mean 'on-message'?");
  EXPECT_EQ(d.Format(),
            "test.yaml:3:5: error: unknown step 'on_message' — did you mean 'on-message'?\n"
            "    - on_message: {}\n"
            "      ^\n"
            "  hint: did you mean 'on-message'?\n");
}

TEST(SliceTest, MissingFileHasNoPosition) {
  auto r = CompileFile("/nonexistent/x.yaml", {});
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 0);
  EXPECT_EQ(r.diagnostics[0].Headline(),
            "/nonexistent/x.yaml: error: cannot read scenario file: no such file");
  auto dir = CompileFile(WSYAML_SOURCE_DIR "/scenarios", {});
  ASSERT_EQ(dir.diagnostics.size(), 1u);
  EXPECT_NE(dir.diagnostics[0].message.find("not a regular file"), std::string::npos);
}

TEST(SliceTest, ReportsEveryErrorNotJustTheFirst) {
  auto r = CompileText(R"(
target: builtin:echo
steps:
  - sleeep: 1s
  - send: "${nope}"
  - connect: {url: /, timeout: 5}
)");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 3u) << AllDiagnostics(r);
  EXPECT_EQ(r.diagnostics[0].line, 4);
  EXPECT_EQ(r.diagnostics[1].line, 5);
  EXPECT_EQ(r.diagnostics[2].line, 6);
}

TEST(SliceTest, ErrorsAreCapped) {
  std::string yaml = "target: builtin:echo\nsteps:\n";
  for (int i = 0; i < 30; ++i) yaml += "  - bogus" + std::to_string(i) + ": 1\n";
  auto r = CompileText(yaml);
  EXPECT_EQ(r.diagnostics.size(), static_cast<size_t>(20 + 1));
  EXPECT_NE(r.diagnostics.back().message.find("too many errors (30)"), std::string::npos);
}

TEST(SliceTest, ParseDuration) {
  std::string error;
  EXPECT_EQ(ParseDuration("250ms", &error), std::chrono::milliseconds(250));
  EXPECT_EQ(ParseDuration("1m30s", &error), seconds(90));
  EXPECT_EQ(ParseDuration("1h", &error), seconds(3600));
  EXPECT_EQ(ParseDuration("1.5s", &error), std::chrono::milliseconds(1500));
  EXPECT_FALSE(ParseDuration("500", &error));
  EXPECT_NE(error.find("no unit"), std::string::npos);
  EXPECT_FALSE(ParseDuration("5x", &error));
  EXPECT_FALSE(ParseDuration("", &error));
  EXPECT_FALSE(ParseDuration("s", &error));
}

}  // namespace
}  // namespace wsyaml::scenario::testing
