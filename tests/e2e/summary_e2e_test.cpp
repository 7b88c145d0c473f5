// Terminal and CI logs end to end (issue 14 item 7): the header before the run on stderr,
// --summary-trend-stats and --summary-export checked before the run, the export equal to the
// printed summary, colour only on a terminal without NO_COLOR.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kEcho[] = R"(name: summary e2e
target: builtin:echo
load: {vus: 2, iterations: 3}
steps:
  - connect: /
  - send: hello
  - expect: {match: {text: hello}, within: 2s, name: echoed}
  - close
thresholds:
  ws_reply_time: ["p(99) < 2s"]
)";

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The summary line of `metric` (after its marks and indentation).
std::string LineOf(const std::string& text, const std::string& metric) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(" " + metric + "..") != std::string::npos) return line;
  return "";
}

ProcessResult RunWsyaml(const std::string& file, std::vector<std::string> extra) {
  std::vector<std::string> args = {WsyamlBinary(), "run", file};
  args.insert(args.end(), extra.begin(), extra.end());
  return RunProcess(args, 60s, {"NO_COLOR="});
}

TEST(RunHeader, OnStderrBeforeTheRunAndNotWithQuiet) {
  std::string file = WriteTempFile("scenario.yaml", kEcho);
  std::string dir = file.substr(0, file.rfind('/'));
  ProcessResult p = RunWsyaml(file, {"--threads", "1", "--out", "result=" + dir + "/r.json"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  for (const std::string& want : {std::string("  scenario: ") + file + " (summary e2e)\n",
                                  std::string("  target:   builtin:echo at ws://127.0.0.1:"),
                                  std::string("  load:     default: 2 VUs x 3 iterations, "),
                                  std::string("  workers:  1 process x 1 thread\n"),
                                  "  outputs:  --out result=" + dir + "/r.json\n"})
    EXPECT_NE(p.err.find(want), std::string::npos) << want << "\n" << p.err;
  EXPECT_EQ(p.err.rfind("wsyaml 0.", 0), 0u) << "the header comes first:\n" << p.err;
  EXPECT_EQ(p.out.find("target:"), std::string::npos) << "stdout is the summary alone";
  ProcessResult quiet = RunWsyaml(file, {"-q"});
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out << quiet.err;
  EXPECT_EQ(quiet.err.find("scenario:"), std::string::npos) << quiet.err;
}

TEST(SummaryTrendStats, AsGivenAndP99ByDefaultForReplyTimes) {
  std::string file = WriteTempFile("scenario.yaml", kEcho);
  ProcessResult defaults = RunWsyaml(file, {"-q"});
  ASSERT_EQ(defaults.exit_code, 0) << defaults.out << defaults.err;
  EXPECT_NE(LineOf(defaults.out, "ws_reply_time").find(" p(99)="), std::string::npos)
      << defaults.out;
  EXPECT_EQ(LineOf(defaults.out, "ws_connecting").find("p(99)"), std::string::npos) << defaults.out;
  ProcessResult given = RunWsyaml(file, {"-q", "--summary-trend-stats", "avg,max,p(99.9)"});
  ASSERT_EQ(given.exit_code, 0) << given.out << given.err;
  std::string line = LineOf(given.out, "ws_connecting");
  EXPECT_NE(line.find(": avg="), std::string::npos) << given.out;
  EXPECT_NE(line.find(" p(99.9)="), std::string::npos) << line;
  EXPECT_EQ(line.find("med="), std::string::npos) << line;
}

TEST(SummaryFlags, BadValuesExit2BeforeTheRun) {
  std::string file = WriteTempFile("scenario.yaml", kEcho);
  ProcessResult stat = RunWsyaml(file, {"--summary-trend-stats", "avg,p99"});
  EXPECT_EQ(stat.exit_code, 2) << stat.out << stat.err;
  EXPECT_NE(stat.err.find("wsyaml: --summary-trend-stats: 'p99' is not a trend stat"),
            std::string::npos)
      << stat.err;
  ProcessResult path = RunWsyaml(file, {"--summary-export", "/nonexistent/s.json"});
  EXPECT_EQ(path.exit_code, 2) << path.out << path.err;
  EXPECT_NE(path.err.find("--summary-export: directory /nonexistent does not exist"),
            std::string::npos)
      << path.err;
  for (const ProcessResult* p : {&stat, &path}) {
    EXPECT_EQ(p->out, "") << "no run, no summary";
    EXPECT_EQ(p->err.find("scenario:"), std::string::npos) << "no header: " << p->err;
  }
}

TEST(SummaryExport, TheSummarysFiguresAsK6ShapedJson) {
  std::string file = WriteTempFile("scenario.yaml", kEcho);
  std::string dir = file.substr(0, file.rfind('/'));
  ProcessResult p = RunWsyaml(file, {"-q", "--summary-export", dir + "/s.json",
                                     "--summary-trend-stats", "avg,p(99),count"});
  ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
  nlohmann::json j = nlohmann::json::parse(ReadText(dir + "/s.json"), nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << ReadText(dir + "/s.json");
  const nlohmann::json& m = j["metrics"];
  EXPECT_EQ(m["ws_reply_time"]["count"], 6) << m.dump();
  EXPECT_TRUE(m["ws_reply_time"].contains("p(99)"));
  EXPECT_FALSE(m["ws_reply_time"].contains("med"));
  EXPECT_EQ(m["ws_reply_time"]["thresholds"]["p(99) < 2s"]["ok"], true);
  EXPECT_EQ(m["ws_msgs_sent"]["count"], 6);
  EXPECT_EQ(m["ws_sessions"]["count"], 6);
  EXPECT_EQ(j["root_group"]["checks"]["echoed"]["passes"], 6);
  EXPECT_EQ(j["root_group"]["checks"]["echoed"]["fails"], 0);
  // The same metrics as the printed summary, each row of it a key.
  for (const auto& [name, value] : m.items())
    EXPECT_NE(LineOf(p.out, name), "") << name << " is not in the summary:\n" << p.out;
  EXPECT_NE(LineOf(p.out, "ws_reply_time").find("count=6"), std::string::npos) << p.out;
}

// stdout on a terminal (through script(1)): coloured marks unless NO_COLOR is non-empty;
// a pipe never.
TEST(SummaryColour, OnlyOnATerminalWithoutNoColor) {
  std::string file = WriteTempFile("scenario.yaml", kEcho);
  std::string command = WsyamlBinary() + " run -q '" + file + "'";
  ProcessResult tty =
      RunProcess({"/usr/bin/script", "-qec", command, "/dev/null"}, 60s, {"NO_COLOR="});
  ASSERT_EQ(tty.exit_code, 0) << tty.out << tty.err;
  EXPECT_NE(tty.out.find("\033[32m✓\033[0m echoed"), std::string::npos) << tty.out;
  EXPECT_NE(tty.out.find("\033[32m✓\033[0m ws_reply_time 'p(99) < 2s'"), std::string::npos);
  ProcessResult no_color =
      RunProcess({"/usr/bin/script", "-qec", command, "/dev/null"}, 60s, {"NO_COLOR=1"});
  ASSERT_EQ(no_color.exit_code, 0) << no_color.out << no_color.err;
  EXPECT_NE(no_color.out.find("✓ echoed"), std::string::npos) << no_color.out;
  EXPECT_EQ(no_color.out.find("\033["), std::string::npos) << no_color.out;
  ProcessResult piped = RunWsyaml(file, {"-q"});
  ASSERT_EQ(piped.exit_code, 0) << piped.out << piped.err;
  EXPECT_EQ(piped.out.find('\033'), std::string::npos) << piped.out;
}

}  // namespace
}  // namespace wsyaml::testing
