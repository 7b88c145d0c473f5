// The InfluxDB sink: its line protocol, and that a down, slow or full backend costs the run
// nothing but counted, reported points (a real InfluxDB: tests/e2e/influxdb_e2e_test.cpp).
#include "outputs/influxdb.h"

#include <gtest/gtest.h>

#include <sstream>

#include "outputs/influxdb_lines.h"
#include "outputs/loopback_http.h"
#include "outputs/outputs.h"

namespace wsyaml::outputs {
namespace {

using namespace std::chrono_literals;
using metrics::MetricId;
using testing::LoopbackHttp;
using Clock = std::chrono::steady_clock;

TEST(InfluxLinesTest, EscapesNamesKeysAndValues) {
  EXPECT_EQ(EscapeInfluxMeasurement("a b,c=d"), "a\\ b\\,c=d");
  EXPECT_EQ(EscapeInfluxKey("a b,c=d"), "a\\ b\\,c\\=d");
  EXPECT_EQ(EscapeInfluxKey("two\nlines"), "two\\ lines");
}

// A snapshot of `shard` (as both interval and cumulative).
Snapshot SnapshotOf(const metrics::Shard& shard, const metrics::TagRegistry& tags,
                    int64_t unix_ms) {
  Snapshot s;
  s.interval = &shard;
  s.cumulative = &shard;
  s.tags = &tags;
  s.unix_ms = unix_ms;
  return s;
}

TEST(InfluxLinesTest, OnePointPerMetricAndTagSetWithFieldsByType) {
  metrics::TagRegistry tags;
  uint32_t echo = tags.Intern({{"name", "echo, 2"}, {"scenario", "default"}, {"empty", ""}});
  uint32_t timeout = tags.Intern({{"kind", "timeout"}});
  metrics::Shard shard;
  shard.Add(MetricId::kWsMsgsSent, 3, echo);
  shard.Add(MetricId::kWsMsgsSent, 2, echo);
  shard.Move(MetricId::kVus, 4);
  shard.Record(MetricId::kWsReplyTime, 2ms, echo);
  shard.Record(MetricId::kWsReplyTime, 4ms, echo);
  shard.Check("status is 200", true);
  shard.Check("status is 200", false);
  shard.Check("status is 200", true);
  shard.Error("timeout", "no reply", timeout);
  std::vector<std::string> lines = FormatInfluxLines(SnapshotOf(shard, tags, 1700), 1700);
  std::vector<std::string> expected = {
      "ws_msgs_sent,name=echo\\,\\ 2,scenario=default value=5 1700",
      "vus value=4 1700",
      "ws_reply_time,name=echo\\,\\ 2,scenario=default "
      "value=3,count=2i,sum=6,min=2,max=4,med=3,p90=3.8,p95=3.9,p99=3.98 1700",
      "ws_errors,kind=timeout value=1 1700",
      "checks,check=status\\ is\\ 200 value=0.666666666666667,passes=2i,fails=1i 1700",
  };
  EXPECT_EQ(lines, expected);
}

InfluxTarget TargetOn(int port) {
  InfluxTarget target;
  std::string error;
  EXPECT_TRUE(
      ParseInfluxUrl("http://127.0.0.1:" + std::to_string(port) + "/wsyaml", &target, &error))
      << error;
  return target;
}

// Feeds `sink` `seconds` snapshots of five points each, then finishes it.
void FeedAndFinish(InfluxDbSink* sink, int seconds) {
  std::string error;
  ASSERT_TRUE(sink->Open({}, &error));
  metrics::TagRegistry tags;
  for (int i = 0; i < seconds; ++i) {
    metrics::Shard shard;
    for (int name = 0; name < 5; ++name)
      shard.Add(MetricId::kWsMsgsSent, 1, tags.Intern({{"name", std::to_string(name)}}));
    sink->OnSnapshot(SnapshotOf(shard, tags, 1'000'000 + i * 1000));
  }
  metrics::Result result;
  EXPECT_TRUE(sink->Finish({&result, nullptr, nullptr}, &error));
}

TEST(InfluxDbSinkTest, CreatesTheDatabaseAndWritesEveryPoint) {
  LoopbackHttp peer({"HTTP/1.1 204 No Content\r\n\r\n"});
  std::ostringstream report;
  InfluxDbSink sink(TargetOn(peer.port()), &report);
  FeedAndFinish(&sink, 3);
  EXPECT_EQ(sink.counts().written, 15u);
  EXPECT_EQ(sink.counts().dropped, 0u);
  std::vector<std::string> requests = peer.Requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_NE(requests[0].find("POST /query HTTP/1.1"), std::string::npos);
  EXPECT_NE(requests[0].find("q=CREATE%20DATABASE%20%22wsyaml%22"), std::string::npos);
  EXPECT_NE(requests[1].find("POST /write?db=wsyaml&precision=ms HTTP/1.1"), std::string::npos);
  EXPECT_NE(requests[1].find("\r\n\r\nws_msgs_sent,name=0 value=1 1000000\n"), std::string::npos);
  // The /query answer was a 204, not 200: reported, and the writes went on.
  EXPECT_EQ(report.str(),
            "influxdb: 15 of 15 points written to wsyaml: CREATE DATABASE: HTTP 204\n");
}

TEST(InfluxDbSinkTest, ADownBackendDropsAndReportsWithoutFailing) {
  int port;
  {
    LoopbackHttp gone({});
    port = gone.port();
  }
  std::ostringstream report;
  InfluxDbSink::Options options;
  options.retry_pause = 10ms;
  InfluxDbSink sink(TargetOn(port), &report, options);
  FeedAndFinish(&sink, 4);
  EXPECT_EQ(sink.counts().written, 0u);
  EXPECT_EQ(sink.counts().dropped, 20u);
  EXPECT_EQ(report.str(),
            "influxdb: 0 of 20 points written to wsyaml, 20 dropped: connection refused\n");
}

TEST(InfluxDbSinkTest, ASilentBackendCostsAtMostTheFlushDeadline) {
  LoopbackHttp peer({"", /*silent=*/true});
  std::ostringstream report;
  InfluxDbSink::Options options;
  options.request_timeout = 200ms;
  options.flush_deadline = 300ms;
  InfluxDbSink sink(TargetOn(peer.port()), &report, options);
  auto start = Clock::now();
  FeedAndFinish(&sink, 3);
  EXPECT_LT(Clock::now() - start, 1s);
  EXPECT_EQ(sink.counts().written, 0u);
  EXPECT_EQ(sink.counts().dropped, 15u) << report.str();
}

TEST(InfluxDbSinkTest, AFullQueueDropsTheOldestPointsAtOnce) {
  LoopbackHttp peer({"", /*silent=*/true});
  std::ostringstream report;
  InfluxDbSink::Options options;
  options.max_queued_points = 10;
  options.points_per_write = 5;
  options.request_timeout = 200ms;
  options.flush_deadline = 100ms;
  InfluxDbSink sink(TargetOn(peer.port()), &report, options);
  std::string error;
  ASSERT_TRUE(sink.Open({}, &error));
  metrics::TagRegistry tags;
  metrics::Shard shard;
  for (int name = 0; name < 40; ++name)
    shard.Add(MetricId::kWsMsgsSent, 1, tags.Intern({{"name", std::to_string(name)}}));
  auto start = Clock::now();
  sink.OnSnapshot(SnapshotOf(shard, tags, 1000));  // 8 batches of 5: 6 dropped at once
  EXPECT_LT(Clock::now() - start, 50ms);
  EXPECT_EQ(sink.counts().dropped, 30u);
  metrics::Result result;
  EXPECT_TRUE(sink.Finish({&result, nullptr, nullptr}, &error));
  EXPECT_EQ(sink.counts().points, 40u);
  EXPECT_EQ(sink.counts().dropped, 40u);
  EXPECT_NE(report.str().find("0 of 40 points written to wsyaml, 40 dropped: "), std::string::npos)
      << report.str();
}

TEST(InfluxDbSinkTest, SnapshotsOnOneMillisecondGetTheirOwnTimestamps) {
  LoopbackHttp peer({"HTTP/1.1 204 No Content\r\n\r\n"});
  std::ostringstream report;
  InfluxDbSink sink(TargetOn(peer.port()), &report);
  std::string error;
  ASSERT_TRUE(sink.Open({}, &error));
  metrics::TagRegistry tags;
  metrics::Shard shard;
  shard.Add(MetricId::kIterations, 1);
  sink.OnSnapshot(SnapshotOf(shard, tags, 5000));
  sink.OnSnapshot(SnapshotOf(shard, tags, 5000));  // a final tick right after the last one
  metrics::Result result;
  EXPECT_TRUE(sink.Finish({&result, nullptr, nullptr}, &error));
  std::string all;
  for (const std::string& request : peer.Requests()) all += request;
  EXPECT_NE(all.find("iterations value=1 5000\n"), std::string::npos) << all;
  EXPECT_NE(all.find("iterations value=1 5001\n"), std::string::npos) << all;
}

TEST(InfluxOutFlagTest, ParsesAndChecksTheUrl) {
  OutputSpec spec;
  std::string error;
  ASSERT_TRUE(ParseOutFlag("influxdb=http://127.0.0.1:8086/k6", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kInfluxDb);
  EXPECT_EQ(DescribeOutput(spec), "--out influxdb=http://127.0.0.1:8086/k6");
  EXPECT_TRUE(CheckOutputs({spec, spec}, &error)) << error;  // a URL is not a file
  EXPECT_FALSE(ParseOutFlag("influxdb=", &spec, &error));
  EXPECT_EQ(error, "--out influxdb= needs a URL, e.g. influxdb=http://127.0.0.1:8086/wsyaml");
  ASSERT_TRUE(ParseOutFlag("influxdb=http://127.0.0.1:8086", &spec, &error));
  EXPECT_FALSE(CheckOutputs({spec}, &error));
  EXPECT_EQ(error,
            "--out influxdb: expected http://HOST:PORT/DATABASE, got "
            "'http://127.0.0.1:8086'");
  ASSERT_TRUE(ParseOutFlag("influxdb=https://h/db", &spec, &error));
  EXPECT_FALSE(CheckOutputs({spec}, &error));
  EXPECT_EQ(error, "--out influxdb: https is not supported, only http://");
}

}  // namespace
}  // namespace wsyaml::outputs
