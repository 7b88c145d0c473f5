// Counts, options and start-up failures, independent of any protocol.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/reference_server.h"

namespace wsyaml::server {
namespace {

TEST(ServerCountsTest, FormatIsOneJsonLineWithEveryField) {
  ServerCounts counts;
  counts.connections = 4;
  counts.says = 12;
  counts.bytes_out = 1ull << 40;
  std::string line = FormatCounts(counts);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  nlohmann::json json = nlohmann::json::parse(line);
  EXPECT_EQ(json["connections"], 4);
  EXPECT_EQ(json["says"], 12);
  EXPECT_EQ(json["bytes_out"], 1ull << 40);
  EXPECT_EQ(json["frames_in"], 0);
  EXPECT_EQ(json.size(), 14u);
}

TEST(ServerCountsTest, AddSumsEveryField) {
  ServerCounts a;
  a.frames_in = 3;
  a.pongs_received = 1;
  ServerCounts b;
  b.frames_in = 4;
  b.closes = 2;
  a += b;
  EXPECT_EQ(a.frames_in, 7u);
  EXPECT_EQ(a.closes, 2u);
  EXPECT_EQ(a.pongs_received, 1u);
  EXPECT_EQ(b.frames_in, 4u);
}

TEST(ParseKindTest, KnowsTheThreeKinds) {
  Kind kind = Kind::kEcho;
  EXPECT_TRUE(ParseKind("chat", &kind));
  EXPECT_EQ(kind, Kind::kChat);
  EXPECT_TRUE(ParseKind("chaos", &kind));
  EXPECT_EQ(kind, Kind::kChaos);
  EXPECT_TRUE(ParseKind("echo", &kind));
  EXPECT_EQ(kind, Kind::kEcho);
  EXPECT_FALSE(ParseKind("Echo", &kind));
}

TEST(StartTest, RefusesNonLoopbackAddresses) {
  ServerOptions options;
  options.addresses = {"0.0.0.0"};
  std::string error;
  EXPECT_FALSE(ReferenceServer::Start(options, &error));
  EXPECT_NE(error.find("loopback"), std::string::npos) << error;
  options.addresses = {"not-an-address"};
  EXPECT_FALSE(ReferenceServer::Start(options, &error));
  EXPECT_NE(error.find("not an IP address"), std::string::npos) << error;
}

TEST(StartTest, ReportsAPortInUse) {
  std::string error;
  auto first = ReferenceServer::Start(Kind::kEcho, 0, 1, &error);
  ASSERT_TRUE(first) << error;
  auto second = ReferenceServer::Start(Kind::kEcho, first->port(), 1, &error);
  EXPECT_FALSE(second);
  EXPECT_NE(error.find("listen 127.0.0.1:" + std::to_string(first->port())), std::string::npos)
      << error;
}

TEST(StartTest, ListensOnSeveralLoopbackAddressesOnOnePort) {
  ServerOptions options;
  options.addresses = {"127.0.0.1", "127.0.0.2"};
  options.threads = 2;
  std::string error;
  auto server = ReferenceServer::Start(options, &error);
  ASSERT_TRUE(server) << error;
  EXPECT_GT(server->port(), 0);
}

TEST(ExpandAddressRangesTest, ExpandsTheLastOctet) {
  std::vector<std::string> out;
  std::string error;
  ASSERT_TRUE(ExpandAddressRanges({"127.0.0.1-127.0.0.3", "::1", "127.0.1.9-10"}, &out, &error))
      << error;
  EXPECT_EQ(out, (std::vector<std::string>{"127.0.0.1", "127.0.0.2", "127.0.0.3", "::1",
                                           "127.0.1.9", "127.0.1.10"}));
}

TEST(ExpandAddressRangesTest, RejectsMalformedRanges) {
  std::string error;
  for (const char* bad : {"127.0.0.5-127.0.0.1", "127.0.0.1-127.0.1.1", "127.0.0.1-x", "a-b"}) {
    std::vector<std::string> out;
    EXPECT_FALSE(ExpandAddressRanges({bad}, &out, &error)) << bad;
    EXPECT_NE(error.find(bad), std::string::npos) << error;
  }
}

}  // namespace
}  // namespace wsyaml::server
