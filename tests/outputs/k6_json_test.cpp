// k6's JSON lines and the points under them: one per metric, tag set and second, Metric lines
// first, checks as outcomes with counts, trends in ms; the stream written as the run goes.
#include "outputs/k6_json.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "outputs/sink_set.h"

namespace wsyaml::outputs {
namespace {

using metrics::MetricId;
using std::chrono::microseconds;

std::string TempDir() {
  std::string dir = "/tmp/wsyaml-k6json-XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(K6PointsTest, OnePointPerSeriesAndCheckOutcome) {
  metrics::TagRegistry tags;
  uint32_t echo = tags.Intern({{"scenario", "default"}, {"name", "echo"}});
  metrics::Shard interval;
  interval.Add(MetricId::kWsMsgsSent, 1, echo);
  interval.Add(MetricId::kWsMsgsSent, 1, echo);
  interval.Add(MetricId::kDataSent, 120, echo);
  interval.Move(MetricId::kVus, 3);
  interval.Record(MetricId::kWsReplyTime, microseconds(1000), echo);
  interval.Record(MetricId::kWsReplyTime, microseconds(3000), echo);
  interval.Check("ok", true);
  interval.Check("ok", true);
  interval.Check("ok", false);
  Snapshot snapshot;
  snapshot.interval = &interval;
  snapshot.tags = &tags;
  std::vector<K6Point> points = ToK6Points(snapshot);
  // sent, data_sent, vus, reply time, ok passes, ok fails; no untagged `checks` rate point
  ASSERT_EQ(points.size(), 6u);
  std::map<std::string, K6Point> by_name;
  for (const K6Point& p : points)
    by_name[std::string(catalog::Info(p.id).name) + FormatK6Number(p.value)] = p;
  const K6Point& sent = by_name.at("ws_msgs_sent2");
  EXPECT_EQ(sent.count, 2u);
  EXPECT_EQ(sent.tags, (std::vector<std::pair<std::string, std::string>>{{"name", "echo"},
                                                                         {"scenario", "default"}}));
  EXPECT_EQ(by_name.at("data_sent120").count, 1u);
  EXPECT_EQ(by_name.at("vus3").count, 0u);
  const K6Point& reply = by_name.at("ws_reply_time2");  // mean 2 ms
  EXPECT_EQ(reply.count, 2u);
  ASSERT_TRUE(reply.has_trend);
  EXPECT_DOUBLE_EQ(reply.trend.sum_ms, 4);
  EXPECT_DOUBLE_EQ(reply.trend.min_ms, 1);
  EXPECT_DOUBLE_EQ(reply.trend.max_ms, 3);
  EXPECT_NEAR(reply.trend.p99_ms, 3, 0.03);
  EXPECT_EQ(by_name.at("checks1").count, 2u);
  EXPECT_EQ(by_name.at("checks0").count, 1u);
  EXPECT_EQ(by_name.at("checks0").tags[0], (std::pair<std::string, std::string>{"check", "ok"}));
}

TEST(K6JsonTest, MetricAndPointLinesHaveK6sShape) {
  EXPECT_EQ(FormatK6MetricLine(MetricId::kWsReplyTime, {"p(95) < 5ms"}),
            "{\"type\":\"Metric\",\"data\":{\"name\":\"ws_reply_time\",\"type\":\"trend\","
            "\"contains\":\"time\",\"thresholds\":[\"p(95) < 5ms\"],\"submetrics\":null},"
            "\"metric\":\"ws_reply_time\"}\n");
  EXPECT_NE(FormatK6MetricLine(MetricId::kDataSent, {}).find("\"contains\":\"data\""),
            std::string::npos);
  K6Point point;
  point.id = MetricId::kWsMsgsSent;
  point.tags = {{"name", "say \"hi\""}, {"scenario", "default"}};
  point.value = 5;
  point.count = 3;
  EXPECT_EQ(FormatK6PointLine(point, 1'764'552'000'250),
            "{\"metric\":\"ws_msgs_sent\",\"type\":\"Point\",\"data\":{\"time\":"
            "\"2025-12-01T01:20:00.250Z\",\"value\":5,\"tags\":{\"name\":\"say \\\"hi\\\"\","
            "\"scenario\":\"default\"},\"count\":3}}\n");
  point.id = MetricId::kWsReplyTime;
  point.value = 0.25;
  point.has_trend = true;
  point.trend = {0.75, 0.125, 0.5, 0.5, 0.5};
  nlohmann::json j = nlohmann::json::parse(FormatK6PointLine(point, 0));
  EXPECT_EQ(j["data"]["value"], 0.25);
  EXPECT_EQ(j["data"]["sum"], 0.75);
  EXPECT_EQ(j["data"]["min"], 0.125);
  EXPECT_EQ(j["data"]["p(99)"], 0.5);
}

TEST(K6JsonTest, StreamDeclaresEachMetricOnceBeforeItsPointsAndAddsUp) {
  std::string path = TempDir() + "/k6.json";
  SinkSet sinks;
  sinks.Add(std::make_unique<K6JsonSink>(path));
  graph::TestPlan plan;
  graph::Threshold threshold;
  threshold.metric = "ws_msgs_sent";
  threshold.source = "count > 1";
  plan.thresholds.push_back(threshold);
  std::string error;
  ASSERT_TRUE(sinks.Open({&plan, "t.yaml", {}}, &error)) << error;
  metrics::Shard cumulative;
  metrics::TagRegistry tags;
  uint32_t echo = tags.Intern({{"name", "echo"}});
  cumulative.Add(MetricId::kWsMsgsSent, 1, echo);
  sinks.OnTick(1.0, 1'000'000, cumulative, tags, false);
  cumulative.Add(MetricId::kWsMsgsSent, 1, echo);
  cumulative.Add(MetricId::kWsMsgsSent, 1, echo);
  sinks.OnTick(2.0, 1'000'000, cumulative, tags, false);
  sinks.OnTick(2.5, 1'000'000, cumulative, tags, true);  // nothing new: no point
  metrics::Result result;
  ASSERT_TRUE(sinks.Finish({&result, nullptr, &sinks.info()}, &error)) << error;

  std::istringstream lines(ReadText(path));
  std::string line;
  std::vector<nlohmann::json> parsed;
  while (std::getline(lines, line)) parsed.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0]["type"], "Metric");
  EXPECT_EQ(parsed[0]["data"]["thresholds"], nlohmann::json::array({"count > 1"}));
  EXPECT_EQ(parsed[1]["data"]["value"], 1);
  EXPECT_EQ(parsed[1]["data"]["time"], "1970-01-01T00:16:41.000Z");
  EXPECT_EQ(parsed[2]["data"]["value"], 2);
  EXPECT_EQ(parsed[2]["data"]["count"], 2);
}

TEST(K6JsonTest, AFileThatCannotBeOpenedStopsTheRunBeforeItStarts) {
  K6JsonSink sink(TempDir() + "/no/such/dir/k6.json");
  std::string error;
  EXPECT_FALSE(sink.Open({}, &error));
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

}  // namespace
}  // namespace wsyaml::outputs
