#include "scenario_runner.h"

#include <cstdio>
#include <fstream>

#include "metrics/thresholds.h"

namespace wsyaml::testing {

using metrics::MetricId;

double ScenarioRun::Counter(MetricId id, const graph::Tags& filter) const {
  return metrics::CollectSeries(result.shard, result.tags, id, filter).sum;
}

uint64_t ScenarioRun::Samples(MetricId id, const graph::Tags& filter) const {
  return metrics::CollectSeries(result.shard, result.tags, id, filter).count;
}

double ScenarioRun::MinMicros(MetricId id, const graph::Tags& filter) const {
  bool has_data = false;
  return metrics::Aggregate(result.shard, result.tags, id, filter,
                            graph::Threshold::Aggregate::kMin, 0, result.duration_s, &has_data);
}

double ScenarioRun::MaxMicros(MetricId id, const graph::Tags& filter) const {
  bool has_data = false;
  return metrics::Aggregate(result.shard, result.tags, id, filter,
                            graph::Threshold::Aggregate::kMax, 0, result.duration_s, &has_data);
}

uint64_t ScenarioRun::Passes(const std::string& name) const {
  auto it = result.shard.checks().find(name);
  return it == result.shard.checks().end() ? 0 : it->second.passes;
}

uint64_t ScenarioRun::Fails(const std::string& name) const {
  auto it = result.shard.checks().find(name);
  return it == result.shard.checks().end() ? 0 : it->second.fails;
}

std::string ScenarioRun::LastFailure(const std::string& name) const {
  auto it = result.shard.checks().find(name);
  return it == result.shard.checks().end() ? "" : it->second.last_failure;
}

uint64_t ScenarioRun::Errors(const std::string& kind) const {
  auto it = result.shard.errors().find(kind);
  return it == result.shard.errors().end() ? 0 : it->second.count;
}

std::string ScenarioRun::DescribeErrors() const {
  std::string text;
  for (const auto& [kind, counts] : result.shard.errors())
    text += kind + " x" + std::to_string(counts.count) + ": " + counts.example + "\n";
  return text;
}

std::string ScenarioRun::Output() const {
  return "exit " + std::to_string(process.exit_code) + "\n--- stdout\n" + process.out +
         "--- stderr\n" + process.err;
}

namespace {

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

ScenarioRun RunIn(const std::string& dir, const std::string& file,
                  const std::vector<std::string>& args, std::chrono::seconds limit) {
  ScenarioRun run;
  run.dir = dir;
  std::string json = dir + "/result.json";
  std::vector<std::string> argv = {WsyamlBinary(), "run", file, "-q", "--out", "result=" + json};
  argv.insert(argv.end(), args.begin(), args.end());
  run.process = RunProcess(argv, limit);
  std::string error;
  run.has_result = metrics::ReadResultFile(json, &run.result, &error);
  size_t at = run.process.out.find(" server saw: ");
  if (at != std::string::npos) {
    std::string line = run.process.out.substr(at + 13);
    line = line.substr(0, line.find('\n'));
    run.builtin = nlohmann::json::parse(line, nullptr, false);
    if (run.builtin.is_discarded()) run.builtin = nullptr;
  }
  return run;
}

}  // namespace

ScenarioRun RunScenario(const std::string& yaml, const std::vector<std::string>& args,
                        const std::vector<std::pair<std::string, std::string>>& files,
                        std::chrono::seconds limit) {
  std::string dir = TempDir();
  for (const auto& [name, content] : files) WriteText(dir + "/" + name, content);
  WriteText(dir + "/scenario.yaml", yaml);
  return RunIn(dir, dir + "/scenario.yaml", args, limit);
}

ScenarioRun RunScenarioFile(const std::string& path, const std::vector<std::string>& args,
                            std::chrono::seconds limit) {
  return RunIn(TempDir(), path, args, limit);
}

RecorderPeer::RecorderPeer(const std::vector<std::string>& subprotocols)
    : server_([&] {
        std::vector<std::string> args = {"/usr/bin/python3",
                                         SourcePath("tests/e2e/peers/recorder.py"), "--port", "0"};
        for (const auto& p : subprotocols) {
          args.push_back("--subprotocol");
          args.push_back(p);
        }
        return args;
      }()) {}

std::string RecorderPeer::Url() const { return "ws://127.0.0.1:" + std::to_string(port()); }

nlohmann::json RecorderPeer::Stop() {
  nlohmann::json out = LastJsonLine(server_.Stop());
  if (!out.is_object() || !out.contains("connections")) return nlohmann::json::array();
  return out["connections"];
}

std::vector<std::string> RecordedTexts(const nlohmann::json& connection) {
  std::vector<std::string> texts;
  for (const auto& m : connection["messages"])
    texts.push_back(m.contains("text") ? m["text"].get<std::string>()
                                       : "binary:" + m["binary"].get<std::string>());
  return texts;
}

ServeProcess::ServeProcess(const std::string& kind)
    : server_({WsyamlBinary(), "serve", kind, "--port", "0"}) {}

std::string ServeProcess::Url() const { return "ws://127.0.0.1:" + std::to_string(port()); }

nlohmann::json ServeProcess::Stop() { return LastJsonLine(server_.Stop()); }

nlohmann::json LastJsonLine(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = text.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line[0] == '{') {
      nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
      if (!parsed.is_discarded()) return parsed;
    }
    if (start == 0) break;
    end = start - 1;
  }
  return nullptr;
}

size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size()))
    ++n;
  return n;
}

}  // namespace wsyaml::testing
