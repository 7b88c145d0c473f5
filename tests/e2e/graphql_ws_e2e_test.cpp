// graphql-ws end to end: the real wsyaml binary against the official graphql-ws server (npm
// graphql-ws + graphql on node ws, tests/e2e/peers/graphql_ws_server.js) on loopback. The
// server counts what crossed the wire; the counts in wsyaml's result must equal them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "background_run.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;

// node from PATH, or empty.
std::string NodeBinary() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = dir + "/node";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

// Why the official server cannot run here, or empty when it can.
std::string MissingServer() {
  if (NodeBinary().empty()) return "node is not installed (tools/setup.sh --tests)";
  std::string modules = SourcePath("tests/e2e/peers/node/node_modules/");
  for (const char* package : {"graphql-ws/package.json", "graphql/package.json", "ws/package.json"})
    if (access((modules + package).c_str(), R_OK) != 0)
      return std::string("npm package missing: ") + modules + package +
             " (cd tests/e2e/peers/node && npm install --no-package-lock)";
  return {};
}

#define SKIP_WITHOUT_SERVER()                                  \
  if (std::string missing = MissingServer(); !missing.empty()) \
  GTEST_SKIP() << "\n\n*** graphql-ws END-TO-END TESTS SKIPPED: " << missing << " ***\n\n"

// One run against a fresh graphql-ws server: what wsyaml measured and what the server saw.
struct GraphqlRun {
  int port = 0;  ///< 0 when the server did not start
  ScenarioRun run;
  nlohmann::json seen;
};

// Starts the server (its token is "secret"), runs `body` (a scenario without its target line)
// or the example `file`, and stops the server.
GraphqlRun RunAgainstServer(const std::string& body, const std::string& file = {}) {
  GraphqlRun out;
  if (!MissingServer().empty()) return out;
  ServerProcess server(
      {NodeBinary(), SourcePath("tests/e2e/peers/graphql_ws_server.js"), "--token", "secret"});
  out.port = server.port();
  if (out.port == 0) return out;
  std::string url = "ws://127.0.0.1:" + std::to_string(out.port);
  out.run = file.empty() ? RunScenario("target: " + url + "\n" + body)
                         : RunScenarioFile(SourcePath(file), {"--target", url});
  out.seen = LastJsonLine(server.Stop());
  return out;
}

// Each test's run starts in the background with the test program: they mostly wait on the
// server's timers.
#define GRAPHQL_RUN(test, ...)                                     \
  BackgroundRun<GraphqlRun> test##_run("GraphqlWsEndToEnd." #test, \
                                       [] { return RunAgainstServer(__VA_ARGS__); })

int Count(const nlohmann::json& seen, const char* group, const char* type) {
  return seen.value(group, nlohmann::json::object()).value(type, 0);
}

// scenarios/graphql-subscription.yaml: 2 VUs x 2 iterations, each a connection with `ticks`
// (5 values, completed by the server) and `feed` (left by unsubscribe after 3 values).
GRAPHQL_RUN(ExampleSubscriptionCountsEqualWhatTheServerSaw, "",
            "scenarios/graphql-subscription.yaml");
TEST(GraphqlWsEndToEnd, ExampleSubscriptionCountsEqualWhatTheServerSaw) {
  SKIP_WITHOUT_SERVER();
  const GraphqlRun& r = ExampleSubscriptionCountsEqualWhatTheServerSaw_run.Get();
  ASSERT_GT(r.port, 0);
  const ScenarioRun& run = r.run;
  const nlohmann::json& seen = r.seen;
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(run.process.exit_code, 0) << run.Output();
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
  constexpr int kConnections = 4;
  EXPECT_EQ(seen.value("acked", 0), kConnections) << seen.dump();
  EXPECT_EQ(Count(seen, "received", "connection_init"), kConnections) << seen.dump();
  EXPECT_EQ(Count(seen, "received", "subscribe"), 2 * kConnections) << seen.dump();
  EXPECT_EQ(Count(seen, "received", "complete"), kConnections) << seen.dump();  // feed's
  EXPECT_EQ(Count(seen, "sent", "complete"), kConnections) << seen.dump();      // ticks'
  EXPECT_EQ(Count(seen, "sent", "next"), kConnections * (5 + 3)) << seen.dump();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), Count(seen, "sent", "next")) << run.Output();
  EXPECT_EQ(run.Passes("tick-counts-up"), 5u * kConnections) << run.Output();
  EXPECT_EQ(run.Fails("tick-counts-up"), 0u);
  EXPECT_EQ(run.Passes("last-tick"), 4u);
  EXPECT_EQ(run.Passes("third-feed"), 4u);
  // One reply per subscription (subscribe -> first next), named by the subscription.
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "ticks"}}), 4u) << run.Output();
  EXPECT_EQ(run.Samples(MetricId::kWsReplyTime, {{"name", "feed"}}), 4u);
  EXPECT_EQ(run.Passes("ticks"), 4u);
  // Between successive nexts: 4 per ticks subscription, 2 per feed.
  EXPECT_EQ(run.Samples(MetricId::kWsNextInterval, {{"name", "ticks"}}), 4u * 4) << run.Output();
  EXPECT_EQ(run.Samples(MetricId::kWsNextInterval, {{"name", "feed"}}), 4u * 2);
  // The feed's nexts come every 300 ms: intervals around 300 ms (one next late by x makes the
  // next interval x shorter, so the bounds are wide), never the 600 or 900 ms that times from
  // the subscribe would give.
  EXPECT_GE(run.MinMicros(MetricId::kWsNextInterval, {{"name", "feed"}}), 100000);
  EXPECT_LT(run.MaxMicros(MetricId::kWsNextInterval, {{"name", "feed"}}), 550000);
  EXPECT_NE(run.process.out.find("ws_next_interval"), std::string::npos) << run.process.out;
}

