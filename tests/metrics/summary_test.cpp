#include "metrics/summary.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "metrics/format.h"
#include "metrics/summary_fixture.h"

namespace wsyaml::metrics {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The line that starts (after indentation and marks) with `prefix`.
std::string LineOf(const std::string& text, const std::string& prefix) {
  for (const auto& line : Lines(text)) {
    size_t start = line.find_first_not_of(" ✓✗");
    // ✓/✗ are multibyte; find_first_not_of works bytewise on their bytes.
    if (start != std::string::npos && line.compare(start, prefix.size(), prefix) == 0) return line;
  }
  return "";
}

TEST(SummaryTest, TrendLine) {
  Fixture f;
  std::string s = FormatSummary(f.input);
  std::string line = LineOf(s, "ws_connecting.");
  ASSERT_FALSE(line.empty()) << s;
  EXPECT_NE(line.find("ws_connecting.........."), std::string::npos);
  EXPECT_NE(line.find("avg=50.5ms"), std::string::npos) << line;
  EXPECT_NE(line.find("min=1ms"), std::string::npos) << line;
  EXPECT_NE(line.find("max=100ms"), std::string::npos) << line;
  EXPECT_NE(line.find("p(90)=90."), std::string::npos) << line;
  EXPECT_NE(line.find("p(95)=95."), std::string::npos) << line;
  EXPECT_NE(line.find("med=50."), std::string::npos) << line;
  EXPECT_EQ(line.find("p(99)"), std::string::npos) << "p(99) only for reply and delivery times";
  std::string reply = LineOf(s, "ws_reply_time.");
  EXPECT_GT(reply.find("p(99)=300µs"), reply.find("p(95)=300µs")) << reply;
  EXPECT_NE(reply.find("p(99)=300µs"), std::string::npos) << reply;
}

TEST(SummaryTest, TrendStatsAsGiven) {
  Fixture f;
  std::string error;
  ASSERT_TRUE(ParseTrendStats("avg, p(99.9),count,max", &f.input.trend_stats, &error)) << error;
  std::string s = FormatSummary(f.input);
  std::string line = LineOf(s, "ws_connecting.");
  EXPECT_NE(line.find(": avg=50.5ms p(99.9)=99.8"), std::string::npos) << line;
  EXPECT_NE(line.find("count=100 max=100ms"), std::string::npos) << line;
  EXPECT_EQ(line.find("min="), std::string::npos) << line;
  EXPECT_EQ(line.find("p(95)"), std::string::npos) << line;
  EXPECT_EQ(LineOf(s, "ws_reply_time.").find("p(99)="), std::string::npos) << s;
}

TEST(SummaryTest, ParseTrendStatsTakesK6sNamesOnly) {
  std::vector<TrendStat> stats;
  std::string error;
  ASSERT_TRUE(ParseTrendStats("avg,min,med,max,p(90),p(95),p(99)", &stats, &error)) << error;
  ASSERT_EQ(stats.size(), 7u);
  EXPECT_EQ(stats[2].aggregate, graph::Threshold::Aggregate::kMed);
  EXPECT_EQ(stats[6].aggregate, graph::Threshold::Aggregate::kPercentile);
  EXPECT_EQ(stats[6].percentile, 99);
  for (const char* bad :
       {"p99", "p(101)", "p(-1)", "p()", "p(9x)", "rate", "", "avg,,max", "avg,mean", "AVG"}) {
    error.clear();
    EXPECT_FALSE(ParseTrendStats(bad, &stats, &error)) << bad;
    EXPECT_NE(error.find("--summary-trend-stats: '"), std::string::npos) << bad << ": " << error;
  }
  ParseTrendStats("avg,mean", &stats, &error);
  EXPECT_NE(error.find("'mean' is not a trend stat"), std::string::npos) << error;
}

// Green and red marks on a terminal; the escapes never shift a column.
TEST(SummaryTest, ColourOnlyWhenAsked) {
  Fixture f;
  f.input.thresholds = EvaluateThresholds(SampleThresholds(), f.shard, f.tags, 60);
  std::string plain = FormatSummary(f.input);
  EXPECT_EQ(plain.find('\033'), std::string::npos) << plain;
  f.input.color = true;
  std::string coloured = FormatSummary(f.input);
  const std::string green = "\033[32m✓\033[0m ", red = "\033[31m✗\033[0m ";
  EXPECT_NE(coloured.find(green + "got welcome"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find(red + "reply ok"), std::string::npos) << coloured;
  EXPECT_NE(coloured.find(green + "ws_connecting 'p(95) < 500ms'"), std::string::npos);
  EXPECT_NE(coloured.find(red + "ws_reply_time{name:echo} 'max < 100us'"), std::string::npos);
  EXPECT_NE(coloured.find(green + "ws_connecting....."), std::string::npos) << coloured;
  std::string stripped = coloured;
  for (const char* escape : {"\033[32m", "\033[31m", "\033[0m"})
    for (size_t at; (at = stripped.find(escape)) != std::string::npos;)
      stripped.erase(at, std::string(escape).size());
  EXPECT_EQ(stripped, plain);
}

TEST(SummaryTest, UseColorOnATerminalUnlessNoColorIsSet) {
  EXPECT_TRUE(UseColor(true, nullptr));
  EXPECT_TRUE(UseColor(true, "")) << "no-color.org: only a non-empty NO_COLOR disables";
  EXPECT_FALSE(UseColor(true, "1"));
  EXPECT_FALSE(UseColor(true, "0"));
  EXPECT_FALSE(UseColor(false, nullptr)) << "never in files or pipes";
}

TEST(SummaryTest, CountersGaugesAndAlignment) {
  Fixture f;
  std::string s = FormatSummary(f.input);
  std::string sent = LineOf(s, "ws_msgs_sent.");
  EXPECT_NE(sent.find(": 1230"), std::string::npos) << sent;
  EXPECT_NE(sent.find("20.5/s"), std::string::npos) << sent;
  std::string data = LineOf(s, "data_received.");
  EXPECT_NE(data.find("1.5 MB"), std::string::npos) << data;
  EXPECT_NE(data.find("25 kB/s"), std::string::npos) << data;
  std::string vus = LineOf(s, "vus_max.");
  EXPECT_NE(vus.find(": 10"), std::string::npos) << vus;
  EXPECT_NE(vus.find("max=10"), std::string::npos) << vus;
  // The colons after the dotted leaders line up.
  size_t col = DisplayWidth(sent.substr(0, sent.find(':')));
  EXPECT_EQ(DisplayWidth(data.substr(0, data.find(':'))), col);
  EXPECT_EQ(DisplayWidth(vus.substr(0, vus.find(':'))), col);
}

// With permessage-deflate, the payload counters show how much the wire was spared.
TEST(SummaryTest, PayloadCountersShowTheCompressionRatio) {
  Fixture f;
  f.shard.Add(MetricId::kWsPayloadReceived, 4'500'000);
  std::string s = FormatSummary(f.input);
  std::string line = LineOf(s, "ws_payload_received.");
  EXPECT_NE(line.find("4.5 MB"), std::string::npos) << line;
  EXPECT_NE(line.find("ratio=3"), std::string::npos) << line;
  EXPECT_TRUE(LineOf(s, "ws_payload_sent.").empty()) << s;  // none without samples
}

TEST(SummaryTest, ChecksErrorsCloseCodes) {
  Fixture f;
  std::string s = FormatSummary(f.input);
  EXPECT_NE(s.find("✓ got welcome"), std::string::npos) << s;
  EXPECT_NE(s.find("✗ reply ok"), std::string::npos);
  EXPECT_NE(s.find("50% — ✓ 1 / ✗ 1"), std::string::npos) << s;
  std::string checks = LineOf(s, "checks.");
  EXPECT_NE(checks.find("66.67%"), std::string::npos) << checks;
  EXPECT_NE(checks.find("✓ 2"), std::string::npos) << checks;
  EXPECT_NE(checks.find("✗ 1"), std::string::npos) << checks;
  std::string timeout = LineOf(s, "timeout.");
  EXPECT_NE(timeout.find(": 2"), std::string::npos) << s;
  EXPECT_NE(timeout.find("e.g. no reply within 1s"), std::string::npos) << timeout;
  EXPECT_NE(s.find("CLOSE CODES"), std::string::npos);
  EXPECT_NE(LineOf(s, "1000.").find(": 3"), std::string::npos) << s;
  EXPECT_NE(LineOf(s, "1006.").find(": 1"), std::string::npos) << s;
}

TEST(SummaryTest, ThresholdsMarkedAndSubmetricShown) {
  Fixture f;
  f.input.thresholds = EvaluateThresholds(SampleThresholds(), f.shard, f.tags, 60);
  std::string s = FormatSummary(f.input);
  EXPECT_NE(s.find("✓ ws_connecting 'p(95) < 500ms' p(95)=95."), std::string::npos) << s;
  EXPECT_NE(s.find("✗ ws_reply_time{name:echo} 'max < 100us' max=300µs"), std::string::npos) << s;
  EXPECT_NE(s.find("✓ ws_connecting....."), std::string::npos) << s;
  std::string sub = LineOf(s, "{ name:echo }");
  EXPECT_NE(sub.find("✗"), std::string::npos) << s;
  EXPECT_NE(sub.find("avg=300µs"), std::string::npos) << sub;
  std::string check_row = LineOf(s, "{ check:reply ok }");
  EXPECT_NE(check_row.find("50.00% ✓ 1"), std::string::npos) << s;
  EXPECT_NE(s.find("✗ checks{check:reply ok} 'rate > 0.9' rate=50.00%"), std::string::npos) << s;
}

TEST(FormatTest, Units) {
  EXPECT_EQ(FormatMicros(812), "812µs");
  EXPECT_EQ(FormatMicros(1250), "1.25ms");
  EXPECT_EQ(FormatMicros(3.5e6), "3.5s");
  EXPECT_EQ(FormatMicros(123.4e6), "2m3.4s");
  EXPECT_EQ(FormatBytes(850), "850 B");
  EXPECT_EQ(FormatBytes(1100), "1.1 kB");
  EXPECT_EQ(FormatBytes(12e6), "12 MB");
  EXPECT_EQ(FormatNumber(20.5), "20.5");
  EXPECT_EQ(FormatNumber(3), "3");
  EXPECT_EQ(FormatPercent(0.995), "99.50%");
  EXPECT_EQ(DisplayWidth("✓ µs"), 4u);
  EXPECT_EQ(PadRight("µ", 3, '.'), "µ..");
}

}  // namespace
}  // namespace wsyaml::metrics

