// The summary shows ws_reply_wire_time beside ws_reply_time only when the two differ (some
// reply was sent by a late every/after tick) or a threshold names it: k6 users expect a compact
// summary, and two equal lines say nothing more than one.
#include <gtest/gtest.h>

#include <string>

#include "metrics/summary.h"

namespace wsyaml::metrics {
namespace {

using std::chrono::microseconds;

struct ReplyTimes {
  Shard shard;
  TagRegistry tags;
  SummaryInput input;
  /// One reply, `late` µs of which its tick ran late.
  explicit ReplyTimes(int late) {
    uint32_t echo = tags.Intern({{"name", "echo"}});
    shard.Record(MetricId::kWsReplyTime, microseconds(500 + late), echo);
    shard.Record(MetricId::kWsReplyWireTime, microseconds(500), echo);
    input.shard = &shard;
    input.tags = &tags;
    input.duration_s = 1;
  }
};

bool Shows(const std::string& summary, const std::string& metric) {
  return summary.find(metric + ".") != std::string::npos;
}

TEST(SummaryReplyTime, EqualReplyTimesShowOneLine) {
  ReplyTimes f(0);
  std::string s = FormatSummary(f.input);
  EXPECT_TRUE(Shows(s, "ws_reply_time")) << s;
  EXPECT_FALSE(Shows(s, "ws_reply_wire_time")) << s;
}

TEST(SummaryReplyTime, ALateTickShowsBoth) {
  ReplyTimes f(300);
  std::string s = FormatSummary(f.input);
  EXPECT_TRUE(Shows(s, "ws_reply_time")) << s;
  EXPECT_TRUE(Shows(s, "ws_reply_wire_time")) << s;
}

TEST(SummaryReplyTime, AThresholdOnTheWireTimeShowsIt) {
  ReplyTimes f(0);
  ThresholdResult result;
  result.threshold.metric = "ws_reply_wire_time";
  result.threshold.source = "p(95) < 5ms";
  result.passed = true;
  result.has_data = true;
  f.input.thresholds.push_back(result);
  std::string s = FormatSummary(f.input);
  EXPECT_TRUE(Shows(s, "ws_reply_wire_time")) << s;
}

}  // namespace
}  // namespace wsyaml::metrics
