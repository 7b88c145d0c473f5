// Test support for the fault end-to-end tests: run a scenario that mixes a healthy /echo
// scenario with a faulty one, with every output file, and read back what it left.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "e2e/process_util.h"
#include "metrics/result.h"
#include "metrics/thresholds.h"

namespace wsyaml::testing {

/// Everything one `wsyaml run` of a fault scenario left.
struct FaultRun {
  ProcessResult process;
  std::chrono::milliseconds took{0};  ///< wall time of the whole process
  bool result_read = false;           ///< --out result=FILE was read back
  metrics::Result result;
  std::string result_error;  ///< why the result file could not be read
  std::string junit;         ///< --junit file text
  std::string report;        ///< --report file text
  std::string junit_parse;   ///< "ok ..." when python's XML parser accepted the JUnit file
};

/// The healthy scenario mixed into every fault run: `kHealthyVus` VUs x `kHealthyIterations`
/// echo round trips, each a passed check named healthy-echo and a 1000 close.
inline constexpr int kHealthyVus = 2;
inline constexpr int kHealthyIterations = 4;

/// A scenario file with the healthy scenario and a `fault` scenario made of `fault_load`
/// (a flow mapping) and `fault_steps` (YAML lines indented for a `steps:` list, 6 spaces).
/// Every VU starts at once (ramp-up 0s): spreading the starts over the default second tells
/// nothing about faults and made each test a second longer.
inline std::string FaultScenario(const std::string& target, std::string fault_load,
                                 const std::string& fault_steps) {
  if (!fault_load.empty() && fault_load.back() == '}')
    fault_load.insert(fault_load.size() - 1, ", ramp-up: 0s");
  return "name: faults\ntarget: " + target +
         "\nscenarios:\n"
         "  healthy:\n"
         "    load: {vus: " +
         std::to_string(kHealthyVus) + ", iterations: " + std::to_string(kHealthyIterations) +
         ", ramp-up: 0s}\n"
         "    steps:\n"
         "      - connect: /echo\n"
         "      - send: \"ok ${vu} ${iter}\"\n"
         "      - expect: {match: {text: \"ok ${vu} ${iter}\"}, within: 3s, name: healthy-echo}\n"
         "      - sleep: 100ms\n"
         "      - close\n"
         "  fault:\n"
         "    load: " +
         fault_load + "\n    steps:\n" + fault_steps;
}

/// Runs `wsyaml run` on `yaml` with --out json, --junit and --report, killed after `limit`.
inline FaultRun RunFault(const std::string& yaml, std::chrono::seconds limit,
                         const std::vector<std::string>& extra_args = {},
                         const std::vector<std::string>& prefix = {}) {
  std::string dir = TempDir();
  std::string file = dir + "/fault.yaml";
  FILE* f = fopen(file.c_str(), "w");
  if (f) {
    fputs(yaml.c_str(), f);
    fclose(f);
  }
  std::string json = dir + "/result.json", junit = dir + "/junit.xml";
  std::string report = dir + "/report.html";
  std::vector<std::string> args = prefix;
  for (const std::string& a :
       {WsyamlBinary(), std::string("run"), file, std::string("-q"), std::string("--out"),
        "result=" + json, std::string("--junit"), junit, std::string("--report"), report})
    args.push_back(a);
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  FaultRun run;
  auto started = std::chrono::steady_clock::now();
  run.process = RunProcess(args, limit);
  run.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  run.result_read = metrics::ReadResultFile(json, &run.result, &run.result_error);
  std::string ignored;
  metrics::ReadFile(junit, &run.junit, &ignored);
  metrics::ReadFile(report, &run.report, &ignored);
  ProcessResult parsed = RunProcess({"/usr/bin/python3", "-c",
                                     "import sys, xml.etree.ElementTree as E\n"
                                     "root = E.parse(sys.argv[1]).getroot()\n"
                                     "print('ok', root.tag, len(root.findall('.//testcase')))\n",
                                     junit},
                                    std::chrono::seconds(10));
  if (parsed.exit_code == 0) run.junit_parse = parsed.out;
  return run;
}

/// Sum of a counter (or count of a trend) over the series whose tags include `filter`.
inline metrics::Series SeriesOf(const FaultRun& run, metrics::MetricId id,
                                const graph::Tags& filter = {}) {
  return metrics::CollectSeries(run.result.shard, run.result.tags, id, filter);
}

/// Count of errors of `kind` (0 when none).
inline uint64_t ErrorCount(const FaultRun& run, const std::string& kind) {
  auto it = run.result.shard.errors().find(kind);
  return it == run.result.shard.errors().end() ? 0 : it->second.count;
}

/// The example message kept for errors of `kind` ("" when none).
inline std::string ErrorExample(const FaultRun& run, const std::string& kind) {
  auto it = run.result.shard.errors().find(kind);
  return it == run.result.shard.errors().end() ? "" : it->second.example;
}

/// Number of closes recorded with `code`.
inline double CloseCount(const FaultRun& run, int code) {
  return SeriesOf(run, metrics::MetricId::kWsCloseCodes, {{"code", std::to_string(code)}}).sum;
}

/// The process ended by itself within `bound`, exit 0, and the summary, result JSON, JUnit
/// and HTML report are complete and name every error kind in `kinds`.
inline void ExpectCompleteOutputs(const FaultRun& run, std::chrono::milliseconds bound,
                                  const std::vector<std::string>& kinds) {
  EXPECT_FALSE(run.process.timed_out) << "the run did not end: " << run.process.err;
  EXPECT_LT(run.took, bound) << "the run took too long";
  EXPECT_EQ(run.process.exit_code, 0) << run.process.err;
  EXPECT_TRUE(run.result_read) << run.result_error;
  for (const char* name : {"ws_sessions", "ws_connecting", "iterations"})
    EXPECT_NE(run.process.out.find(name), std::string::npos) << name << "\n" << run.process.out;
  if (!kinds.empty()) {
    EXPECT_NE(run.process.out.find("ERRORS"), std::string::npos) << run.process.out;
  }
  for (const std::string& kind : kinds) {
    EXPECT_NE(run.process.out.find(kind), std::string::npos) << kind << "\n" << run.process.out;
    EXPECT_NE(run.report.find(kind), std::string::npos) << kind;
  }
  EXPECT_EQ(run.junit_parse.rfind("ok testsuites", 0), 0u) << run.junit_parse << run.junit;
  EXPECT_EQ(run.report.rfind("<!DOCTYPE html>", 0), 0u) << run.report.substr(0, 80);
  EXPECT_NE(run.report.find("</body></html>\n"), std::string::npos);
}

/// The healthy scenario ran every iteration and passed every check despite the fault.
/// (Iterations are counted over all scenarios: see the test of the scenario tag.)
inline void ExpectHealthyCarriedOn(const FaultRun& run) {
  using metrics::MetricId;
  const double iterations = kHealthyVus * kHealthyIterations;
  EXPECT_GE(SeriesOf(run, MetricId::kIterations).sum, iterations);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsSessions, {{"scenario", "healthy"}}).sum, iterations);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsConnecting, {{"scenario", "healthy"}}).count, iterations);
  EXPECT_EQ(SeriesOf(run, MetricId::kWsMsgsReceived, {{"scenario", "healthy"}}).sum, iterations);
  auto check = run.result.shard.checks().find("healthy-echo");
  ASSERT_NE(check, run.result.shard.checks().end());
  EXPECT_EQ(check->second.passes, static_cast<uint64_t>(iterations));
  EXPECT_EQ(check->second.fails, 0u) << check->second.last_failure;
  EXPECT_NE(run.junit.find("name=\"healthy-echo\" time=\"0\"/>"), std::string::npos) << run.junit;
}

/// The inode of `path`, or 0 when there is no such file.
inline ino_t InodeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

/// The temporary files of atomic writes (NAME.tmp.XXXXXX) in `dir` whose name starts with
/// `prefix`; `remove` deletes them (a killed run leaves them behind).
inline bool TempFilesIn(const std::string& dir, const std::string& prefix, bool remove = false) {
  bool found = false;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name.find(".tmp.") == std::string::npos) continue;
    found = true;
    if (remove) std::filesystem::remove(entry.path(), ec);
  }
  return found;
}

}  // namespace wsyaml::testing
