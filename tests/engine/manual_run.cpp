#include "manual_run.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "engine/manual_runtime.h"
#include "scenario/compiler.h"

namespace wsyaml::engine::testing {

using metrics::MetricId;

namespace {

/// The N of "/prefix/N" when `path` starts with `prefix`, else -1.
int NumberAfter(const std::string& path, const std::string& prefix) {
  if (path.rfind(prefix, 0) != 0) return -1;
  return std::atoi(path.c_str() + prefix.size());
}

/// A fresh directory holding `files`; removed with the object.
class TempFiles {
 public:
  explicit TempFiles(const std::vector<std::pair<std::string, std::string>>& files) {
    char pattern[] = "/tmp/wsyaml-manual-XXXXXX";
    dir_ = mkdtemp(pattern) ? pattern : ".";
    for (const auto& [name, content] : files)
      std::ofstream(dir_ + "/" + name, std::ios::binary) << content;
  }
  ~TempFiles() {
    std::error_code ec;
    if (dir_ != ".") std::filesystem::remove_all(dir_, ec);
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

}  // namespace

double ManualRun::Counter(MetricId id, const graph::Tags& filter) const {
  return metrics::CollectSeries(shard, tags, id, filter).sum;
}

uint64_t ManualRun::Samples(MetricId id, const graph::Tags& filter) const {
  return metrics::CollectSeries(shard, tags, id, filter).count;
}

double ManualRun::MinMicros(MetricId id, const graph::Tags& filter) const {
  bool has_data = false;
  return metrics::Aggregate(shard, tags, id, filter, graph::Threshold::Aggregate::kMin, 0,
                            duration.count() / 1000.0, &has_data);
}

double ManualRun::MaxMicros(MetricId id, const graph::Tags& filter) const {
  bool has_data = false;
  return metrics::Aggregate(shard, tags, id, filter, graph::Threshold::Aggregate::kMax, 0,
                            duration.count() / 1000.0, &has_data);
}

uint64_t ManualRun::Passes(const std::string& name) const {
  auto it = shard.checks().find(name);
  return it == shard.checks().end() ? 0 : it->second.passes;
}

uint64_t ManualRun::Fails(const std::string& name) const {
  auto it = shard.checks().find(name);
  return it == shard.checks().end() ? 0 : it->second.fails;
}

std::string ManualRun::LastFailure(const std::string& name) const {
  auto it = shard.checks().find(name);
  return it == shard.checks().end() ? "" : it->second.last_failure;
}

uint64_t ManualRun::Errors(const std::string& kind) const {
  auto it = shard.errors().find(kind);
  return it == shard.errors().end() ? 0 : it->second.count;
}

std::string ManualRun::DescribeErrors() const {
  std::string text;
  for (const auto& [kind, counts] : shard.errors())
    text += kind + " x" + std::to_string(counts.count) + ": " + counts.example + "\n";
  return text;
}

double ManualRun::CounterAt(size_t i, MetricId id) const {
  return metrics::CollectSeries(ticks.at(i).cumulative, tags, id, {}).sum;
}

std::string ManualRun::Path(size_t i) const {
  const std::string& url = sockets.at(i)->request.url;
  std::string base = kEchoBase;
  return url.rfind(base, 0) == 0 ? url.substr(base.size()) : url;
}

std::vector<std::string> ManualRun::Sent(size_t i) const {
  const FakeSocket& socket = *sockets.at(i);
  std::vector<std::string> texts;
  for (size_t m = 0; m < socket.sent.size(); ++m)
    texts.push_back(socket.sent_binary[m] ? "binary:" + Hex(socket.sent[m]) : socket.sent[m]);
  return texts;
}

std::chrono::milliseconds ManualRun::ConnectedAt(size_t i) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(sockets.at(i)->connected_at - start);
}

EchoPolicy PathPolicy(const ConnectRequest& request) {
  EchoPolicy policy;
  std::string path = request.url.substr(std::min(request.url.size(), sizeof("ws://echo.test") - 1));
  if (int n = NumberAfter(path, "/close-after/"); n >= 0) policy.close_after = n;
  if (int n = NumberAfter(path, "/drop-after/"); n >= 0) {
    policy.close_after = n;
    policy.clean = false;
    policy.close_reason = "";
  }
  if (path == "/silent") policy.accept = false;
  if (path == "/refused") policy.fail = ErrorKind::kRefused;
  if (int status = NumberAfter(path, "/status/"); status > 0) {
    policy.fail = ErrorKind::kHandshake;
    policy.fail_status = status;
  }
  return policy;
}

ManualRun RunManual(const std::string& yaml, const ManualRunOptions& options) {
  ManualRun run;
  TempFiles files(options.files);
  scenario::CompileOptions compile;
  compile.file_name = "scenario.yaml";
  compile.base_dir = files.dir();
  scenario::CompileResult compiled = scenario::Compile(yaml, compile);
  if (!compiled.ok()) {
    for (const auto& d : compiled.diagnostics) run.diagnostics += d.Format() + "\n";
    ADD_FAILURE() << "the scenario does not compile:\n" << run.diagnostics;
    return run;
  }
  graph::TestPlan& plan = *compiled.plan;
  plan.slice = options.slice;

  ManualScheduler scheduler;
  FakeTransport transport(&scheduler);
  transport.StartEcho(options.delay, options.policy ? options.policy : PathPolicy);
  ManualRuntime runtime(scheduler, transport);
  EngineOptions engine_options;
  engine_options.threads = options.threads;
  engine_options.base_urls = {kEchoBase};
  std::unique_ptr<Engine> engine;
  engine_options.on_tick = [&run, &engine](std::chrono::milliseconds elapsed,
                                           const metrics::Shard& cumulative) {
    run.ticks.push_back({elapsed, engine->live().vus.load(), cumulative});
  };
  engine = std::make_unique<Engine>(plan, engine_options, runtime);

  if (options.before_run) options.before_run(*engine, scheduler);
  run.start = scheduler.Now();
  ::testing::internal::CaptureStderr();
  RunOutcome outcome = engine->Run();
  run.log = ::testing::internal::GetCapturedStderr();

  run.shard = std::move(outcome.merged);
  run.tags = engine->tags();
  run.duration = outcome.duration;
  run.interrupted = outcome.interrupted;
  run.vus_max = outcome.vus_max;
  run.thresholds = metrics::EvaluateThresholds(plan.thresholds, run.shard, run.tags,
                                               run.duration.count() / 1000.0);
  run.server = transport.echo_counts();
  run.sockets = transport.sockets();
  return run;
}

}  // namespace wsyaml::engine::testing
