// The live dashboard: its update message made from a snapshot, its address, and the sink
// serving its page over HTTP (fetched here with a plain socket; the browser test is
// tests/e2e/dashboard_e2e_test.cpp).
#include "outputs/dashboard.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>

#include "outputs/dashboard_update.h"
#include "outputs/outputs.h"

namespace wsyaml::outputs {
namespace {

using metrics::MetricId;
using nlohmann::json;
using std::chrono::microseconds;

// The interval and totals of a run one second in, with a second name and scenario tag.
struct Fixture {
  metrics::TagRegistry tags;
  metrics::Shard before, cumulative, interval;
  std::vector<metrics::ThresholdResult> thresholds;
  graph::TestPlan plan;

  Fixture() {
    plan.name = "chat soak";
    uint32_t echo = tags.Intern({{"name", "echo"}, {"scenario", "a"}});
    uint32_t echo_b = tags.Intern({{"name", "echo"}, {"scenario", "b"}});
    uint32_t join = tags.Intern({{"name", "join"}});
    before.Add(MetricId::kWsMsgsSent, 10, echo);
    before.Record(MetricId::kWsReplyTime, microseconds(1000), join);
    before.Error("timeout", "no reply");
    cumulative = before;
    cumulative.Add(MetricId::kWsMsgsSent, 4, echo);
    cumulative.Add(MetricId::kWsMsgsSent, 2, echo_b);
    cumulative.Add(MetricId::kWsMsgsReceived, 5, echo);
    cumulative.Move(MetricId::kVus, 3);
    cumulative.Move(MetricId::kVusMax, 4);
    cumulative.Move(MetricId::kWsOpen, 2, echo);
    for (int i = 1; i <= 100; ++i)
      cumulative.Record(MetricId::kWsReplyTime, microseconds(i * 100), i % 2 ? echo : echo_b);
    cumulative.Check("echoed", true);
    cumulative.Check("echoed", false, "late");
    cumulative.Error("handshake 404", "not found");
    interval = cumulative.Since(before);
    graph::Threshold p95;
    p95.metric = "ws_reply_time";
    p95.filter = {{"name", "echo"}};
    p95.source = "p(95) < 5ms";
    metrics::ThresholdResult result;
    result.threshold = p95;
    result.passed = false;
    result.has_data = true;
    result.observed = 9500;  // µs
    thresholds.push_back(result);
  }