namespace wsyaml::metrics {
namespace {

TEST(SummaryTest, GaugesUseTheTimelineRange) {
  Shard shard;
  TagRegistry tags;
  TimeSeries timeline;
  for (int s = 1; s <= 5; ++s) {
    shard.Move(MetricId::kVus, s <= 3 ? 2 : -3);  // 2, 4, 6, 3, 0
    timeline.Sample(s, shard);
  }
  SummaryInput input;
  input.shard = &shard;
  input.tags = &tags;
  input.duration_s = 5;
  std::string without = FormatSummary(input);
  EXPECT_NE(LineOf(without, "vus.").find("max=6"), std::string::npos) << without;
  EXPECT_EQ(LineOf(without, "vus.").find("min="), std::string::npos) << without;
  input.timeline = &timeline;
  std::string with = FormatSummary(input);
  std::string line = LineOf(with, "vus.");
  EXPECT_NE(line.find(": 0"), std::string::npos) << line;
  EXPECT_NE(line.find("min=0"), std::string::npos) << line;
  EXPECT_NE(line.find("max=6"), std::string::npos) << line;
}

}  // namespace
}  // namespace wsyaml::metrics

namespace wsyaml::metrics {
namespace {

TEST(SummaryTest, ThresholdWithoutSamplesSaysSo) {
  Fixture f;
  graph::Threshold ping;
  ping.metric = "ws_ping";
  ping.filter = {{"name", "ping"}};
  ping.source = "p(95) < 50ms";
  ping.aggregate = graph::Threshold::Aggregate::kPercentile;
  ping.percentile = 95;
  ping.value = 50'000;
  graph::Threshold allowed = ping;
  allowed.source = "p(95) < 60ms";
  allowed.allow_no_samples = true;
  f.input.thresholds = EvaluateThresholds({ping, allowed}, f.shard, f.tags, 60);
  std::string s = FormatSummary(f.input);
  // No samples is no value: the threshold fails and says why, unless it allows that.
  EXPECT_NE(s.find(std::string("✗ ws_ping{name:ping} 'p(95) < 50ms' ") + kNoSamplesError),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("✓ ws_ping{name:ping} 'p(95) < 60ms' p(95)=0µs (no samples)"), std::string::npos)
      << s;
  EXPECT_NE(LineOf(s, "ws_ping.").find(": no samples"), std::string::npos) << s;
  EXPECT_NE(LineOf(s, "{ name:ping }").find(": no samples"), std::string::npos) << s;
}

TEST(SummaryTest, InterruptedRunSaysSoUnderTheTitle) {
  Fixture f;
  EXPECT_EQ(FormatSummary(f.input).find("interrupted"), std::string::npos);
  f.input.interrupted = true;
  std::string s = FormatSummary(f.input);
  EXPECT_NE(s.find(std::string("✗ ") + kInterruptedMessage), std::string::npos) << s;
  EXPECT_LT(s.find("interrupted"), s.find("got welcome")) << s;
}

TEST(FormatTest, EscapeControlsKeepsTheTerminalSafe) {
  EXPECT_EQ(EscapeControls(std::string("a\x1b[2Jb\0", 7) + "c\x07\x7f"),
            std::string("a\\x1b[2Jb\\x00c\\x07\\x7f"));
  EXPECT_EQ(EscapeControls("one\ntwo\r\tend"), "one\\ntwo\\r\\tend");
  EXPECT_EQ(EscapeControls("one\r\ntwo\n", true), "one\ntwo\n");
  EXPECT_EQ(EscapeControls("\xC2\x9B"
                           "31m"),
            "\\u009b31m");  // C1 CSI
  EXPECT_EQ(EscapeControls("\x9b\xff é ✓ 𝄞"), "\\x9b\\xff é ✓ 𝄞");
  EXPECT_EQ(EscapeControls("C:\\path"), "C:\\path");
}

// Check failures, error examples and names come from servers: no raw ESC or NUL may reach
// the terminal through the summary, and no line break may fake a summary line.
TEST(SummaryTest, ServerTextIsEscaped) {
  Shard shard;
  TagRegistry tags;
  shard.Check("reply", false, std::string("got \x1b[2J\x00 here\nFAKE LINE", 24));
  shard.Error("protocol", "closed: \x1b]0;title\x07");
  SummaryInput in;
  in.shard = &shard;
  in.tags = &tags;
  in.test_name = "t\x1b";
  std::string s = FormatSummary(in);
  EXPECT_EQ(s.find('\x1b'), std::string::npos) << s;
  EXPECT_EQ(s.find('\0'), std::string::npos) << s;
  EXPECT_EQ(s.find('\x07'), std::string::npos) << s;
  EXPECT_NE(s.find("last failure: got \\x1b[2J\\x00 here\\nFAKE LINE"), std::string::npos) << s;
  EXPECT_NE(s.find("e.g. closed: \\x1b]0;title\\x07"), std::string::npos) << s;
  EXPECT_NE(s.find("wsyaml: t\\x1b"), std::string::npos) << s;
}

}  // namespace
}  // namespace wsyaml::metrics
