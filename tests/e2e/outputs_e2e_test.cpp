// What a run leaves behind (summary, stderr, result file, JUnit, HTML report) when things go
// wrong: no fake pass without samples, an interrupted run marked as such, no secret in any
// output, and nothing from a hostile server that breaks a terminal or the XML (issue 11
// items 6, 7, 9, 10).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses `path` with python3's XML parser; returns what the script printed (or its error).
std::string ParseXml(const std::string& path, const std::string& print, int* status) {
  ProcessResult p = RunProcess({"/usr/bin/python3", "-c",
                                "import sys, xml.dom.minidom as m\nd = m.parse(sys.argv[1])\n"
                                "print(" +
                                    print + ")",
                                path},
                               20s);
  *status = p.exit_code;
  return p.out + p.err;
}

// A server refusing every connection used to leave `ws_connecting p(95) < 500ms` green
// ("p(95)=0µs (no samples)"). Now it fails with that reason everywhere; allow-no-samples
// lets one pass, and counts (of counters or any metric) are 0, not unknown.
TEST(OutputsNoFakePass, ThresholdsWithoutSamplesFailWhenEveryConnectionIsRefused) {
  int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  std::string junit = TempDir() + "/junit.xml";
  ScenarioRun run = RunScenario("name: refused\ntarget: ws://127.0.0.1:" + std::to_string(port) +
                                    R"(
load: {vus: 1, iterations: 1}
steps:
  - connect: /
thresholds:
  ws_connecting: ["p(95) < 500ms"]
  ws_ping: [{threshold: "p(95) < 50ms", allow-no-samples: true}]
  ws_msgs_sent: ["count == 0"]
  ws_reply_time: ["count == 0"]
)",
                                {"--junit", junit});
  EXPECT_EQ(run.process.exit_code, 99) << run.Output();
  EXPECT_EQ(run.Errors("refused"), 1u) << run.DescribeErrors();
  EXPECT_NE(run.process.out.find("✗ ws_connecting 'p(95) < 500ms' no samples"), std::string::npos)
      << run.process.out;
  EXPECT_NE(run.process.out.find("✓ ws_ping 'p(95) < 50ms' p(95)=0µs (no samples)"),
            std::string::npos)
      << run.process.out;
  ASSERT_TRUE(run.has_result) << run.Output();
  ASSERT_EQ(run.result.thresholds.size(), 4u);
  EXPECT_FALSE(run.result.thresholds[0].passed);
  EXPECT_TRUE(run.result.thresholds[0].no_samples);
  for (size_t i = 1; i < 4; ++i)
    EXPECT_TRUE(run.result.thresholds[i].passed) << run.result.thresholds[i].threshold.source;
  std::string xml = ReadText(junit);
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("&apos;p(95) &lt; 500ms&apos;: no samples"), std::string::npos) << xml;
}

TEST(OutputsNoFakePass, ErrorCountOfZeroStillPassesWithoutErrors) {
  ScenarioRun run = RunScenario(R"(name: clean
target: builtin:echo
load: {vus: 1, iterations: 1}
steps:
  - connect: /
  - send: hi
  - expect: {match: {text: hi}, within: 2s, name: echo}
  - close
thresholds:
  ws_errors: ["count == 0", "rate == 0"]
  checks: ["rate == 1"]
)");
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_NE(run.process.out.find("✓ ws_errors 'count == 0' count=0 (no samples)"),
            std::string::npos)
      << run.process.out;
}

// Ctrl-C (exit 4) used to leave "passed" in the HTML report, failures="0" in the JUnit and
// nothing in the JSON.
TEST(OutputsInterrupted, MarkedInEveryOutput) {
  std::string dir = TempDir();
  std::string file = WriteTempFile("long.yaml", R"(name: long
target: builtin:echo
load: {vus: 1, duration: 1m}
steps:
  - connect: /
  - send: hi
  - expect: {match: {text: hi}, within: 2s, name: echo}
  - log: "checked"
  - sleep: 100ms
  - close
thresholds:
  checks: ["rate == 1"]
)");
  // Ctrl-C once a check has passed.
  auto checked = [](const ProcessResult& so_far) {
    return so_far.err.find("checked\n") != std::string::npos;
  };
  ProcessResult p =
      RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "result=" + dir + "/r.json",
                  "--junit", dir + "/j.xml", "--report", dir + "/r.html"},
                 40s, {}, {{0ms, SIGINT, checked}});
  ASSERT_EQ(p.exit_code, 4) << p.out << p.err;
  EXPECT_NE(p.out.find("✗ interrupted: the run was stopped"), std::string::npos) << p.out;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/r.json", &result, &error)) << error;
  EXPECT_TRUE(result.interrupted);
  EXPECT_TRUE(metrics::AllPassed(result.thresholds));  // the checks did pass: only cut short
  std::string xml = ReadText(dir + "/j.xml");
  EXPECT_NE(xml.find("errors=\"1\""), std::string::npos) << xml;
  int status = 0;
  std::string parsed =
      ParseXml(dir + "/j.xml", "d.getElementsByTagName('error')[0].getAttribute('type')", &status);
  EXPECT_EQ(status, 0) << parsed;
  EXPECT_EQ(parsed, "interrupted\n");
  std::string html = ReadText(dir + "/r.html");
  EXPECT_NE(html.find("verdict fail\">interrupted"), std::string::npos);
  EXPECT_EQ(html.find("verdict pass"), std::string::npos);
}

