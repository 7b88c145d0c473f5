// --summary-export: the summary's rows and values as k6-shaped JSON, and nothing else.
#include "outputs/summary_export.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "metrics/summary_fixture.h"

namespace wsyaml::outputs {
namespace {

using namespace wsyaml::metrics;  // NOLINT

using nlohmann::json;

json Export(const SummaryInput& input) {
  json j = json::parse(FormatSummaryExport(input), nullptr, false);
  EXPECT_FALSE(j.is_discarded());
  return j;
}

TEST(SummaryExportTest, K6ShapeWithTheSummarysValues) {
  Fixture f;
  f.input.thresholds = EvaluateThresholds(SampleThresholds(), f.shard, f.tags, 60);
  json j = Export(f.input);
  const json& m = j["metrics"];
  // Trends in milliseconds, as k6 exports them.
  EXPECT_DOUBLE_EQ(m["ws_connecting"]["avg"].get<double>(), 50.5);
  EXPECT_DOUBLE_EQ(m["ws_connecting"]["min"].get<double>(), 1);
  EXPECT_DOUBLE_EQ(m["ws_connecting"]["max"].get<double>(), 100);
  EXPECT_NEAR(m["ws_connecting"]["p(90)"].get<double>(), 90, 1);
  EXPECT_FALSE(m["ws_connecting"].contains("p(99)"));
  EXPECT_NEAR(m["ws_reply_time"]["p(99)"].get<double>(), 0.3, 0.01);
  EXPECT_EQ(m["ws_msgs_sent"], (json{{"count", 1230}, {"rate", 20.5}}));
  EXPECT_EQ(m["data_received"]["count"], 1'500'000);
  EXPECT_EQ(m["vus_max"]["value"], 10);
  EXPECT_EQ(m["checks"]["passes"], 2);
  EXPECT_EQ(m["checks"]["fails"], 1);
  EXPECT_NEAR(m["checks"]["value"].get<double>(), 2.0 / 3, 1e-9);
  // Thresholds on the metric or sub-metric they judge.
  EXPECT_EQ(m["ws_connecting"]["thresholds"], (json{{"p(95) < 500ms", {{"ok", true}}}}));
  EXPECT_EQ(m["ws_reply_time{name:echo}"]["thresholds"], (json{{"max < 100us", {{"ok", false}}}}));
  EXPECT_NEAR(m["ws_reply_time{name:echo}"]["avg"].get<double>(), 0.3, 0.01);
  EXPECT_EQ(m["checks{check:reply ok}"]["passes"], 1);
  EXPECT_FALSE(m["ws_reply_time"].contains("thresholds"));
  // Checks in k6's root group, errors and close codes as the summary lists them.
  const json& check = j["root_group"]["checks"]["reply ok"];
  EXPECT_EQ(check["path"], "::reply ok");
  EXPECT_EQ(check["passes"], 1);
  EXPECT_EQ(check["fails"], 1);
  EXPECT_EQ(check["last_failure"], "no reply within 1s");
  EXPECT_EQ(j["root_group"]["checks"].size(), 2u);
  EXPECT_EQ(j["errors"]["timeout"]["count"], 2);
  EXPECT_EQ(j["close_codes"], (json{{"1000", 3}, {"1006", 1}}));
  EXPECT_EQ(j["state"]["testRunDurationMs"], 60000);
  EXPECT_EQ(j["name"], "chat");
}

// Every metric line of the text summary is a key of the export, and no other; each trend has
// exactly the stats the text shows.
TEST(SummaryExportTest, ExactlyTheRowsAndStatsTheSummaryShows) {
  Fixture f;
  f.input.thresholds = EvaluateThresholds(SampleThresholds(), f.shard, f.tags, 60);
  std::string error;
  ASSERT_TRUE(ParseTrendStats("med,p(99.9),count", &f.input.trend_stats, &error));
  json j = Export(f.input);
  std::set<std::string> text_rows;
  std::istringstream lines(FormatSummary(f.input));
  for (std::string line; std::getline(lines, line);) {
    size_t dots = line.find("...");
    size_t start = line.find_first_not_of(" ✓✗");
    if (dots == std::string::npos || line.find("timeout") != std::string::npos ||
        line.find_first_of("0123456789") == start)
      continue;  // errors and close codes are not metrics
    std::string name = line.substr(start, line.find('.', start) - start);
    text_rows.insert(name);
  }
  std::set<std::string> exported;
  for (const auto& [key, value] : j["metrics"].items()) {
    size_t brace = key.find('{');
    exported.insert(brace == std::string::npos ? key : key.substr(0, brace));
  }
  text_rows.erase("{ name:echo }");
  text_rows.erase("{ check:reply ok }");
  EXPECT_EQ(text_rows, exported);
  json connecting = j["metrics"]["ws_connecting"];
  EXPECT_EQ(connecting.size(), 4u) << connecting.dump();  // med, p(99.9), count, thresholds
  EXPECT_EQ(connecting["count"], 100);
  EXPECT_TRUE(connecting.contains("p(99.9)"));
}

TEST(SummaryExportTest, ServerBytesNeverBreakTheJson) {
  Shard shard;
  TagRegistry tags;
  shard.Check("reply \xff", false, std::string("got \x1b[2J\x00", 9));
  SummaryInput in;
  in.shard = &shard;
  in.tags = &tags;
  json j = Export(in);
  ASSERT_EQ(j["root_group"]["checks"].size(), 1u);
  EXPECT_EQ(j["root_group"]["checks"].begin().value()["last_failure"],
            std::string("got \x1b[2J\x00", 9));
}

}  // namespace
}  // namespace wsyaml::outputs
