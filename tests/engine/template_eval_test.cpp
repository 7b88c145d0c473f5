// Matching messages against hostile patterns: RE2 runs in linear time without recursion, so a
// long message cannot overflow the stack and a nested quantifier cannot backtrack for ever
// (with std::regex the first crashed a worker thread, the second hung the run).
#include "engine/template_eval.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

#include <memory>
#include <string>

namespace wsyaml::engine {
namespace {

graph::Matcher Regex(const std::string& pattern) {
  graph::Matcher matcher;
  matcher.regex = std::make_shared<const re2::RE2>(pattern);
  matcher.regex_source = pattern;
  return matcher;
}

TEST(Matches, ALongMessageDoesNotOverflowTheStack) {
  std::string long_line(50 * 1024, 'x');
  EvalContext ctx;
  EXPECT_TRUE(Matches(Regex("^.*$"), MessageView(long_line, false), ctx));
  EXPECT_TRUE(Matches(Regex("^(x|y)*$"), MessageView(long_line, false), ctx));
  EXPECT_FALSE(Matches(Regex("^.*z$"), MessageView(long_line, false), ctx));
}

TEST(Matches, NestedQuantifiersDoNotBacktrack) {
  std::string text = std::string(33, 'a') + "b";
  EvalContext ctx;
  EXPECT_FALSE(Matches(Regex("^(a+)+$"), MessageView(text, false), ctx));
  EXPECT_TRUE(Matches(Regex("(a+)+b$"), MessageView(text, false), ctx));
}

TEST(Matches, ARegexIsSearchedAndAnchorsHold) {
  EvalContext ctx;
  EXPECT_TRUE(Matches(Regex("ne+dle"), MessageView("haystack neeedle hay", false), ctx));
  EXPECT_FALSE(Matches(Regex("^needle"), MessageView("a needle", false), ctx));
  EXPECT_TRUE(Matches(Regex("^order-[0-9]+$"), MessageView("order-42", false), ctx));
  EXPECT_FALSE(Matches(Regex("^order-[0-9]+$"), MessageView("order-42\nx", false), ctx));
}

}  // namespace
}  // namespace wsyaml::engine
