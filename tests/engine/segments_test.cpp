// Segments (--segment i/n, and each --procs worker): for every kind of load, run on the
// manual clock as a whole and as n = 1..7 segments, the segments add up to the whole test
// exactly — VUs, iterations, sessions, messages, dropped arrivals, VUs running at each
// second — and `${vu}` is unique across segments.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "manual_run.h"

namespace wsyaml::engine::testing {
namespace {

using metrics::MetricId;

struct Totals {
  double iterations = 0, dropped = 0, sessions = 0, sent = 0, received = 0;
  int vus_max = 0;
  std::map<int64_t, int64_t> vus_at;  ///< VUs running at each tick (ms)
  std::multiset<std::string> paths;   ///< what the server saw connect, e.g. "/echo?vu=3"

  void Add(const ManualRun& run) {
    iterations += run.Counter(MetricId::kIterations);
    dropped += run.Counter(MetricId::kDroppedIterations);
    sessions += run.Counter(MetricId::kWsSessions);
    sent += run.Counter(MetricId::kWsMsgsSent);
    received += run.Counter(MetricId::kWsMsgsReceived);
    vus_max += run.vus_max;
    for (const Tick& tick : run.ticks) vus_at[tick.elapsed.count()] += tick.vus;
    for (size_t i = 0; i < run.sockets.size(); ++i) paths.insert(run.Path(i));
  }
};

// Every iteration connects with its VU id in the path and sends two messages; the echo answers.
std::string Steps(const std::string& indent) {
  return indent + "steps:\n" + indent + "  - connect: /echo?vu=${vu}\n" + indent + "  - send: a\n" +
         indent + "  - send: b\n" + indent + "  - expect: {match: {text: b}, within: 1s}\n" +
         indent + "  - close\n" + indent + "  - sleep: 700ms\n";
}

struct LoadCase {
  const char* name;
  std::string yaml;  ///< the load (and scenarios), without the target
  /// Closed models: each VU runs the same iterations in whatever segment it lands. Open
  /// models: which free VU takes an arrival depends on the segment's own pool.
  bool same_vus = true;
};

class SegmentsAddUp : public ::testing::TestWithParam<LoadCase> {};

TEST_P(SegmentsAddUp, ForEveryCountFromOneToSeven) {
  const std::string yaml = "name: segments\ntarget: ws://echo.test\n" + GetParam().yaml;
  Totals whole;
  whole.Add(RunManual(yaml));
  ASSERT_GT(whole.iterations, 0);
  for (int n = 1; n <= 7; ++n) {
    Totals parts;
    std::set<std::string> vu_paths;
    for (int i = 0; i < n; ++i) {
      ManualRunOptions options;
      options.slice = {i, n};
      ManualRun run = RunManual(yaml, options);
      parts.Add(run);
      // A VU id belongs to one segment only.
      std::set<std::string> mine;
      for (size_t c = 0; c < run.sockets.size(); ++c) mine.insert(run.Path(c));
      for (const std::string& path : mine)
        EXPECT_TRUE(vu_paths.insert(path).second) << path << " in two segments, n=" << n;
    }
    SCOPED_TRACE(std::string(GetParam().name) + " over " + std::to_string(n) + " segments");
    EXPECT_EQ(parts.iterations, whole.iterations);
    EXPECT_EQ(parts.dropped, whole.dropped);
    EXPECT_EQ(parts.sessions, whole.sessions);
    EXPECT_EQ(parts.sent, whole.sent);
    EXPECT_EQ(parts.received, whole.received);
    EXPECT_EQ(parts.vus_max, whole.vus_max);
    EXPECT_EQ(parts.vus_at, whole.vus_at);
    if (GetParam().same_vus) {
      EXPECT_EQ(parts.paths, whole.paths);
    } else {
      EXPECT_EQ(parts.paths.size(), whole.paths.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    LoadKinds, SegmentsAddUp,
    ::testing::Values(
        LoadCase{"vus_duration", "load: {vus: 10, duration: 3s}\n" + Steps("")},
        LoadCase{"vus_iterations", "load: {vus: 11, iterations: 3}\n" + Steps("")},
        LoadCase{"stages",
                 "load:\n  stages:\n    - {duration: 2s, target: 9}\n"
                 "    - {duration: 1s, target: 9}\n    - {duration: 2s, target: 2}\n" +
                     Steps("")},
        LoadCase{"arrival_rate",
                 "load: {rate: 13/s, duration: 3s, vus: 20, max-vus: 40}\n" + Steps(""), false},
        LoadCase{"ramping_arrival_rate",
                 "load: {rate: 2/s, stages: [{duration: 3s, target: 17}], vus: 30, max-vus: 40}\n" +
                     Steps(""),
                 false},
        LoadCase{"several_scenarios",
                 "scenarios:\n  a:\n    load: {vus: 5, duration: 2s}\n" + Steps("    ") +
                     "  b:\n    load: {vus: 3, iterations: 2}\n" + Steps("    ") +
                     "  c:\n    load: {rate: 5/s, duration: 2s, vus: 8, max-vus: 8}\n" +
                     Steps("    "),
                 false}),
    [](const ::testing::TestParamInfo<LoadCase>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace wsyaml::engine::testing