// `-e TOKEN=... --secret TOKEN` used to be masked in --debug only: a `fail` message and an
// error example carrying the URL showed it in the summary, the JSON, the JUnit and the HTML.
TEST(OutputsSecrets, MaskedInEveryOutput) {
  ServerProcess server({"/usr/bin/python3", SourcePath("tests/e2e/peers/hostile_text.py")});
  ASSERT_GT(server.port(), 0);
  const std::string secret = "s3cr3t-t0ken-value";
  std::string dir = TempDir();
  ScenarioRun run =
      RunScenario("name: secrets\ntarget: ws://127.0.0.1:" + std::to_string(server.port()) + R"(
load: {vus: 1, iterations: 1}
steps:
  - fail: {message: "leak ${env.TOKEN}", name: leak}
  - connect: /deny?token=${env.TOKEN}
)",
                  {"-e", "TOKEN=" + secret, "--secret", "TOKEN", "--junit", dir + "/j.xml",
                   "--report", dir + "/r.html"});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(run.Errors("handshake 403"), 1u) << run.DescribeErrors();
  const std::pair<std::string, std::string> outputs[] = {
      {"stdout", run.process.out},
      {"stderr", run.process.err},
      {"json", ReadText(run.dir + "/result.json")},
      {"junit", ReadText(dir + "/j.xml")},
      {"html", ReadText(dir + "/r.html")},
  };
  for (const auto& [name, text] : outputs) {
    EXPECT_EQ(text.find(secret), std::string::npos) << name << ":\n" << text;
    if (name != "stderr") {
      EXPECT_NE(text.find("***"), std::string::npos) << name << ":\n" << text;
    }
  }
  EXPECT_EQ(run.LastFailure("leak"), "leak ***");
  EXPECT_NE(run.DescribeErrors().find("/deny?token=***"), std::string::npos)
      << run.DescribeErrors();
}

// A server's ESC, NUL, BEL and C1 CSI reach the terminal only escaped (summary and log
// lines), and its U+FFFE / U+FFFF do not break the JUnit file.
TEST(OutputsHostileText, NeitherTheTerminalNorTheJUnitGetsItRaw) {
  ServerProcess server({"/usr/bin/python3", SourcePath("tests/e2e/peers/hostile_text.py")});
  ASSERT_GT(server.port(), 0);
  std::string junit = TempDir() + "/j.xml";
  ScenarioRun run =
      RunScenario("name: hostile\ntarget: ws://127.0.0.1:" + std::to_string(server.port()) + R"(
load: {vus: 1, iterations: 1}
steps:
  - connect: /
  - on-message:
      do:
        - log: "got ${msg}"
        - fail: {message: "server said ${msg}", name: hostile}
  - sleep: 500ms
  - close
)",
                  {"--junit", junit});
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_EQ(run.Fails("hostile"), 1u) << run.Output();
  for (const std::string* text : {&run.process.out, &run.process.err}) {
    for (char raw : {'\x1b', '\0', '\x07'})
      EXPECT_EQ(text->find(raw), std::string::npos) << static_cast<int>(raw) << "\n" << *text;
    EXPECT_EQ(text->find("\xC2\x9B"), std::string::npos) << *text;
  }
  EXPECT_NE(run.process.out.find("server said hostile:\\x1b[2J\\x1b]0;owned\\x07\\x00|"),
            std::string::npos)
      << run.process.out;
  EXPECT_NE(run.process.out.find("\\u009b31m|end"), std::string::npos) << run.process.out;
  EXPECT_NE(run.process.err.find("got hostile:\\x1b[2J"), std::string::npos) << run.process.err;
  int status = 0;
  std::string parsed = ParseXml(
      junit,
      "d.getElementsByTagName('failure')[0].getAttribute('message').encode('unicode_escape')",
      &status);
  EXPECT_EQ(status, 0) << parsed;
  EXPECT_NE(parsed.find("server said hostile:[2J]0;owned|\\\\ufffd|\\\\ufffd|\\\\x9b31m|end"),
            std::string::npos)
      << parsed;
}

}  // namespace
}  // namespace wsyaml::testing
