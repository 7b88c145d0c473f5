// --start-at: RFC 3339 times with zones and fractions, or a delay from now.
#include "cli/run_flags.h"

#include <gtest/gtest.h>

namespace wsyaml::cli {
namespace {

TEST(StartAtTest, ReadsRfc3339TimesAndDelays) {
  const int64_t now = 1'764'583'200'000;  // 2025-12-01T10:00:00Z
  const struct {
    const char* text;
    int64_t expected;
  } kCases[] = {
      {"2025-12-01T10:00:00Z", now},
      {"2025-12-01t10:00:00z", now},
      {"2025-12-01T10:00:30.25Z", now + 30'250},
      {"2025-12-01T11:00:00+01:00", now},
      {"2025-12-01T08:30:00-01:30", now},
      {"2025-12-01 10:00:01Z", now + 1000},
      {"+30s", now + 30'000},
      {"+1m", now + 60'000},
      {"+250ms", now + 250},
  };
  for (const auto& c : kCases) {
    int64_t at = 0;
    std::string error;
    EXPECT_TRUE(ParseStartAt(c.text, now, &at, &error)) << c.text << ": " << error;
    EXPECT_EQ(at, c.expected) << c.text;
  }
}

TEST(StartAtTest, RefusesWhatIsNotATime) {
  for (const char* text : {"10:00", "2025-12-01T10:00:00", "2025-13-01T10:00:00Z", "+30",
                           "tomorrow", "2025-12-01T10:00:00+1:00", ""}) {
    int64_t at = 0;
    std::string error;
    EXPECT_FALSE(ParseStartAt(text, 0, &at, &error)) << text;
    EXPECT_NE(error.find("--start-at"), std::string::npos) << text << ": " << error;
  }
}

}  // namespace
}  // namespace wsyaml::cli
