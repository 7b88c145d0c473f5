// Output flags are checked before the run: kinds, paths that can be written, distinct files.
#include "outputs/outputs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

#include "outputs/summary_export.h"

namespace wsyaml::outputs {
namespace {

using namespace wsyaml::metrics;  // NOLINT

std::string TempDir() {
  std::string dir = "/tmp/wsyaml-outputs-XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir;
}

TEST(OutputsTest, ParsesKnownKinds) {
  OutputSpec spec;
  std::string error;
  ASSERT_TRUE(ParseOutFlag("result=a/b.json", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kResult);
  EXPECT_EQ(spec.path, "a/b.json");
  ASSERT_TRUE(ParseOutFlag("result=x=y", &spec, &error)) << error;
  EXPECT_EQ(spec.path, "x=y");
  ASSERT_TRUE(ParseOutFlag("json=k6.json", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kK6Json);
  EXPECT_EQ(DescribeOutput(spec), "--out json=k6.json");
  ASSERT_TRUE(ParseOutFlag("csv=-", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kCsv);
  EXPECT_EQ(DescribeOutput(spec), "--out csv=-");
}

TEST(OutputsTest, RefusesBadFlagsWithOneLine) {
  const struct {
    const char* flag;
    const char* error;
  } kCases[] = {
      {"result=", "--out result= needs a file name"},
      {"xml=x", "unknown output 'xml'"},
      {"ndjson=x", "--out ndjson was replaced by --out json=FILE"},
      {"result.json", "--out expects KIND=FILE"},
  };
  for (const auto& c : kCases) {
    OutputSpec spec;
    std::string error;
    EXPECT_FALSE(ParseOutFlag(c.flag, &spec, &error)) << c.flag;
    EXPECT_NE(error.find(c.error), std::string::npos) << c.flag << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

TEST(OutputsTest, ChecksPathsBeforeTheRun) {
  std::string dir = TempDir();
  using Kind = OutputSpec::Kind;
  std::string error;
  EXPECT_TRUE(
      CheckOutputs({{Kind::kResult, dir + "/r.json"}, {Kind::kJUnit, dir + "/j.xml"}}, &error))
      << error;
  const struct {
    std::vector<OutputSpec> outputs;
    std::string error;
  } kCases[] = {
      {{{Kind::kResult, "/nonexistent/r.json"}}, "directory /nonexistent does not exist"},
      {{{Kind::kResult, dir}}, "is a directory"},
      {{{Kind::kReport, ""}}, "--report needs a file name"},
      {{{Kind::kResult, dir + "/same"}, {Kind::kSummaryExport, dir + "/./same"}},
       "--summary-export: " + dir + "/./same is also another output's file"},
      {{{Kind::kResult, dir + "/same"}, {Kind::kJUnit, dir + "//same"}}, "--junit"},
  };
  for (const auto& c : kCases) {
    EXPECT_FALSE(CheckOutputs(c.outputs, &error)) << c.error;
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
  }
  if (geteuid() != 0) {  // root writes anywhere
    std::string readonly = dir + "/ro";
    ASSERT_EQ(mkdir(readonly.c_str(), 0555), 0);
    EXPECT_FALSE(CheckOutputs({{Kind::kResult, readonly + "/r.json"}}, &error));
    EXPECT_NE(error.find("is not writable"), std::string::npos) << error;
  }
}

TEST(OutputsTest, StandardOutputAndDevicesAreValidOutputs) {
  using Kind = OutputSpec::Kind;
  std::string error;
  EXPECT_TRUE(CheckOutputs({{Kind::kResult, "-"}}, &error)) << error;
  EXPECT_TRUE(CheckOutputs({{Kind::kResult, "/dev/null"}}, &error)) << error;
  EXPECT_TRUE(CheckOutputs({{Kind::kResult, "/dev/stdout"}}, &error)) << error;
  EXPECT_FALSE(CheckOutputs({{Kind::kResult, "-"}, {Kind::kJUnit, "-"}}, &error));
}

// --summary-export writes what the summary printed (its input), atomically like the rest.
TEST(OutputsTest, SummaryExportIsTheSummarysJson) {
  using Kind = OutputSpec::Kind;
  std::string dir = TempDir(), error;
  metrics::Result result;
  result.shard.Check("reply ok", true);
  metrics::SummaryInput summary;
  summary.shard = &result.shard;
  summary.tags = &result.tags;
  summary.test_name = "exported";
  std::vector<OutputSpec> outputs = {{Kind::kSummaryExport, dir + "/s.json"}};
  ASSERT_TRUE(CheckOutputs(outputs, &error)) << error;
  std::vector<std::unique_ptr<Sink>> sinks = MakeSinks(outputs);
  ASSERT_EQ(sinks.size(), 1u);
  ASSERT_TRUE(sinks[0]->Finish({&result, &summary}, &error)) << error;
  std::ifstream in(dir + "/s.json");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(text, FormatSummaryExport(summary));
  EXPECT_NE(text.find("\"exported\""), std::string::npos) << text;
  EXPECT_EQ(DescribeOutput(outputs[0]), "--summary-export " + dir + "/s.json");
  EXPECT_FALSE(CheckOutputs({{Kind::kSummaryExport, "/nonexistent/s.json"}}, &error));
  EXPECT_NE(error.find("--summary-export: directory /nonexistent does not exist"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace wsyaml::outputs
