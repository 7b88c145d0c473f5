// Output flags are checked before the run: kinds, paths that can be written, distinct files.
#include "run/outputs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace wsyaml::run {
namespace {

std::string TempDir() {
  std::string dir = "/tmp/wsyaml-outputs-XXXXXX";
  EXPECT_NE(mkdtemp(dir.data()), nullptr);
  return dir;
}

TEST(OutputsTest, ParsesKnownKinds) {
  OutputSpec spec;
  std::string error;
  ASSERT_TRUE(ParseOutFlag("json=a/b.json", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kJson);
  EXPECT_EQ(spec.path, "a/b.json");
  ASSERT_TRUE(ParseOutFlag("ndjson=x=y", &spec, &error)) << error;
  EXPECT_EQ(spec.kind, OutputSpec::Kind::kNdjson);
  EXPECT_EQ(spec.path, "x=y");
}

TEST(OutputsTest, RefusesBadFlagsWithOneLine) {
  const struct {
    const char* flag;
    const char* error;
  } kCases[] = {
      {"json=", "--out json= needs a file name"},
      {"xml=x", "unknown output 'xml'"},
      {"csv=x", "unknown output 'csv'"},
      {"result.json", "--out expects json=FILE or ndjson=FILE"},
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
      CheckOutputs({{Kind::kJson, dir + "/r.json"}, {Kind::kJUnit, dir + "/j.xml"}}, &error))
      << error;
  const struct {
    std::vector<OutputSpec> outputs;
    std::string error;
  } kCases[] = {
      {{{Kind::kJson, "/nonexistent/r.json"}}, "directory /nonexistent does not exist"},
      {{{Kind::kJson, dir}}, "is a directory"},
      {{{Kind::kReport, ""}}, "--report needs a file name"},
      {{{Kind::kJson, dir + "/same"}, {Kind::kNdjson, dir + "/./same"}},
       "--out ndjson: " + dir + "/./same is also another output's file"},
      {{{Kind::kJson, dir + "/same"}, {Kind::kJUnit, dir + "//same"}}, "--junit"},
  };
  for (const auto& c : kCases) {
    EXPECT_FALSE(CheckOutputs(c.outputs, &error)) << c.error;
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
  }
  if (geteuid() != 0) {  // root writes anywhere
    std::string readonly = dir + "/ro";
    ASSERT_EQ(mkdir(readonly.c_str(), 0555), 0);
    EXPECT_FALSE(CheckOutputs({{Kind::kJson, readonly + "/r.json"}}, &error));
    EXPECT_NE(error.find("is not writable"), std::string::npos) << error;
  }
}

TEST(OutputsTest, StandardOutputAndDevicesAreValidOutputs) {
  using Kind = OutputSpec::Kind;
  std::string error;
  EXPECT_TRUE(CheckOutputs({{Kind::kJson, "-"}}, &error)) << error;
  EXPECT_TRUE(CheckOutputs({{Kind::kJson, "/dev/null"}}, &error)) << error;
  EXPECT_TRUE(CheckOutputs({{Kind::kJson, "/dev/stdout"}}, &error)) << error;
  EXPECT_FALSE(CheckOutputs({{Kind::kJson, "-"}, {Kind::kNdjson, "-"}}, &error));
}

}  // namespace
}  // namespace wsyaml::run
