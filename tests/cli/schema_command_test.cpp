// wsyaml schema prints schemas/wsyaml.schema.json as it is in the source tree.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"

namespace wsyaml::cli {
namespace {

TEST(SchemaCommandTest, PrintsTheSchemaFile) {
  std::ifstream in(std::string(WSYAML_SOURCE_DIR) + "/schemas/wsyaml.schema.json");
  std::ostringstream expected;
  expected << in.rdbuf();
  ASSERT_FALSE(expected.str().empty());

  CLI::App app;
  int exit_code = -1;
  AddSchemaCommand(app, exit_code);
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  const char* argv[] = {"wsyaml", "schema"};
  app.parse(2, const_cast<char**>(argv));
  std::cout.rdbuf(old);

  EXPECT_EQ(exit_code, kExitOk);
  EXPECT_EQ(captured.str(), expected.str());
  EXPECT_EQ(nlohmann::json::parse(captured.str())["$schema"],
            "http://json-schema.org/draft-07/schema#");
}

}  // namespace
}  // namespace wsyaml::cli
