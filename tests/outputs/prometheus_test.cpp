// The Prometheus exposition (--out prometheus=): names, labels, escaping, histogram buckets
// built from ours, checks, errors by kind and thresholds; checked by Prometheus' own promtool;
// and the sink serving it over HTTP on loopback, with a port in use refused in Open.
#include "outputs/prometheus.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "e2e/http_get.h"
#include "outputs/outputs.h"
#include "outputs/prometheus_text.h"

namespace wsyaml::outputs {
namespace {

using metrics::MetricId;
using std::chrono::microseconds;

// A run's state as a snapshot would carry it: messages by name, a trend, a gauge, checks,
// errors by kind and two thresholds (one failing now).
struct Fixture {
  metrics::Shard shard;
  metrics::TagRegistry tags;
  std::vector<metrics::ThresholdResult> thresholds;
  graph::TestPlan plan;
  RunInfo info;
  Snapshot snapshot;

  Fixture() {
    uint32_t say = tags.Intern({{"name", "say \"hi\"\n"}, {"scenario", "default"}});
    uint32_t odd = tags.Intern({{"my-tag", "a\\b"}, {"le", "x"}, {"2x", "y"}});
    shard.Add(MetricId::kWsMsgsSent, 3, say);
    shard.Add(MetricId::kWsMsgsSent, 4, say);
    shard.Add(MetricId::kWsMsgsSent, 1, odd);
    shard.Add(MetricId::kDataSent, 1500, say);
    // 40 µs, 2 × 300 µs, 7 ms, 90 s: one per region of the bounds, one past the last.
    for (int us : {40, 300, 300, 7000, 90'000'000})
      shard.Record(MetricId::kWsReplyTime, microseconds(us), say);
    shard.Move(MetricId::kVus, 2);
    shard.Check("welcome", true);
    shard.Check("welcome", false, "late");
    shard.Check("welcome", true);
    uint32_t timeout = tags.Intern({{"kind", "timeout"}, {"scenario", "default"}});
    shard.Error("timeout", "no reply", timeout);
    metrics::ThresholdResult p95;
    p95.threshold.metric = "ws_reply_time";
    p95.threshold.filter = {{"name", "say"}};
    p95.threshold.source = "p(95) < 10ms";
    p95.passed = false;
    metrics::ThresholdResult count = p95;
    count.threshold.metric = "ws_errors";
    count.threshold.filter = {};
    count.threshold.source = "count < 5";
    count.passed = true;
    thresholds = {p95, count};
    plan.name = "chat";
    info = {&plan, "chat.yaml", {"ws://127.0.0.1:1/"}};
    snapshot.elapsed_s = 2.5;
    snapshot.cumulative = &shard;
    snapshot.tags = &tags;
    snapshot.thresholds = &thresholds;
  }
};

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(PrometheusTextTest, CountersGaugesChecksErrorsThresholdsAndRunInfo) {
  Fixture f;
  const std::string text = FormatPrometheus(f.snapshot, f.info);
  EXPECT_TRUE(Has(text, "# TYPE wsyaml_ws_msgs_sent_total counter")) << text;
  EXPECT_TRUE(Has(text,
                  "wsyaml_ws_msgs_sent_total{name=\"say \\\"hi\\\"\\n\","
                  "scenario=\"default\"} 7"))
      << text;
  // Tag names made label names: '-' -> '_', our own `le` and a leading digit get tag_.
  EXPECT_TRUE(Has(text, "wsyaml_ws_msgs_sent_total{tag_2x=\"y\",tag_le=\"x\",my_tag=\"a\\\\b\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "# TYPE wsyaml_data_sent_bytes_total counter")) << text;
  EXPECT_TRUE(Has(text, "# TYPE wsyaml_vus gauge")) << text;
  EXPECT_TRUE(Has(text, "wsyaml_vus 2")) << text;
  EXPECT_TRUE(Has(text, "wsyaml_checks_total{check=\"welcome\",result=\"pass\"} 2")) << text;
  EXPECT_TRUE(Has(text, "wsyaml_checks_total{check=\"welcome\",result=\"fail\"} 1")) << text;
  EXPECT_EQ(text.find("wsyaml_checks_total{}"), std::string::npos) << text;
  EXPECT_TRUE(Has(text, "wsyaml_ws_errors_total{kind=\"timeout\",scenario=\"default\"} 1")) << text;
  EXPECT_TRUE(Has(text,
                  "wsyaml_threshold_passing{metric=\"ws_reply_time\",filter=\"name:say\","
                  "threshold=\"p(95) < 10ms\"} 0"))
      << text;
  EXPECT_TRUE(Has(text,
                  "wsyaml_threshold_passing{metric=\"ws_errors\",filter=\"\","
                  "threshold=\"count < 5\"} 1"))
      << text;
  EXPECT_TRUE(Has(text,
                  "wsyaml_run_info{test=\"chat\",scenario_file=\"chat.yaml\","
                  "target=\"ws://127.0.0.1:1/\"} 1"))
      << text;
  EXPECT_TRUE(Has(text, "wsyaml_run_elapsed_seconds 2.5")) << text;
}

TEST(PrometheusTextTest, TrendsAreHistogramsInSecondsBuiltFromOurBuckets) {
  Fixture f;
  const std::string text = FormatPrometheus(f.snapshot, f.info);
  const std::string series =
      "wsyaml_ws_reply_time_seconds_bucket{name=\"say \\\"hi\\\"\\n\","
      "scenario=\"default\",le=";
  EXPECT_TRUE(Has(text, "# TYPE wsyaml_ws_reply_time_seconds histogram")) << text;
  EXPECT_TRUE(Has(text, series + "\"0.00005\"} 1")) << text;
  EXPECT_TRUE(Has(text, series + "\"0.00025\"} 1")) << text;
  EXPECT_TRUE(Has(text, series + "\"0.0005\"} 3")) << text;
  EXPECT_TRUE(Has(text, series + "\"0.005\"} 3")) << text;
  EXPECT_TRUE(Has(text, series + "\"0.01\"} 4")) << text;
  EXPECT_TRUE(Has(text, series + "\"60\"} 4")) << text;
  EXPECT_TRUE(Has(text, series + "\"+Inf\"} 5")) << text;
  EXPECT_NE(text.find("wsyaml_ws_reply_time_seconds_count{name=\"say \\\"hi\\\"\\n\","
                      "scenario=\"default\"} 5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("_sum{name=\"say \\\"hi\\\"\\n\",scenario=\"default\"} 90.00764"),
            std::string::npos)
      << text;
}

// A sample on a bound is counted by the middle of its bucket: 1 ms lies in [999424, 1003520)
// ns, whose middle is above 1 ms; 999 µs lies in a bucket wholly below.
TEST(PrometheusTextTest, ASampleNearABoundIsCountedByItsBucketsMiddle) {
  metrics::Shard shard;
  metrics::TagRegistry tags;
  shard.Record(MetricId::kWsConnecting, microseconds(999));
  shard.Record(MetricId::kWsConnecting, microseconds(1000));
  Snapshot snapshot;
  snapshot.cumulative = &shard;
  snapshot.tags = &tags;
  const std::string text = FormatPrometheus(snapshot, RunInfo{});
  EXPECT_TRUE(Has(text, "wsyaml_ws_connecting_seconds_bucket{le=\"0.001\"} 1")) << text;
  EXPECT_TRUE(Has(text, "wsyaml_ws_connecting_seconds_bucket{le=\"0.0025\"} 2")) << text;
}

TEST(PrometheusTextTest, PromtoolAcceptsTheText) {
  if (std::system("test -x /usr/bin/promtool") != 0)
    GTEST_SKIP() << "SKIPPED LOUDLY: /usr/bin/promtool is missing; install Debian's prometheus "
                    "(tools/setup.sh --tests)";
  Fixture f;
  char path[] = "/tmp/wsyaml-prom-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << FormatPrometheus(f.snapshot, f.info);
  const std::string out = std::string(path) + ".out";
  // `check metrics` also lints names (units, _total); it exits non-zero on any problem.
  int status = std::system(
      ("/usr/bin/promtool check metrics < " + std::string(path) + " > " + out + " 2>&1").c_str());
  std::ifstream in(out);
  std::string said((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(status, 0) << said;
  EXPECT_EQ(said, "") << said;
  std::remove(path);
  std::remove(out.c_str());
}

TEST(PrometheusAddressTest, ParsesHostAndPortWithLoopbackByDefault) {
  OutputSpec spec;
  std::string error;
  ASSERT_TRUE(ParseOutFlag("prometheus=:9464", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kPrometheus);
  EXPECT_EQ(spec.path, "127.0.0.1:9464");
  EXPECT_EQ(DescribeOutput(spec),
            "--out prometheus=127.0.0.1:9464 (http://127.0.0.1:9464/metrics)");
  ASSERT_TRUE(ParseOutFlag("prometheus=0.0.0.0:80", &spec, &error)) << error;
  EXPECT_EQ(spec.path, "0.0.0.0:80");
  ASSERT_TRUE(ParseOutFlag("prometheus=[::1]:9464", &spec, &error)) << error;
  EXPECT_EQ(spec.path, "[::1]:9464");
  ASSERT_TRUE(ParseOutFlag("prometheus=:0", &spec, &error)) << error;  // any free port
  EXPECT_EQ(spec.path, "127.0.0.1:0");
  ASSERT_TRUE(ParseOutFlag("prometheus=localhost:9464", &spec, &error)) << error;
  EXPECT_EQ(spec.path, "127.0.0.1:9464");
  EXPECT_TRUE(CheckOutputs({spec}, &error)) << error;
  const struct {
    const char* flag;
    const char* error;
  } kCases[] = {
      {"prometheus=9464", "expects [HOST]:PORT"},
      {"prometheus=", "expects [HOST]:PORT"},
      {"prometheus=example.com:9464", "'example.com' is not an IP address"},
      {"prometheus=:65536", "port '65536'"},
      {"prometheus=:94x", "port '94x'"},
      {"prometheus=:", "port ''"},
  };
  for (const auto& c : kCases) {
    EXPECT_FALSE(ParseOutFlag(c.flag, &spec, &error)) << c.flag;
    EXPECT_NE(error.find(c.error), std::string::npos) << c.flag << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

using testing::HttpGet;

TEST(PrometheusSinkTest, ServesTheLastSnapshotUntilFinishAndRefusesAPortInUse) {
  PrometheusSink sink({"127.0.0.1", 0});
  Fixture f;
  std::string error;
  ASSERT_TRUE(sink.Open(f.info, &error)) << error;
  ASSERT_GT(sink.port(), 0);
  testing::HttpReply before = HttpGet(sink.port(), "/metrics");
  EXPECT_EQ(before.status, 200);
  EXPECT_NE(before.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
      << before.headers;
  EXPECT_NE(before.body.find("wsyaml_run_info{test=\"chat\""), std::string::npos) << before.body;
  EXPECT_EQ(before.body.find("wsyaml_ws_msgs_sent_total"), std::string::npos) << before.body;
  sink.OnSnapshot(f.snapshot);
  testing::HttpReply after = HttpGet(sink.port(), "/metrics");
  EXPECT_EQ(after.body, FormatPrometheus(f.snapshot, f.info));
  EXPECT_EQ(HttpGet(sink.port(), "/other").status, 404);

  PrometheusSink second({"127.0.0.1", sink.port()});
  EXPECT_FALSE(second.Open(f.info, &error));
  EXPECT_NE(error.find("--out prometheus=127.0.0.1:" + std::to_string(sink.port()) +
                       ": cannot listen on"),
            std::string::npos)
      << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;

  ASSERT_TRUE(sink.Finish({}, &error)) << error;
  EXPECT_EQ(HttpGet(sink.port(), "/metrics").status, 0);
}

}  // namespace
}  // namespace wsyaml::outputs
