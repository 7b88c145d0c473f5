// The HTML report of a real run (issue 14 item 6): a scenario with two names in two
// scenarios, a failing check, two kinds of errors and thresholds against the built-in chat
// server, `--report`, then opened in headless Chromium: every chart laid out, the header and
// per-name charts present with the run's numbers, a screenshot taken.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <string>

#include "background_run.h"
#include "outputs/chromium.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

std::string Scenario() {
  return R"(name: report demo
target: builtin:chat
scenarios:
  talkers:
    load: {vus: 3, duration: 3s, graceful-stop: 1s}
    steps:
      - connect: /ws/crocochat/room${vu}/
      - send: {json: {event: SET_NAME, new_name: "u${vu}"}}
      - expect: {match: {json: {event: CHAT_MSG, user: server}}, within: 1s, name: join}
      - repeat:
          times: 10
          do:
            - send: {json: {event: SAY, message: "hello"}}
            - expect: {match: {json: {event: CHAT_MSG, user: "u${vu}"}}, within: 1s, name: say}
            - check: {name: lucky, that: "${randomInt(1, 10) > 2}"}
            - sleep: 20ms
      - close
  breakers:
    load: {vus: 1, duration: 3s, graceful-stop: 1s}
    steps:
      - sleep: 300ms
      - connect: /no-such-path
      - connect: ws://127.0.0.1:)" +
         std::to_string(FreeLoopbackPort()) + R"(/
thresholds:
  ws_reply_time: ["p(95) < 1s"]
  ws_reply_time{name:say}: ["p(95) < 500ms"]
  ws_reply_time{name:join}: ["p(99) < 1us"]
  checks: ["rate > 0.99"]
)";
}

struct ReportRun {
  ScenarioRun run;
  std::string html;
  std::string dom;      // after Chromium ran the page's scripts
  int chromium = -1;    // exit status of the DOM dump; -1 without Chromium
  int screenshot = -1;  // exit status of the screenshot
  std::string png;      // the screenshot file
};

std::string ReadText(const std::string& path) {
  std::string text, error;
  metrics::ReadFile(path, &text, &error);
  return text;
}

BackgroundRun<ReportRun> report_run("ReportEndToEnd.RealRunReportRendersEverything", [] {
  ReportRun out;
  std::string dir = TempDir();
  metrics::testutil::WriteText(dir + "/scenario.yaml", Scenario());
  out.run = RunScenarioFile(dir + "/scenario.yaml", {"--report", dir + "/report.html"}, 30s);
  out.html = ReadText(dir + "/report.html");
  if (!HaveChromium() || out.html.empty()) return out;
  std::string probed = dir + "/probed.html";
  metrics::testutil::WriteText(probed, WithHoverProbe(out.html));
  out.dom = ChromiumDom(dir, probed, &out.chromium);
  out.png = dir + "/report.png";
  out.screenshot = ChromiumScreenshot(dir, dir + "/report.html", out.png, 3600);
  return out;
});

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(ReportEndToEnd, RealRunReportRendersEverything) {
  const ReportRun& r = report_run.Get();
  ASSERT_TRUE(r.run.has_result) << r.run.Output();
  EXPECT_EQ(r.run.process.exit_code, 99) << r.run.Output();  // thresholds failed
  ASSERT_FALSE(r.html.empty()) << r.run.Output();
  const metrics::Result& result = r.run.result;
  ASSERT_GT(r.run.Fails("lucky"), 0u) << r.run.Output();
  ASSERT_GT(r.run.Errors("refused"), 0u) << r.run.DescribeErrors();
  ASSERT_GT(r.run.Errors("handshake 404"), 0u) << r.run.DescribeErrors();
  // The header: file, target, each scenario's load.
  EXPECT_NE(r.html.find("<dt>target</dt><dd>builtin:chat at ws://127.0.0.1:"), std::string::npos);
  EXPECT_NE(r.html.find("<dd>talkers: 3 VUs for 3s, graceful stop 1s"), std::string::npos);
  EXPECT_NE(r.html.find("<dd>breakers: 1 VUs for 3s, graceful stop 1s"), std::string::npos);
  // Charts per name and per scenario, errors by both kinds, checks, thresholds as lines.
  for (const char* id : {"ws_reply_time{name:say}", "ws_reply_time{name:join}",
                         "ws_reply_time{scenario:talkers}", "ws_reply_time.histogram", "checks"})
    EXPECT_EQ(Count(r.html, std::string("data-chart=\"") + id + "\""), 1u) << id;
  size_t errors = r.html.find("data-chart=\"errors\"");
  ASSERT_NE(errors, std::string::npos);
  std::string chart = r.html.substr(errors, r.html.find("</svg>", errors) - errors);
  EXPECT_NE(chart.find("data-name=\"refused\""), std::string::npos);
  EXPECT_NE(chart.find("data-name=\"handshake 404\""), std::string::npos);
  EXPECT_NE(r.html.find("p(99) &lt; 1us ✗"), std::string::npos);
  EXPECT_NE(r.html.find("p(95) &lt; 500ms ✓"), std::string::npos);
  // The timeline's per-name counts add up to the result's.
  uint64_t say = 0;
  for (const auto& p : result.timeline.points()) {
    auto t = p.tagged.find("name=say");
    if (t != p.tagged.end() && t->second.trends.count("ws_reply_time"))
      say += t->second.trends.at("ws_reply_time").count;
  }
  EXPECT_EQ(say, r.run.Samples(metrics::MetricId::kWsReplyTime, {{"name", "say"}}));
  EXPECT_GE(say, 30u);  // 3 VUs x 10 an iteration
  if (!HaveChromium()) GTEST_SKIP() << "no " << kChromium << ": the report was not rendered";
  ASSERT_EQ(r.chromium, 0) << r.dom;
  std::string total = BodyAttribute(r.dom, "data-charts-total");
  EXPECT_EQ(BodyAttribute(r.dom, "data-charts-rendered"), total);
  EXPECT_EQ(static_cast<size_t>(std::stoi(total)), Count(r.html, "<svg class=\"chart"));
  EXPECT_TRUE(std::regex_search(BodyAttribute(r.dom, "data-tip"), std::regex("^\\d+\\.\\d s")))
      << BodyAttribute(r.dom, "data-tip");
  ASSERT_EQ(r.screenshot, 0);
  EXPECT_GT(ReadText(r.png).size(), 50'000u) << r.png;
}

}  // namespace
}  // namespace wsyaml::testing
