// The run the summary and summary-export tests describe: trends, counters, a gauge, checks,
// errors, close codes, and thresholds that pass and fail.
#pragma once

#include <chrono>
#include <vector>

#include "metrics/summary.h"

namespace wsyaml::metrics {

/// 100 connects of 1..100 ms, 1230 messages, 1.5 MB in, a 300 µs reply named echo.
struct Fixture {
  Shard shard;
  TagRegistry tags;
  SummaryInput input;
  Fixture() {
    uint32_t echo = tags.Intern({{"name", "echo"}});
    for (int i = 1; i <= 100; ++i)
      shard.Record(MetricId::kWsConnecting, std::chrono::milliseconds(i));
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

/// ws_connecting p(95) < 500ms (passes), ws_reply_time{name:echo} max < 100us (fails),
/// checks{check:reply ok} rate > 0.9 (fails).
inline std::vector<graph::Threshold> SampleThresholds() {
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
  return {ok, bad, check};
}

}  // namespace wsyaml::metrics
