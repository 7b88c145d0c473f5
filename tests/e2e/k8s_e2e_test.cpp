// `wsyaml k8s`: the manifests pass Kubernetes' own schema (npm kubernetes-models, which checks
// each object against the official OpenAPI schema), and the Job's exact container command,
// run here once per index with JOB_COMPLETION_INDEX set as Kubernetes sets it and the
// ConfigMap's files where the pod would mount them, gives logs that `wsyaml merge` turns into
// the whole run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "metrics/thresholds.h"
#include "process_util.h"

namespace wsyaml::testing {
namespace {

using metrics::MetricId;
using nlohmann::json;
using namespace std::chrono_literals;

void Replace(std::string* text, const std::string& from, const std::string& to) {
  for (size_t at = text->find(from); at != std::string::npos; at = text->find(from, at + to.size()))
    text->replace(at, from.size(), to);
}

TEST(Kubernetes, ManifestsAreValidAndTheJobsCommandRunsEverySegment) {
  const std::string node_dir = SourcePath("tests/e2e/peers/node");
  if (access((node_dir + "/node_modules/kubernetes-models").c_str(), R_OK) != 0)
    GTEST_SKIP() << "LOUD SKIP: npm kubernetes-models is not installed (tools/setup.sh --tests)";
  ServerProcess echo({"/usr/bin/python3", SourcePath("tests/e2e/peers/recorder.py")});
  ASSERT_GT(echo.port(), 0);
  const std::string dir = TempDir();
  ASSERT_EQ(RunProcess({"/bin/mkdir", "-p", dir + "/data"}, 10s).exit_code, 0);
  ProcessResult write_csv = RunProcess(
      {"/bin/sh", "-c", "printf 'name\\nann\\nbob\\ncid\\n' > " + dir + "/data/users.csv"}, 10s);
  ASSERT_EQ(write_csv.exit_code, 0);
  const std::string scenario = dir + "/seg.yaml";
  ProcessResult write_yaml =
      RunProcess({"/bin/sh", "-c",
                  "cat > " + scenario +
                      " <<'EOF'\nname: k8s run\ntarget: ${env.TARGET}\n"
                      "data:\n  users: {csv: data/users.csv}\n"
                      "load: {vus: 5, iterations: 2, ramp-up: 0s}\nsteps:\n"
                      "  - connect: /k8s?vu=${vu}\n"
                      "  - send: \"${data.users.name}\"\n"
                      "  - expect: {match: {text: \"${data.users.name}\"}, within: 2s, "
                      "name: echoed}\n  - close\n"
                      "thresholds:\n  ws_sessions: [\"count == 10\"]\n"
                      "  checks: [\"rate == 1\"]\nEOF\n"},
                 10s);
  ASSERT_EQ(write_yaml.exit_code, 0);

  const std::string target = "ws://127.0.0.1:" + std::to_string(echo.port());
  ProcessResult printed = RunProcess({WsyamlBinary(), "k8s", scenario, "--segments", "3", "--image",
                                      "wsyaml:test", "--start-in", "3s", "-e", "TARGET=" + target},
                                     30s);
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  const std::string manifests = dir + "/manifests.yaml";
  std::string write_error;
  ASSERT_TRUE(metrics::WriteFileAtomically(manifests, printed.out, &write_error)) << write_error;
  ProcessResult validated = RunProcess(
      {"/bin/sh", "-c", "cd " + node_dir + " && node k8s_validate.mjs < " + manifests}, 60s);
  ASSERT_EQ(validated.exit_code, 0) << validated.err << printed.out;
  json objects = json::parse(validated.out, nullptr, false);
  ASSERT_TRUE(objects.is_array() && objects.size() == 2) << validated.out;
  const json& config = objects[0];
  const json& job = objects[1];
  EXPECT_EQ(config["kind"], "ConfigMap");
  EXPECT_EQ(job["spec"]["completionMode"], "Indexed");
  EXPECT_EQ(job["spec"]["completions"], 3);
  EXPECT_EQ(job["spec"]["parallelism"], 3);
  const json& pod = job["spec"]["template"]["spec"];
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  const json& container = pod["containers"][0];
  EXPECT_EQ(container["image"], "wsyaml:test");
  EXPECT_TRUE(container["resources"]["requests"].contains("memory"));

  // The pod's view: the ConfigMap's items at their paths under the mount.
  const std::string mount = container["volumeMounts"][0]["mountPath"];
  const std::string local = dir + "/mounted";
  for (const json& item : pod["volumes"][0]["configMap"]["items"]) {
    std::string path = local + "/" + item["path"].get<std::string>();
    ASSERT_EQ(RunProcess({"/bin/mkdir", "-p", path.substr(0, path.rfind('/'))}, 10s).exit_code, 0);
    std::string error;
    ASSERT_TRUE(metrics::WriteFileAtomically(
        path, config["data"][item["key"].get<std::string>()].get<std::string>(), &error))
        << error;
  }
  std::vector<std::string> env;
  for (const json& e : container["env"])
    env.push_back(e["name"].get<std::string>() + "=" + e["value"].get<std::string>());
  std::vector<ProcessResult> pods(3);
  std::vector<std::thread> threads;
  for (int index = 0; index < 3; ++index) {
    threads.emplace_back([&, index] {
      std::vector<std::string> argv = {WsyamlBinary()};
      for (const json& arg : container["args"]) {
        std::string text = arg.get<std::string>();
        // What Kubernetes does: $(VAR) from the pod's environment; the volume at its mount.
        Replace(&text, "$(JOB_COMPLETION_INDEX)", std::to_string(index));
        if (text.rfind(mount + "/", 0) == 0) text = local + text.substr(mount.size());
        argv.push_back(text);
      }
      std::vector<std::string> pod_env = env;
      pod_env.push_back("JOB_COMPLETION_INDEX=" + std::to_string(index));
      pods[index] = RunProcess(argv, 60s, pod_env);
    });
  }
  for (std::thread& t : threads) t.join();
  std::string logs;  // `kubectl logs` of the Job's pods: stdout and stderr, pod after pod
  for (int index = 0; index < 3; ++index) {
    EXPECT_EQ(pods[index].exit_code, 0) << pods[index].err;
    logs += pods[index].out + pods[index].err;
  }
  std::string error;
  ASSERT_TRUE(metrics::WriteFileAtomically(dir + "/logs.txt", logs, &error)) << error;
  ProcessResult merged = RunProcess({WsyamlBinary(), "merge", dir + "/logs.txt", "--scenario",
                                     scenario, "-o", dir + "/merged.json"},
                                    30s, {"TARGET=" + target});
  EXPECT_EQ(merged.exit_code, 0) << merged.err << merged.out;
  EXPECT_NE(merged.out.find("✓ ws_sessions 'count == 10' count=10"), std::string::npos)
      << merged.out;
  metrics::Result result;
  ASSERT_TRUE(metrics::ReadResultFile(dir + "/merged.json", &result, &error)) << error;
  EXPECT_EQ(result.merged_runs, 3);
  EXPECT_EQ(CounterTotal(result, MetricId::kIterations), 10);
  EXPECT_EQ(CounterTotal(result, MetricId::kWsMsgsSent), 10);
  EXPECT_EQ(CounterTotal(result, MetricId::kWsMsgsReceived), 10);
  EXPECT_EQ(result.shard.checks().at("echoed").passes, 10u);
  json seen = json::parse(echo.Stop(), nullptr, false);
  ASSERT_TRUE(seen.is_object());
  EXPECT_EQ(seen["connections"].size(), 10u);
}

TEST(Kubernetes, AFileOutsideTheScenariosDirectoryIsRefused) {
  const std::string csv = WriteTempFile("users.csv", "name\nann\n");
  const std::string scenario =
      WriteTempFile("out.yaml", "name: x\ntarget: ws://127.0.0.1:1\ndata:\n  u: {csv: " + csv +
                                    "}\nload: {vus: 1, iterations: 1}\nsteps:\n  - connect: /a\n");
  ProcessResult p = RunProcess({WsyamlBinary(), "k8s", scenario, "--segments", "2"}, 30s);
  EXPECT_EQ(p.exit_code, 2);
  EXPECT_NE(p.err.find("'" + csv + "' is outside the scenario's directory"), std::string::npos)
      << p.err;
  ProcessResult zero = RunProcess({WsyamlBinary(), "k8s", scenario, "--segments", "0"}, 30s);
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--segments expects 1 to 10000"), std::string::npos) << zero.err;
}

}  // namespace
}  // namespace wsyaml::testing
