#include "metrics/html_report.h"

#include <gtest/gtest.h>

#include <regex>

#include "metrics/format.h"
#include "test_util.h"

namespace wsyaml::metrics {
namespace {

using std::chrono::microseconds;

// A 20-second run with a timeline: VUs ramping, traffic, latencies, a burst of errors.
Result TimelineResult() {
  Result r;
  r.test_name = "chat <report>";
  r.source_file = "scenarios/chat.yaml";
  r.start_unix_ms = 1'700'000'000'000;
  r.duration_s = 20;
  Shard cumulative;
  uint32_t echo = r.tags.Intern({{"name", "echo"}});
  for (int s = 1; s <= 20; ++s) {
    cumulative.Move(MetricId::kVus, s <= 10 ? 1 : 0);
    cumulative.Move(MetricId::kWsOpen, s <= 10 ? 4 : 0);
    cumulative.Add(MetricId::kWsMsgsSent, 10 * s);
    cumulative.Add(MetricId::kWsMsgsReceived, 40 * s);
    for (int i = 1; i <= 50; ++i)
      cumulative.Record(MetricId::kWsReplyTime, microseconds(i * 100 * s), echo);
    if (s == 3) cumulative.Record(MetricId::kWsConnecting, microseconds(2500));
    if (s >= 15) cumulative.Error("timeout", "no reply within 1s");
    r.timeline.Sample(s, cumulative);
  }
  cumulative.Check("reply", true);
  cumulative.Check("reply", false, "<script>alert(1)</script>");
  r.shard = cumulative;
  graph::Threshold t;
  t.metric = "ws_reply_time";
  t.source = "p(95) < 10ms";
  t.aggregate = graph::Threshold::Aggregate::kPercentile;
  t.percentile = 95;
  t.value = 10'000;
  r.thresholds = EvaluateThresholds({t}, r.shard, r.tags, r.duration_s);
  return r;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlReportTest, SelfContainedWithChartsAndTables) {
  std::string html = FormatHtmlReport(TimelineResult());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  // vus, ws_open, msgs, errors, and one latency chart per trend in the timeline.
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 6u);
  for (const char* id : {"vus", "ws_open", "msgs", "errors", "ws_reply_time", "ws_connecting"})
    EXPECT_NE(html.find(std::string("data-chart=\"") + id + "\""), std::string::npos) << id;
  EXPECT_GE(Count(html, "<polyline"), 8u);
  EXPECT_NE(html.find("<circle"), std::string::npos);  // ws_connecting: a single second
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("chat &lt;report&gt;"), std::string::npos);
  EXPECT_NE(html.find("<h2>Thresholds</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Checks</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Errors</h2>"), std::string::npos);
  EXPECT_NE(html.find("verdict fail"), std::string::npos);
}

TEST(HtmlReportTest, ChartWithoutDataSaysSo) {
  std::string svg = SvgLineChart("x", {}, {{"a", "#000", {}}}, FormatMicros);
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos);
  std::string gap =
      SvgLineChart("y", {1, 2, 3, 4, 5}, {{"a", "#000", {1, 2, NAN, 4, 5}}}, FormatMicros);
  EXPECT_EQ(Count(gap, "<polyline"), 2u);  // the NaN splits the line
}

// Opens the report in headless Chromium: the charts must be laid out by the browser.
TEST(HtmlReportTest, RendersInHeadlessChromium) {
  const char* chromium = "/usr/bin/chromium";
  if (access(chromium, X_OK) != 0) GTEST_SKIP() << "no /usr/bin/chromium";
  std::string dir = testutil::TempDir();
  ASSERT_FALSE(dir.empty());
  std::string path = dir + "/report.html";
  ASSERT_TRUE(testutil::WriteText(path, FormatHtmlReport(TimelineResult())));
  int status = 0;
  std::string dom = testutil::Run(
      "timeout 60 " + std::string(chromium) +
          " --headless --no-sandbox --disable-gpu --disable-background-networking"
          " --disable-component-update --disable-sync --no-first-run --disable-dev-shm-usage"
          " --user-data-dir=" +
          dir + "/profile --dump-dom file://" + path + " 2>/dev/null",
      &status);
  ASSERT_EQ(status, 0) << dom;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(dom, m, std::regex("data-charts-rendered=\"(\\d+)\""))) << dom;
  EXPECT_EQ(m[1], "6");
  EXPECT_NE(dom.find("data-charts-total=\"6\""), std::string::npos);
  EXPECT_EQ(Count(dom, "data-rendered=\"yes\""), 6u);
  testutil::Run("rm -rf " + dir, &status);
}

TEST(HtmlReportTest, InterruptedRunSaysSoInTheHeader) {
  Result r = TimelineResult();
  r.thresholds.clear();
  r.shard = Shard();
  EXPECT_NE(FormatHtmlReport(r).find("verdict pass\">passed"), std::string::npos);
  r.interrupted = true;
  std::string html = FormatHtmlReport(r);
  EXPECT_NE(html.find("verdict fail\">interrupted"), std::string::npos) << html.substr(0, 3000);
  EXPECT_EQ(html.find("passed"), std::string::npos);
  EXPECT_GE(Count(html, "interrupted: the run was stopped"), 2u);  // header and summary
}

}  // namespace
}  // namespace wsyaml::metrics
