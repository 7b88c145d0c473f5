// Protocol limits and the progress line, end to end against the built-in echo server.
#include <gtest/gtest.h>

#include "process_util.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

TEST(ProtocolEndToEnd, OversizeMessageIsAProtocolError) {
  std::string file = WriteTempFile("big.yaml", R"(name: big
target: builtin:echo
load: {vus: 1, iterations: 2}
steps:
  - connect: {url: /, max-message-size: 1KB}
  - send: "${randomString(2000)}"
  - expect: {within: 1s, name: echo}
  - wait: {max: 2s}
)");
  std::string json = TempDir() + "/big.json";
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file, "-q", "--out", "json=" + json}, 30s);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  metrics::Result result;
  std::string error;
  ASSERT_TRUE(metrics::ReadResultFile(json, &result, &error)) << error;
  auto errors = result.shard.errors();
  ASSERT_EQ(errors.count("protocol"), 1u) << p.out;
  EXPECT_EQ(errors.at("protocol").count, 2u);
  EXPECT_NE(errors.at("protocol").example.find("1009"), std::string::npos)
      << errors.at("protocol").example;
  EXPECT_EQ(result.shard.checks().at("echo").fails, 2u);
  EXPECT_EQ(errors.count("closed-abnormally"), 0u);
}

TEST(ProtocolEndToEnd, ProgressLineEveryTenSecondsWhenNotATerminal) {
  std::string file = WriteTempFile("progress.yaml", R"(name: progress
target: builtin:echo
load: {vus: 2, duration: 11s}
steps:
  - connect: /
  - send: hi
  - expect: {within: 1s}
  - sleep: 100ms
  - close
)");
  ProcessResult p = RunProcess({WsyamlBinary(), "run", file}, 40s);
  EXPECT_EQ(p.exit_code, 0) << p.err;
  size_t at = p.err.find("running ");
  ASSERT_NE(at, std::string::npos) << p.err;
  EXPECT_NE(p.err.find("vus 2"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("msgs/s out"), std::string::npos);
  EXPECT_EQ(p.err.find("running ", at + 1), std::string::npos) << "one line per 10 s: " << p.err;
  EXPECT_EQ(p.err.find('\r'), std::string::npos) << "no carriage returns in a log";

  ProcessResult quiet = RunProcess({WsyamlBinary(), "run", file, "-q", "--duration", "2s"}, 40s);
  EXPECT_EQ(quiet.err.find("running "), std::string::npos);
}

}  // namespace
}  // namespace wsyaml::testing
