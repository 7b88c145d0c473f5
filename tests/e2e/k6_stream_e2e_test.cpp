// `--out json=` (k6's JSON stream) and `--out csv=` (k6's CSV) read back by a reader written
// here and checked against the run's result file: every counter per tag set summed exactly,
// trend sample counts, check passes and fails, errors by kind (issue 14 items 1, 2).
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "background_run.h"
#include "scenario_runner.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;
using metrics::MetricType;

// Three names, a check that fails on every third iteration, an `expression` error on each
// `typed` expect (a text compared with a number), over about two seconds so that several
// one-second intervals are written.
const char* const kScenario = R"(name: k6stream
target: builtin:echo
load: {vus: 3, iterations: 18}
steps:
  - connect: /echo
  - send: "hello ${vu} ${iter}"
  - expect: {match: {text: "hello ${vu} ${iter}"}, within: 2s, name: say}
  - send: '{"n": "x${iter}"}'
  - expect: {match: {json: {n: "x${iter}"}, where: "${msg.n > 0}"}, within: 50ms, name: typed}
  - send: "again ${iter}"
  - expect: {match: {contains: "again"}, within: 2s, name: again}
  - check: {name: third, that: "${iter % 3 != 0}"}
  - close
thresholds:
  ws_msgs_sent: ["count > 10"]
)";

struct StreamRun {
  ScenarioRun run;
  std::string json_path, csv_path;
};

BackgroundRun<StreamRun> stream_run("K6StreamEndToEnd.JsonAndCsvAddUpToTheResultFile", [] {
  StreamRun r;
  std::string dir = TempDir();
  r.json_path = dir + "/k6.json";
  r.csv_path = dir + "/k6.csv";
  r.run = RunScenario(kScenario, {"--out", "json=" + r.json_path, "--out", "csv=" + r.csv_path});
  return r;
});

using TagMap = std::map<std::string, std::string>;

// One point as read back from either file.
struct ReadPoint {
  std::string metric;
  TagMap tags;
  double value = 0;
  uint64_t count = 0;
  std::string time;
};

// Sums per metric and tag set ("name=say,scenario=default"); checks per name and outcome.
struct Totals {
  std::map<std::string, double> sums;      // counters
  std::map<std::string, uint64_t> counts;  // counters (Add calls) and trends (samples)
  std::map<std::string, uint64_t> checks;  // "NAME pass" / "NAME fail"
};

std::string Key(const std::string& metric, const TagMap& tags) {
  std::string key = metric + "{";
  for (const auto& [k, v] : tags) key += k + "=" + v + ",";
  return key + "}";
}

Totals FromResult(const metrics::Result& result) {
  Totals totals;
  for (const auto& [key, series] : result.shard.series()) {
    const metrics::MetricInfo& info = metrics::Info(key.first);
    if (info.type != MetricType::kCounter && info.type != MetricType::kTrend) continue;
    auto tags = result.tags.Tags(key.second);
    std::string k = Key(info.name, TagMap(tags.begin(), tags.end()));
    if (info.type == MetricType::kCounter) totals.sums[k] += series.sum;
    totals.counts[k] += series.count;
  }
  for (const auto& [name, counts] : result.shard.checks()) {
    if (counts.passes) totals.checks[name + " pass"] = counts.passes;
    if (counts.fails) totals.checks[name + " fail"] = counts.fails;
  }
  return totals;
}

Totals FromPoints(const std::vector<ReadPoint>& points) {
  Totals totals;
  for (const ReadPoint& p : points) {
    MetricId id;
    if (!metrics::FindMetric(p.metric, &id)) continue;
    MetricType type = metrics::Info(id).type;
    if (id == MetricId::kChecks) {
      totals.checks[p.tags.at("check") + (p.value == 1 ? " pass" : " fail")] += p.count;
      continue;
    }
    if (type != MetricType::kCounter && type != MetricType::kTrend) continue;
    std::string k = Key(p.metric, p.tags);
    if (type == MetricType::kCounter) totals.sums[k] += p.value;
    totals.counts[k] += p.count;
  }
  return totals;
}