// The fault case: a connection_init the server refuses (4403 Forbidden) is an error of kind
// protocol, with the code and reason, on every connection.
GRAPHQL_RUN(RefusedConnectionInitIsAProtocolErrorWithItsCloseCode, R"(name: refused
load: {vus: 3, iterations: 1}
steps:
  - connect:
      url: /
      protocol: graphql-ws
      graphql-ws: {payload: {token: wrong}}
  - subscribe: {name: ticks, query: "subscription { ticks(n: 1, everyMs: 1) }", within: 1s}
)");
TEST(GraphqlWsEndToEnd, RefusedConnectionInitIsAProtocolErrorWithItsCloseCode) {
  SKIP_WITHOUT_SERVER();
  const GraphqlRun& r = RefusedConnectionInitIsAProtocolErrorWithItsCloseCode_run.Get();
  ASSERT_GT(r.port, 0);
  const ScenarioRun& run = r.run;
  const nlohmann::json& seen = r.seen;
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(seen.value("refused", 0), 3) << seen.dump();
  EXPECT_EQ(Count(seen, "sent", "connection_ack"), 0) << seen.dump();
  EXPECT_EQ(Count(seen, "received", "subscribe"), 0) << seen.dump();
  auto errors = run.result.shard.errors();
  ASSERT_EQ(errors.count("protocol"), 1u) << run.DescribeErrors();
  EXPECT_EQ(errors.at("protocol").count, 3u);
  EXPECT_NE(errors.at("protocol").example.find("4403 Forbidden"), std::string::npos)
      << errors.at("protocol").example;
  EXPECT_EQ(run.Counter(MetricId::kWsCloseCodes, {{"code", "4403"}}), 3) << run.Output();
  EXPECT_EQ(run.Passes("ticks"), 0u);
}

// A subscription the server rejects (a validation error): its check fails with the server's
// message; the connection goes on.
GRAPHQL_RUN(ErrorBeforeTheFirstNextFailsTheSubscriptionCheck, R"(name: invalid
load: {vus: 1, iterations: 1}
steps:
  - connect: {url: /, protocol: graphql-ws, graphql-ws: {payload: {token: secret}}}
  - subscribe: {name: nope, query: "subscription { nope }", within: 2s}
  - subscribe: {name: ticks, query: "subscription { ticks(n: 2, everyMs: 1) }", within: 2s}
  - expect: {match: {subscription: ticks, json: {data: {ticks: 2}}}, within: 2s, name: done}
  - close
)");
TEST(GraphqlWsEndToEnd, ErrorBeforeTheFirstNextFailsTheSubscriptionCheck) {
  SKIP_WITHOUT_SERVER();
  const GraphqlRun& r = ErrorBeforeTheFirstNextFailsTheSubscriptionCheck_run.Get();
  ASSERT_GT(r.port, 0);
  const ScenarioRun& run = r.run;
  const nlohmann::json& seen = r.seen;
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(Count(seen, "sent", "error"), 1) << seen.dump();
  EXPECT_EQ(run.Fails("nope"), 1u) << run.Output();
  EXPECT_NE(run.LastFailure("nope").find("Cannot query field"), std::string::npos)
      << run.LastFailure("nope");
  EXPECT_EQ(run.Passes("ticks"), 1u);
  EXPECT_EQ(run.Passes("done"), 1u);
  EXPECT_TRUE(run.result.shard.errors().empty()) << run.DescribeErrors();
}

// An error after nexts ends the subscription: an error of kind protocol; its reply (the
// first next) had passed.
GRAPHQL_RUN(ErrorAfterNextsIsAProtocolError, R"(name: broken-stream
load: {vus: 1, iterations: 1}
steps:
  - connect: {url: /, protocol: graphql-ws, graphql-ws: {payload: {token: secret}}}
  - subscribe: {name: fragile, query: "subscription { failAfter(n: 2) }", within: 2s}
  - expect: {match: {subscription: fragile, json: {data: {failAfter: 2}}}, within: 2s}
  - sleep: 300ms
  - close
)");
TEST(GraphqlWsEndToEnd, ErrorAfterNextsIsAProtocolError) {
  SKIP_WITHOUT_SERVER();
  const GraphqlRun& r = ErrorAfterNextsIsAProtocolError_run.Get();
  ASSERT_GT(r.port, 0);
  const ScenarioRun& run = r.run;
  const nlohmann::json& seen = r.seen;
  ASSERT_TRUE(run.has_result) << run.Output();
  EXPECT_EQ(Count(seen, "sent", "next"), 2) << seen.dump();
  EXPECT_EQ(Count(seen, "sent", "error"), 1) << seen.dump();
  EXPECT_EQ(run.Counter(MetricId::kWsMsgsReceived), 2) << run.Output();
  EXPECT_EQ(run.Passes("fragile"), 1u);
  EXPECT_EQ(run.Errors("protocol"), 1u) << run.DescribeErrors();
  EXPECT_NE(run.DescribeErrors().find("the stream broke"), std::string::npos)
      << run.DescribeErrors();
}

}  // namespace
}  // namespace wsyaml::testing
