// The header before a run: what a CI log needs to say what ran.
#include "run/run_header.h"

#include <gtest/gtest.h>

#include <string>

namespace wsyaml::run {
namespace {

using namespace std::chrono_literals;

graph::TestPlan TwoScenarios() {
  graph::TestPlan plan;
  plan.name = "chat";
  plan.target = "builtin:chat";
  graph::Scenario steady;
  steady.name = "steady";
  steady.load.vus = 10;
  steady.load.duration = 30s;
  graph::Scenario arrivals;
  arrivals.name = "arrivals";
  arrivals.load.kind = graph::LoadProfile::Kind::kArrivalRate;
  arrivals.load.rate = 50;
  arrivals.load.duration = 1min;
  arrivals.load.max_vus = 100;
  graph::Scenario ramp;
  ramp.load.kind = graph::LoadProfile::Kind::kRampingVus;
  ramp.load.vus = 0;
  ramp.load.stages = {{10s, 20}, {20s, 0}};
  plan.scenarios = {steady, arrivals, ramp};
  return plan;
}

TEST(RunHeaderTest, SaysWhatRunsWhereWithWhichLoadAndOutputs) {
  RunOptions options;
  options.file = "chat.yaml";
  options.outputs = {{outputs::OutputSpec::Kind::kResult, "r.json"},
                     {outputs::OutputSpec::Kind::kJUnit, "j.xml"},
                     {outputs::OutputSpec::Kind::kReport, "r.html"},
                     {outputs::OutputSpec::Kind::kSummaryExport, "s.json"}};
  std::string h = FormatRunHeader(TwoScenarios(), options, {{"ws://127.0.0.1:40123"}, 1, 2, {}});
  EXPECT_EQ(h, std::string("wsyaml ") + kVersion + "\n" +
                   "  scenario: chat.yaml (chat)\n"
                   "  target:   builtin:chat at ws://127.0.0.1:40123\n"
                   "  load:     steady: 10 VUs for 30s, graceful stop 30s\n"
                   "            arrivals: 50 iterations per 1s for 1m, max 100 VUs, graceful "
                   "stop 30s\n"
                   "            default: ramping from 0 VUs: 20 over 10s; 0 over 20s;, graceful "
                   "stop 30s\n"
                   "  workers:  1 process x 2 threads\n"
                   "  outputs:  --out result=r.json, --junit j.xml, --report r.html, "
                   "--summary-export s.json\n\n");
}

TEST(RunHeaderTest, SegmentsAddressesSecretsAndNoOutputs) {
  graph::TestPlan plan = TwoScenarios();
  plan.target = "ws://127.0.0.1-2:9001/chat?token=hunter2\x1b";
  plan.slice = {1, 3};
  RunOptions options;
  options.file = "-";
  std::string h = FormatRunHeader(
      plan, options, {{"ws://127.0.0.1:9001", "ws://127.0.0.2:9001"}, 4, 1, {"hunter2"}});
  EXPECT_NE(h.find("  scenario: <stdin> (chat)\n"), std::string::npos) << h;
  EXPECT_NE(h.find("target:   ws://127.0.0.1-2:9001/chat?token=***\\x1b (2 addresses, taken in "
                   "turn)\n"),
            std::string::npos)
      << h;
  EXPECT_EQ(h.find("hunter2"), std::string::npos) << h;
  EXPECT_NE(h.find("  workers:  4 processes x 1 thread, segment 1/3 of the test\n"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("  outputs:  the summary only\n"), std::string::npos) << h;
}

}  // namespace
}  // namespace wsyaml::run
