#include "metrics/summary.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "metrics/format.h"

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

struct Fixture {
  Shard shard;
  TagRegistry tags;
  SummaryInput input;
  Fixture() {
    uint32_t echo = tags.Intern({{"name", "echo"}});
    for (int i = 1; i <= 100; ++i) shard.Record(MetricId::kWsConnecting, milliseconds(i));
    for (int i = 0; i < 1230; ++i) shard.Add(MetricId::kWsMsgsSent);
    shard.Add(MetricId::kDataReceived, 1'500'000);
    shard.Record(MetricId::kWsReplyTime, std::chrono::microseconds(300), echo);
    shard.Move(MetricId::kVusMax, 10);
    shard.Check("got welcome", true);
    shard.Check("reply ok", true);
    shard.Check("reply ok", false, "no reply within 1s");
    shard.Error("timeout", "no reply within 1s");
    shard.Error("timeout", "no reply within 2s");
    shard.Add(MetricId::kWsCloseCodes, 3, tags.Intern({{"code", "1000"}}));
    shard.Add(MetricId::kWsCloseCodes, 1, tags.Intern({{"code", "1006"}}));
    input.shard = &shard;
    input.tags = &tags;
    input.test_name = "chat";
    input.duration_s = 60;
  }
};

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
  graph::Threshold ok;
  ok.metric = "ws_connecting";
  ok.source = "p(95) < 500ms";
  ok.aggregate = graph::Threshold::Aggregate::kPercentile;
  ok.percentile = 95;
  ok.value = 500'000;
  graph::Threshold bad;
  bad.metric = "ws_reply_time";
  bad.filter = {{"name", "echo"}};
  bad.source = "max < 100us";
  bad.aggregate = graph::Threshold::Aggregate::kMax;
  bad.value = 100;
  graph::Threshold check;
  check.metric = "checks";
  check.filter = {{"check", "reply ok"}};
  check.source = "rate > 0.9";
  check.aggregate = graph::Threshold::Aggregate::kRate;
  check.op = graph::Threshold::Op::kGt;
  check.value = 0.9;
  f.input.thresholds = EvaluateThresholds({ok, bad, check}, f.shard, f.tags, 60);
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
