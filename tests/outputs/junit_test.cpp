#include "outputs/junit.h"

#include <gtest/gtest.h>

#include "metrics/format.h"
#include "metrics/test_util.h"

namespace wsyaml::outputs {
namespace {

using namespace wsyaml::metrics;  // NOLINT

Result FailingResult() {
  Result r;
  r.test_name = "chat <&> \"quotes\"";
  r.source_file = "chat.yaml";
  r.duration_s = 12.5;
  r.shard.Check("got welcome", true);
  r.shard.Check("reply <ok> & 'fine'", true);
  r.shard.Check("reply <ok> & 'fine'", false, "got \x01 \"ERROR\" \xff\n<b>");
  graph::Threshold pass, fail;
  pass.metric = "ws_errors";
  pass.source = "count == 0";
  pass.aggregate = graph::Threshold::Aggregate::kCount;
  pass.op = graph::Threshold::Op::kEq;
  fail.metric = "checks";
  fail.source = "rate > 0.99";
  fail.aggregate = graph::Threshold::Aggregate::kRate;
  fail.op = graph::Threshold::Op::kGt;
  fail.value = 0.99;
  fail.pos = {14, 5};
  r.thresholds = EvaluateThresholds({pass, fail}, r.shard, r.tags, r.duration_s);
  return r;
}

TEST(JUnitTest, OneCasePerCheckAndThresholdWithFailures) {
  std::string xml = FormatJUnit(FailingResult());
  EXPECT_NE(xml.find("<testsuites name=\"chat &lt;&amp;&gt; &quot;quotes&quot;\" tests=\"4\" "
                     "failures=\"2\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"wsyaml.checks\" name=\"got welcome\" time=\"0\"/>"),
            std::string::npos);
  EXPECT_NE(xml.find("name=\"reply &lt;ok&gt; &amp; &apos;fine&apos;\""), std::string::npos);
  EXPECT_NE(xml.find("1 of 2 failed: got  &quot;ERROR&quot; \xEF\xBF\xBD&#10;&lt;b&gt;"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"checks rate &gt; 0.99\""), std::string::npos);
  EXPECT_NE(xml.find("&apos;rate &gt; 0.99&apos; failed: rate=66.67%"), std::string::npos) << xml;
  EXPECT_NE(xml.find("at chat.yaml:14:5"), std::string::npos);
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
}

TEST(JUnitTest, WellFormedForAnXmlParser) {
  const char* python = "/usr/bin/python3";
  if (access(python, X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  std::string dir = testutil::TempDir();
  std::string path = dir + "/junit.xml";
  ASSERT_TRUE(testutil::WriteText(path, FormatJUnit(FailingResult())));
  int status = 0;
  std::string out =
      testutil::Run(std::string(python) +
                        " -c \"import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
                        "cases = d.getElementsByTagName('testcase'); "
                        "fails = d.getElementsByTagName('failure'); "
                        "print(len(cases), len(fails), fails[0].getAttribute('message'))\" " +
                        path + " 2>&1",
                    &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out.substr(0, 4), "4 2 ") << out;
  EXPECT_NE(out.find("1 of 2 failed"), std::string::npos) << out;
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

TEST(JUnitTest, EmptyResultIsStillValid) {
  std::string xml = FormatJUnit(Result());
  EXPECT_NE(xml.find("tests=\"0\" failures=\"0\""), std::string::npos);
  EXPECT_NE(xml.find("</testsuites>"), std::string::npos);
}

// An interrupted run is not a pass: an <error> in a "run" suite, counted in errors=.
TEST(JUnitTest, InterruptedRunIsAnError) {
  Result r = FailingResult();
  r.interrupted = true;
  std::string xml = FormatJUnit(r);
  EXPECT_NE(xml.find("tests=\"5\" failures=\"2\" errors=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"run\" tests=\"1\" failures=\"0\" errors=\"1\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testcase classname=\"wsyaml.run\" name=\"run completed\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<error message=\"interrupted: the run was stopped"), std::string::npos)
      << xml;
  EXPECT_EQ(FormatJUnit(FailingResult()).find("wsyaml.run"), std::string::npos);
}

// A threshold without samples fails in the JUnit file with that reason.
TEST(JUnitTest, ThresholdWithoutSamplesIsAFailure) {
  Result r;
  graph::Threshold t;
  t.metric = "ws_connecting";
  t.source = "p(95) < 500ms";
  t.aggregate = graph::Threshold::Aggregate::kPercentile;
  t.percentile = 95;
  t.value = 500'000;
  r.thresholds = EvaluateThresholds({t}, r.shard, r.tags, 1);
  std::string xml = FormatJUnit(r);
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("&apos;p(95) &lt; 500ms&apos;: no samples"), std::string::npos) << xml;
}

// What a hostile server can put in a message: characters XML 1.0 cannot hold at all.
const std::string kHostile = std::string("a\0", 2) + "b\x1b[31mc\x07" +  // NUL, ESC, BEL: dropped
                             "\xEF\xBF\xBE\xEF\xBF\xBF" +                // U+FFFE, U+FFFF: U+FFFD
                             "\xED\xA0\x80" +          // a lone surrogate (U+D800): U+FFFD x3
                             "\xC0\xAF\xE0\x80\xAF" +  // overlong '/': U+FFFD each byte
                             "\xF4\x90\x80\x80" +      // past U+10FFFF
                             "\x80 \xE2\x82 ok é 𝄞";   // stray and truncated bytes; valid text kept

TEST(JUnitTest, DropsOrReplacesWhatXmlCannotHold) {
  std::string out = XmlEscape(kHostile);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(out.substr(0, 9), "ab[31mc" + fffd.substr(0, 2)) << out;
  EXPECT_EQ(out.find('\0'), std::string::npos);
  EXPECT_EQ(out.find('\x1b'), std::string::npos);
  EXPECT_EQ(out.find("\xEF\xBF\xBE"), std::string::npos);
  EXPECT_EQ(out.find("\xEF\xBF\xBF"), std::string::npos);
  EXPECT_EQ(out.find("\xED\xA0"), std::string::npos);
  EXPECT_EQ(out.find("\xC0"), std::string::npos);
  EXPECT_EQ(out.find("\xF4\x90"), std::string::npos);
  EXPECT_NE(out.find(" ok é 𝄞"), std::string::npos) << out;
  // Every byte left is well-formed UTF-8 of a character XML 1.0 allows.
  for (size_t i = 0; i < out.size();) {
    uint32_t cp = 0;
    size_t len = Utf8Sequence(out, i, &cp);
    ASSERT_GT(len, 0u) << "at " << i << ": " << out;
    EXPECT_TRUE(cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp < 0xFFFE) ||
                (cp >= 0x10000 && cp <= 0x10FFFF))
        << cp;
    i += len;
  }
}

TEST(JUnitTest, HostileMessagesStillParse) {
  const char* python = "/usr/bin/python3";
  if (access(python, X_OK) != 0) GTEST_SKIP() << "no /usr/bin/python3";
  Result r;
  r.shard.Check("server said \xEF\xBF\xBE" + kHostile, false, kHostile);
  r.shard.Error("protocol", kHostile);
  r.test_name = kHostile;
  std::string dir = testutil::TempDir();
  std::string path = dir + "/junit.xml";
  ASSERT_TRUE(testutil::WriteText(path, FormatJUnit(r)));
  int status = 0;
  std::string out = testutil::Run(std::string(python) +
                                      " -c \"import sys, xml.dom.minidom as m; "
                                      "d = m.parse(sys.argv[1]); "
                                      "print(len(d.getElementsByTagName('failure')))\" " +
                                      path + " 2>&1",
                                  &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_EQ(out, "1\n");
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

}  // namespace
}  // namespace wsyaml::outputs