// Reads k6's JSON lines; every line parses, each metric is declared once, before its points.
std::vector<ReadPoint> ReadJson(const std::string& path) {
  std::ifstream in(path);
  std::vector<ReadPoint> points;
  std::set<std::string> declared;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "line " << number << ": " << line;
    if (j.is_discarded()) continue;
    std::string metric = j.at("metric");
    if (j.at("type") == "Metric") {
      EXPECT_TRUE(declared.insert(metric).second) << metric << " declared twice";
      EXPECT_EQ(j["data"]["name"], metric);
      continue;
    }
    EXPECT_EQ(j.at("type"), "Point") << line;
    EXPECT_TRUE(declared.count(metric)) << metric << ": a Point before its Metric line";
    ReadPoint p{metric, j["data"]["tags"].get<TagMap>(), j["data"]["value"].get<double>(),
                j["data"].value("count", uint64_t{0}), j["data"]["time"]};
    points.push_back(std::move(p));
  }
  return points;
}

// Splits a CSV line as RFC 4180 ("a,""b""" is two fields).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

// "k=v&k2=v2" into a map.
TagMap SplitPairs(const std::string& text) {
  TagMap pairs;
  std::istringstream in(text);
  std::string pair;
  while (std::getline(in, pair, '&')) {
    size_t eq = pair.find('=');
    if (eq != std::string::npos) pairs[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return pairs;
}

std::vector<ReadPoint> ReadCsv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header = SplitCsv(line);
  EXPECT_EQ(header.size(), 19u) << line;
  std::vector<ReadPoint> points;
  while (std::getline(in, line)) {
    std::vector<std::string> f = SplitCsv(line);
    EXPECT_EQ(f.size(), header.size()) << line;
    if (f.size() != header.size()) continue;
    ReadPoint p{f[0], SplitPairs(f[f.size() - 2]), std::stod(f[2]), 0, f[1]};
    for (size_t i = 3; i + 2 < f.size(); ++i)
      if (!f[i].empty()) p.tags[header[i]] = f[i];
    TagMap metadata = SplitPairs(f.back());
    if (metadata.count("count")) p.count = std::stoull(metadata["count"]);
    points.push_back(std::move(p));
  }
  return points;
}

void ExpectEqualTotals(const Totals& expected, const Totals& read, const std::string& what) {
  EXPECT_EQ(read.sums, expected.sums) << what << ": counter sums";
  EXPECT_EQ(read.counts, expected.counts) << what << ": counter and trend counts";
  EXPECT_EQ(read.checks, expected.checks) << what << ": check outcomes";
}

TEST(K6StreamEndToEnd, JsonAndCsvAddUpToTheResultFile) {
  const StreamRun& r = stream_run.Get();
  const ScenarioRun& run = r.run;
  ASSERT_EQ(run.process.exit_code, 0) << run.Output();
  ASSERT_TRUE(run.has_result) << run.Output();
  Totals expected = FromResult(run.result);
  // The scenario did what the comparison relies on.
  EXPECT_EQ(run.Passes("say"), 54u);
  EXPECT_EQ(run.Fails("third"), 18u);
  EXPECT_EQ(run.Errors("expression"), 54u) << run.DescribeErrors();
  const std::string errors_key =
      Key("ws_errors", {{"kind", "expression"}, {"scenario", "default"}});
  ASSERT_EQ(expected.sums.count(errors_key), 1u);

  std::vector<ReadPoint> json = ReadJson(r.json_path);
  std::vector<ReadPoint> csv = ReadCsv(r.csv_path);
  ExpectEqualTotals(expected, FromPoints(json), "--out json");
  ExpectEqualTotals(expected, FromPoints(csv), "--out csv");
  EXPECT_EQ(FromPoints(json).sums.at(errors_key), 54);
  // Aggregated per second: several seconds, far fewer points than samples. (The JSON's times
  // have milliseconds; the CSV's whole seconds can put a 1.6 s run's two points in one.)
  std::set<std::string> seconds;
  for (const ReadPoint& p : json) seconds.insert(p.time);
  EXPECT_GE(seconds.size(), 2u);
  EXPECT_LT(json.size(), 200u);
  EXPECT_EQ(json.size(), csv.size());
  // The CSV puts tags without a column of their own into extra_tags.
  std::ifstream in(r.csv_path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find(",kind=expression,count="), std::string::npos);
}

TEST(K6StreamEndToEnd, AnUnwritableStreamStopsTheRunBeforeItStarts) {
  std::string dir = TempDir();
  ProcessResult p = RunProcess({WsyamlBinary(), "run", SourcePath("scenarios/echo.yaml"), "-q",
                                "--out", "json=" + dir + "/missing/k6.json"},
                               std::chrono::seconds(20));
  EXPECT_EQ(p.exit_code, 2) << p.out << p.err;
  EXPECT_NE(p.err.find("--out json: directory"), std::string::npos) << p.err;
}

}  // namespace
}  // namespace wsyaml::testing
