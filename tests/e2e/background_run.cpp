#include "background_run.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace wsyaml::testing {
namespace {

std::vector<std::pair<std::string, std::function<void()>>>& Registered() {
  static std::vector<std::pair<std::string, std::function<void()>>> runs;
  return runs;
}

bool Selected(const std::string& full_name) {
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const ::testing::TestInfo& test = *suite.GetTestInfo(t);
      if (std::string(suite.name()) + "." + test.name() == full_name) return test.should_run();
    }
  }
  return false;
}

class StartBackgroundRuns : public ::testing::Environment {
 public:
  void SetUp() override {
    for (auto& [name, start] : Registered())
      if (Selected(name)) start();
  }
};

// gtest owns and deletes the environment.
const ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new StartBackgroundRuns);

}  // namespace

void RegisterBackgroundRun(const std::string& full_name, std::function<void()> start) {
  Registered().emplace_back(full_name, std::move(start));
}

}  // namespace wsyaml::testing