  Snapshot Make() const {
    Snapshot s;
    s.elapsed_s = 2;
    s.interval_s = 0.5;
    s.unix_ms = 1'700'000'002'000;
    s.interval = &interval;
    s.cumulative = &cumulative;
    s.tags = &tags;
    s.thresholds = &thresholds;
    return s;
  }
};

json Find(const json& array, const std::string& key, const std::string& value) {
  for (const json& item : array)
    if (item.value(key, "") == value) return item;
  return json();
}

TEST(DashboardUpdateTest, CarriesGaugesRatesPercentilesPerNameErrorsChecksAndThresholds) {
  Fixture f;
  RunInfo info{&f.plan, "chat.yaml", {}};
  json u = json::parse(MakeDashboardUpdate(f.Make(), info).message);
  EXPECT_EQ(u["type"], "snapshot");
  EXPECT_EQ(u["scenario"], "chat soak");
  EXPECT_EQ(u["file"], "chat.yaml");
  EXPECT_EQ(u["elapsed_s"], 2);
  EXPECT_EQ(u["final"], false);
  EXPECT_EQ(u["vus"], 3);
  EXPECT_EQ(u["vus_max"], 4);
  EXPECT_EQ(u["open_sockets"], 2);
  // Totals over every tag set; per second over the interval of 0.5 s.
  EXPECT_EQ(u["counters"]["ws_msgs_sent"], json({{"total", 16}, {"per_s", 12}}));
  EXPECT_EQ(u["counters"]["ws_msgs_received"], json({{"total", 5}, {"per_s", 10}}));
  // echo's two scenario tag sets merge into one line; join has no sample in this interval.
  ASSERT_EQ(u["trends"].size(), 2u) << u["trends"];
  json echo = Find(u["trends"], "name", "echo");
  EXPECT_EQ(echo["metric"], "ws_reply_time");
  EXPECT_EQ(echo["count"], 100);
  EXPECT_NEAR(echo["p50_ms"].get<double>(), 5.05, 0.05);
  EXPECT_NEAR(echo["p95_ms"].get<double>(), 9.505, 0.05);
  EXPECT_NEAR(echo["p99_ms"].get<double>(), 9.901, 0.05);
  EXPECT_EQ(echo["interval"]["count"], 100);
  json join = Find(u["trends"], "name", "join");
  EXPECT_EQ(join["count"], 1);
  EXPECT_NEAR(join["p95_ms"].get<double>(), 1.0, 0.01);
  EXPECT_EQ(join["interval"]["count"], 0);
  EXPECT_EQ(Find(u["errors"], "kind", "timeout"),
            json({{"kind", "timeout"}, {"total", 1}, {"interval", 0}}));
  EXPECT_EQ(Find(u["errors"], "kind", "handshake 404")["interval"], 1);
  EXPECT_EQ(u["checks"], json::parse(R"([{"name":"echoed","passes":1,"fails":1}])"));
  ASSERT_EQ(u["thresholds"].size(), 1u);
  const json& t = u["thresholds"][0];
  EXPECT_EQ(t["target"], "ws_reply_time{name:echo}");
  EXPECT_EQ(t["source"], "p(95) < 5ms");
  EXPECT_EQ(t["passed"], false);
  EXPECT_EQ(t["observed"], 9.5);
  EXPECT_EQ(t["unit"], "ms");
}

// The charts' values for the second: one line per name and error kind.
TEST(DashboardUpdateTest, ChartPointIsInTheMessageAndKeptApartForTheHistory) {
  Fixture f;
  DashboardUpdate update = MakeDashboardUpdate(f.Make(), {&f.plan, "-", {}});
  json chart = json::parse(update.message)["chart"];
  EXPECT_EQ(chart["load:VUs"], 3);
  EXPECT_EQ(chart["load:open sockets"], 2);
  EXPECT_EQ(chart["msgs:out"], 12);
  EXPECT_EQ(chart["msgs:in"], 10);
  EXPECT_NEAR(chart["reply:echo"].get<double>(), 9.505, 0.05);
  EXPECT_TRUE(chart["reply:join"].is_null()) << "no sample in this second";
  EXPECT_EQ(chart["error:handshake 404"], 2);  // one in half a second
  EXPECT_EQ(chart["error:timeout"], 0);
  EXPECT_EQ(json::parse(update.point), json({{"t", 2}, {"chart", chart}}));
  json history = json::parse(FormatDashboardHistory({update.point, update.point}));
  EXPECT_EQ(history["type"], "history");
  EXPECT_EQ(history["points"], json({json::parse(update.point), json::parse(update.point)}));
  EXPECT_EQ(json::parse(FormatDashboardHistory({}))["points"], json::array());
}

// vus_max is set only at the end of a run; until then the page shows the most VUs so far.
TEST(DashboardUpdateTest, VusMaxIsTheMostVusSoFarUntilTheEnd) {
  Fixture f;
  f.cumulative = f.before;
  f.cumulative.Move(MetricId::kVus, 5);
  f.cumulative.Move(MetricId::kVus, -2);
  f.interval = f.cumulative.Since(f.before);
  json u = json::parse(MakeDashboardUpdate(f.Make(), {&f.plan, "-", {}}).message);
  EXPECT_EQ(u["vus"], 3);
  EXPECT_EQ(u["vus_max"], 5);
}

TEST(DashboardUpdateTest, AnErrorKindThatIsNotUtf8StillMakesValidJson) {
  Fixture f;
  f.cumulative.Error("close \xff\xfe", "x");
  f.interval = f.cumulative.Since(f.before);
  json u = json::parse(MakeDashboardUpdate(f.Make(), {&f.plan, "-", {}}).message, nullptr, false);
  ASSERT_FALSE(u.is_discarded());
  EXPECT_EQ(u["errors"].size(), 3u);
}

TEST(DashboardAddressTest, ParsesHostAndPortAndRefusesTheRest) {
  std::string error;
  ListenAddress address;
  ASSERT_TRUE(ParseDashboardAddress("127.0.0.1:5665", &address, &error));
  EXPECT_EQ(address.host, "127.0.0.1");
  EXPECT_EQ(address.port, 5665);
  ASSERT_TRUE(ParseDashboardAddress("[::1]:0", &address, &error));
  EXPECT_EQ(address.host, "::1");
  EXPECT_EQ(address.port, 0);
  ASSERT_TRUE(ParseDashboardAddress(":5666", &address, &error));
  EXPECT_EQ(FormatListenAddress(address), "127.0.0.1:5666");
  for (const char* bad : {"5665", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000",
                          "127.0.0.1:123456", "example.com:80"}) {
    EXPECT_FALSE(ParseDashboardAddress(bad, &address, &error)) << bad;
    EXPECT_EQ(error.rfind("--dashboard", 0), 0u) << error;
  }
}

TEST(DashboardAddressTest, IsCheckedAndDescribedWithTheOtherOutputs) {
  std::string error;
  OutputSpec dashboard{OutputSpec::Kind::kDashboard, "127.0.0.1:5665"};
  EXPECT_TRUE(CheckOutputs({dashboard}, &error)) << error;
  EXPECT_EQ(DescribeOutput(dashboard), "--dashboard=127.0.0.1:5665");
  EXPECT_FALSE(CheckOutputs({{OutputSpec::Kind::kDashboard, "nowhere"}}, &error));
  EXPECT_NE(error.find("[HOST]:PORT"), std::string::npos) << error;
}

// GET `path` from 127.0.0.1:`port` with a plain socket; the whole answer, headers included.
std::string HttpGet(uint16_t port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) answer.append(buffer, n);
  close(fd);
  return answer;
}

TEST(DashboardSinkTest, ServesThePageWithoutOutsideFetchesAndSaysWhere) {
  std::ostringstream err;
  DashboardSink sink("127.0.0.1:0", err);
  graph::TestPlan plan;
  std::string error;
  ASSERT_TRUE(sink.Open({&plan, "t.yaml", {}}, &error)) << error;
  ASSERT_GT(sink.port(), 0);
  EXPECT_EQ(err.str(), "dashboard: http://127.0.0.1:" + std::to_string(sink.port()) + "/\n");
  std::string page = HttpGet(sink.port(), "/");
  EXPECT_EQ(page.rfind("HTTP/1.1 200", 0), 0u) << page.substr(0, 200);
  EXPECT_NE(page.find("Content-Type: text/html"), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
  // The only URLs in the page: its WebSocket back to where it came from, and SVG's namespace
  // name (never fetched).
  for (size_t at = page.find("://", page.find("\r\n\r\n")); at != std::string::npos;
       at = page.find("://", at + 1)) {
    EXPECT_TRUE(page.compare(at - 4, 26, "http://www.w3.org/2000/svg") == 0 ||
                page.compare(at - 3, 22, "`ws://${location.host}") == 0)
        << page.substr(at - 10, 40);
  }
  EXPECT_EQ(page.find("src="), std::string::npos) << "no external script or image";
  Fixture f;
  sink.OnSnapshot(f.Make());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(sink.Finish({}, &error)) << error;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(HttpGet(sink.port(), "/"), "") << "stopped with the run";
}

TEST(DashboardSinkTest, APortInUseStopsTheRunBeforeItStarts) {
  std::ostringstream err;
  DashboardSink first("127.0.0.1:0", err);
  std::string error;
  ASSERT_TRUE(first.Open({}, &error)) << error;
  DashboardSink second("127.0.0.1:" + std::to_string(first.port()), err);
  EXPECT_FALSE(second.Open({}, &error));
  EXPECT_EQ(error.rfind("--dashboard: cannot listen on 127.0.0.1:", 0), 0u) << error;
  first.Finish({}, &error);
}

}  // namespace
}  // namespace wsyaml::outputs
