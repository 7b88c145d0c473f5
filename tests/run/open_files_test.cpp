// Worker processes are chosen from the connections of this run's own slice.
#include "run/open_files.h"

#include <gtest/gtest.h>

#include "scenario/compiler.h"

namespace wsyaml::run {
namespace {

graph::TestPlan Plan(int vus) {
  scenario::CompileResult compiled =
      scenario::Compile("name: p\ntarget: ws://127.0.0.1:1\nload: {vus: " + std::to_string(vus) +
                            ", duration: 1s}\nsteps:\n  - connect: {url: /a, count: 2}\n",
                        {});
  EXPECT_TRUE(compiled.ok());
  return *compiled.plan;
}

TEST(OpenFilesTest, ASegmentCountsItsOwnConnections) {
  graph::TestPlan plan = Plan(150'000);
  EXPECT_EQ(MaxConnections(plan), 300'000);
  EXPECT_EQ(AutomaticProcs(plan, 20'000), 17);
  plan.slice = {0, 16};  // 9,375 VUs x 2 connections
  EXPECT_EQ(MaxConnections(plan), 18'750);
  EXPECT_EQ(AutomaticProcs(plan, 20'000), 2);
  plan.slice = {0, 32};
  EXPECT_EQ(AutomaticProcs(plan, 20'000), 1);
  plan.slice = {31, 32};  // 150,000 = 32 x 4,687 + 16: the last segments get one VU less
  EXPECT_EQ(MaxConnections(plan), 4'687 * 2);
}

}  // namespace
}  // namespace wsyaml::run
