#include "outputs/html_report.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <regex>

#include "metrics/format.h"
#include "metrics/test_util.h"
#include "outputs/chromium.h"
#include "outputs/svg_chart.h"

namespace wsyaml::outputs {
namespace {

using namespace wsyaml::metrics;  // NOLINT

using std::chrono::microseconds;

graph::Threshold ReplyThreshold(const std::string& name, const std::string& source, double p,
                                double micros) {
  graph::Threshold t;
  t.metric = "ws_reply_time";
  if (!name.empty()) t.filter = {{"name", name}};
  t.source = source;
  t.aggregate = graph::Threshold::Aggregate::kPercentile;
  t.percentile = p;
  t.value = micros;
  return t;
}

// A 20-second run with a timeline: VUs ramping, traffic of two names (say, join) in one
// scenario, latencies, two kinds of errors, a failing check and thresholds on each name.
Result TimelineResult() {
  Result r;
  r.test_name = "chat <report>";
  r.source_file = "scenarios/chat.yaml";
  r.start_unix_ms = 1'700'000'000'000;
  r.duration_s = 20;
  Shard cumulative;
  uint32_t say = r.tags.Intern({{"name", "say"}, {"scenario", "chat"}});
  uint32_t join = r.tags.Intern({{"name", "join"}, {"scenario", "chat"}});
  for (int s = 1; s <= 20; ++s) {
    cumulative.Move(MetricId::kVus, s <= 10 ? 1 : 0);
    cumulative.Move(MetricId::kWsOpen, s <= 10 ? 4 : 0);
    cumulative.Add(MetricId::kWsMsgsSent, 10 * s, say);
    cumulative.Add(MetricId::kWsMsgsSent, 2, join);
    cumulative.Add(MetricId::kWsMsgsReceived, 40 * s);
    for (int i = 1; i <= 50; ++i)
      cumulative.Record(MetricId::kWsReplyTime, microseconds(i * 100 * s), say);
    cumulative.Record(MetricId::kWsReplyTime, microseconds(20'000), join);
    if (s == 3) cumulative.Record(MetricId::kWsConnecting, microseconds(2500));
    if (s >= 15) cumulative.Error("timeout", "no reply within 1s", say);
    if (s % 5 == 0) cumulative.Error("handshake 404", "server answered 404", join);
    cumulative.Check("reply", s != 7, "<script>alert(1)</script>");
    if (s == 20) cumulative.Move(MetricId::kVusMax, 10);
    r.timeline.Sample(s, cumulative, &r.tags);
  }
  r.shard = cumulative;
  r.thresholds = EvaluateThresholds({ReplyThreshold("", "p(95) < 10ms", 95, 10'000),
                                     ReplyThreshold("say", "p(95) < 50ms", 95, 50'000),
                                     ReplyThreshold("join", "p(99) < 5ms", 99, 5'000)},
                                    r.shard, r.tags, r.duration_s);
  return r;
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The charts of TimelineResult: vus, ws_open, msgs, samples_by_name, errors, checks, then per
// trend (ws_connecting, ws_reply_time) a time chart and a histogram, then ws_reply_time per
// name (join, say).
constexpr size_t kCharts = 12;

TEST(HtmlReportTest, SelfContainedWithChartsAndTables) {
  std::string html = FormatHtmlReport(TimelineResult());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
  EXPECT_EQ(Count(html, "<svg class=\"chart"), kCharts);
  for (const char* id :
       {"vus", "ws_open", "msgs", "samples_by_name", "errors", "checks", "ws_reply_time",
        "ws_connecting", "ws_reply_time.histogram", "ws_connecting.histogram"})
    EXPECT_NE(html.find(std::string("data-chart=\"") + id + "\""), std::string::npos) << id;
  EXPECT_NE(html.find("<circle"), std::string::npos);  // ws_connecting: a single second
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("chat &lt;report&gt;"), std::string::npos);
  EXPECT_NE(html.find("<h2>Thresholds</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Checks</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Errors</h2>"), std::string::npos);
  EXPECT_NE(html.find("verdict fail"), std::string::npos);
  // One scenario value: no charts per scenario.
  EXPECT_EQ(html.find("Latency by scenario"), std::string::npos);
}

TEST(HtmlReportTest, ChartsPerNameWithTheirThresholds) {
  std::string html = FormatHtmlReport(TimelineResult());
  EXPECT_NE(html.find("<h2>Latency by name</h2>"), std::string::npos);
  EXPECT_EQ(Count(html, "data-chart=\"ws_reply_time{name:say}\""), 1u);
  EXPECT_EQ(Count(html, "data-chart=\"ws_reply_time{name:join}\""), 1u);
  // Samples per name: one line each, named after its trend; one join reply a second.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      html, m, std::regex("data-name=\"join \\(ws_reply_time\\)\"[^>]*data-values=\"([^\"]*)")));
  EXPECT_EQ(std::string(m[1]).substr(0, 4), "1,1,");
  // Each threshold is a dashed line on its own chart at its value, coloured by its verdict.
  auto chart = [&](const std::string& id) {
    size_t at = html.find("data-chart=\"" + id + "\"");
    return at == std::string::npos ? std::string() : html.substr(at, html.find("</svg>", at) - at);
  };
  std::string all = chart("ws_reply_time"), say = chart("ws_reply_time{name:say}"),
              join = chart("ws_reply_time{name:join}");
  EXPECT_EQ(Count(all, "class=\"rule\""), 1u);
  EXPECT_NE(all.find("data-value=\"1e+04\""), std::string::npos) << all.substr(0, 600);
  EXPECT_NE(all.find("p(95) &lt; 10ms ✗"), std::string::npos);  // p95 of say is ~95ms
  EXPECT_NE(all.find("#cf222e\" stroke-width=\"1.5\" stroke-dasharray"), std::string::npos);
  EXPECT_EQ(Count(say, "class=\"rule\""), 1u);
  EXPECT_NE(say.find("data-value=\"5e+04\""), std::string::npos);
  EXPECT_NE(say.find("p(95) &lt; 50ms ✗"), std::string::npos);
  EXPECT_EQ(Count(join, "class=\"rule\""), 1u);
  EXPECT_NE(join.find("data-value=\"5000\""), std::string::npos);
  EXPECT_NE(join.find("p(99) &lt; 5ms ✗"), std::string::npos);
  Result passing = TimelineResult();
  passing.thresholds = EvaluateThresholds({ReplyThreshold("join", "p(99) < 30ms", 99, 30'000)},
                                          passing.shard, passing.tags, passing.duration_s);
  html = FormatHtmlReport(passing);
  join = chart("ws_reply_time{name:join}");
  EXPECT_NE(join.find("#1a7f37\" stroke-width=\"1.5\" stroke-dasharray"), std::string::npos);
  EXPECT_NE(join.find("p(99) &lt; 30ms ✓"), std::string::npos);
}

TEST(HtmlReportTest, ErrorsByKindChecksAndVusMax) {
  std::string html = FormatHtmlReport(TimelineResult());
  size_t errors = html.find("data-chart=\"errors\"");
  ASSERT_NE(errors, std::string::npos);
  std::string chart = html.substr(errors, html.find("</svg>", errors) - errors);
  EXPECT_NE(chart.find("data-name=\"timeout\""), std::string::npos);
  EXPECT_NE(chart.find("data-name=\"handshake 404\""), std::string::npos);
  size_t checks = html.find("data-chart=\"checks\"");
  ASSERT_NE(checks, std::string::npos);
  chart = html.substr(checks, html.find("</svg>", checks) - checks);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      chart, m, std::regex("data-name=\"reply fails\"[^>]*data-values=\"([^\"]*)")));
  EXPECT_EQ(std::string(m[1]), "0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0");
  // vus_max is a line across the VUs chart, not a dot.
  size_t vus = html.find("data-chart=\"vus\"");
  chart = html.substr(vus, html.find("</svg>", vus) - vus);
  EXPECT_NE(chart.find("vus_max 10"), std::string::npos);
  EXPECT_EQ(chart.find("<circle"), std::string::npos);
}

TEST(HtmlReportTest, HistogramBarsHoldEverySample) {
  Histogram h;
  for (int i = 1; i <= 1000; ++i) h.Record(static_cast<uint64_t>(i) * 10'000);  // 10µs..10ms
  std::string svg = SvgHistogram("h", h);
  size_t bars = Count(svg, "<rect class=\"bar\"");
  EXPECT_GE(bars, 25u);  // three decades, 10 bins each
  EXPECT_LE(bars, 31u);
  uint64_t total = 0;
  std::regex count(": (\\d+) \\(");
  for (std::sregex_iterator it(svg.begin(), svg.end(), count), end; it != end; ++it)
    total += std::stoull((*it)[1]);
  EXPECT_EQ(total, 1000u);
  EXPECT_EQ(Count(svg, "class=\"marker\""), 3u);
  EXPECT_NE(svg.find("p99 9.9"), std::string::npos) << svg.substr(svg.find("marker"), 400);
  EXPECT_NE(SvgHistogram("e", Histogram()).find("no data"), std::string::npos);
}

TEST(HtmlReportTest, HeaderShowsTargetAndLoad) {
  graph::TestPlan plan;
  plan.target = "builtin:echo";
  plan.scenarios.resize(2);
  plan.scenarios[0].name = "talkers";
  plan.scenarios[0].load.vus = 4;
  plan.scenarios[0].load.duration = std::chrono::seconds(30);
  plan.scenarios[1].name = "ramp";
  plan.scenarios[1].load.kind = graph::LoadProfile::Kind::kRampingVus;
  plan.scenarios[1].load.stages = {{std::chrono::seconds(10), 20}};
  RunInfo info{&plan, "chat.yaml", {"ws://127.0.0.1:4567"}};
  std::string html = FormatHtmlReport(TimelineResult(), &info);
  EXPECT_NE(html.find("<dt>target</dt><dd>builtin:echo at ws://127.0.0.1:4567</dd>"),
            std::string::npos);
  EXPECT_NE(html.find("<dd>talkers: 4 VUs for 30s"), std::string::npos);
  EXPECT_NE(html.find("<dd>ramp: ramping from 1 VUs: 20 over 10s;"), std::string::npos);
  EXPECT_NE(html.find("chat.yaml · started"), std::string::npos);
  EXPECT_EQ(FormatHtmlReport(TimelineResult()).find("<dt>target"), std::string::npos);
}

TEST(HtmlReportTest, ChartWithoutDataSaysSo) {
  std::string svg = SvgLineChart({"x", {}, {{"a", "#000", {}}}, {}, ChartUnit::kMicros});
  EXPECT_NE(svg.find("no data"), std::string::npos);
  EXPECT_EQ(svg.find("<polyline"), std::string::npos);
  std::string gap = SvgLineChart({"y", {1, 2, 3, 4, 5}, {{"a", "#000", {1, 2, NAN, 4, 5}}}, {}});
  EXPECT_EQ(Count(gap, "<polyline"), 2u);  // the NaN splits the line
  EXPECT_NE(gap.find("data-values=\"1,2,,4,5\""), std::string::npos);
  // A rule far above the data stays in view at the top, said to be above.
  std::string far = SvgLineChart({"z", {1, 2}, {{"a", "#000", {1, 2}}}, {{"max", "#f00", 100}}});
  EXPECT_NE(far.find("max (above)"), std::string::npos);
}

// Opens the report in headless Chromium: the charts must be laid out by the browser, and the
// pointer over a chart shows the time and the values.
TEST(HtmlReportTest, RendersInHeadlessChromium) {
  if (!testing::HaveChromium()) GTEST_SKIP() << "no " << testing::kChromium;
  std::string dir = testutil::TempDir();
  ASSERT_FALSE(dir.empty());
  std::string path = dir + "/report.html";
  ASSERT_TRUE(
      testutil::WriteText(path, testing::WithHoverProbe(FormatHtmlReport(TimelineResult()))));
  int status = 0;
  std::string dom = testing::ChromiumDom(dir, path, &status);
  ASSERT_EQ(status, 0) << dom;
  EXPECT_EQ(testing::BodyAttribute(dom, "data-charts-rendered"), std::to_string(kCharts)) << dom;
  EXPECT_EQ(testing::BodyAttribute(dom, "data-charts-total"), std::to_string(kCharts));
  EXPECT_EQ(Count(dom, "data-rendered=\"yes\""), kCharts);
  // The first chart is VUs: at 60% of the plot (about 11 s of 20) ten VUs.
  std::string tip = testing::BodyAttribute(dom, "data-tip");
  EXPECT_TRUE(std::regex_search(tip, std::regex("^1[0-3]\\.0 svus: 10$"))) << tip;
  ASSERT_EQ(testing::ChromiumScreenshot(dir, path, dir + "/report.png"), 0);
  std::string png;
  std::string error;
  ASSERT_TRUE(ReadFile(dir + "/report.png", &png, &error)) << error;
  EXPECT_EQ(png.substr(1, 3), "PNG");
  EXPECT_GT(png.size(), 50'000u);  // charts drawn, not a blank page
  testutil::Run("rm -rf " + dir, &status);
}

// A one-hour soak with 4 names: the report stays a file a browser opens at once (measured:
// printed below; the bound leaves about 2x headroom).
TEST(HtmlReportTest, OneHourReportStaysSmall) {
  Result r;
  r.duration_s = 3600;
  for (int s = 1; s <= 3600; ++s) {
    TimePoint p;
    p.elapsed_s = s;
    p.gauges = {{"vus", 50}, {"ws_open", 50}};
    p.counters = {{"ws_msgs_sent", 1000}, {"ws_msgs_received", 1000}};
    p.trends["ws_reply_time"] = {1000, 900.0 + s % 7, 2000, 4000};
    for (const char* name : {"join", "say", "typing", "leave"})
      p.tagged[TimelineTagKey("name", name)].trends["ws_reply_time"] = {250, 900, 2000, 4000};
    p.errors = {{"timeout", static_cast<uint64_t>(s % 3)}};
    p.checks["reply"] = {990, 10};
    r.timeline.Add(std::move(p));
  }
  auto started = std::chrono::steady_clock::now();
  std::string html = FormatHtmlReport(r);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("one-hour report, 4 names: %.1f MB, %.2f s\n", static_cast<double>(html.size()) / 1e6,
              seconds);
  EXPECT_EQ(Count(html, "data-chart=\"ws_reply_time{name:"), 4u);
  EXPECT_LT(html.size(), 4'000'000u);
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
}  // namespace wsyaml::outputs
