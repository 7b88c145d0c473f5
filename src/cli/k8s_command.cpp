// wsyaml k8s FILE --segments N: prints the manifests of a distributed run on Kubernetes (a
// ConfigMap and an Indexed Job; cli/k8s_manifests.h) and how to collect and merge its results.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/k8s_manifests.h"
#include "metrics/result.h"
#include "metrics/timeseries.h"
#include "scenario/compiler.h"

namespace wsyaml::cli {
namespace {

struct K8sFlags {
  std::string file;
  int segments = 0;
  std::string image = "wsyaml:" WSYAML_VERSION;
  std::string start_in;
  std::string name;
  std::string namespace_name;
  std::vector<std::string> env_pairs;
};

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

int PrintManifests(const K8sFlags& flags) {
  if (flags.segments < 1 || flags.segments > 10000) {
    std::cerr << "wsyaml k8s: --segments expects 1 to 10000, got " << flags.segments << "\n";
    return kExitInvalid;
  }
  K8sRun run;
  run.segments = flags.segments;
  run.image = flags.image;
  run.name = flags.name;
  run.namespace_name = flags.namespace_name;
  std::string error;
  std::map<std::string, std::string> env = scenario::ProcessEnvironment();
  std::map<std::string, std::string> given;
  if (!scenario::OverlayEnvPairs(flags.env_pairs, &given, &error)) {
    std::cerr << "wsyaml k8s: " << error << "\n";
    return kExitInvalid;
  }
  for (const auto& [name, value] : given) {
    env[name] = value;
    run.env.emplace_back(name, value);
  }
  if (!flags.start_in.empty()) {
    std::optional<graph::Micros> delay = scenario::ParseDuration(flags.start_in, &error);
    if (!delay) {
      std::cerr << "wsyaml k8s: --start-in " << flags.start_in << ": " << error << "\n";
      return kExitInvalid;
    }
    run.start_at_unix_ms = metrics::NowUnixMs() + delay->count() / 1000;
  }
  scenario::CompileOptions options;
  options.env = env;
  scenario::CompileResult compiled = scenario::CompileFile(flags.file, options);
  for (const auto& diagnostic : compiled.diagnostics) std::cerr << diagnostic.Format() << "\n";
  if (!compiled.plan) return kExitInvalid;
  run.plan = &*compiled.plan;
  run.scenario_name = flags.file.substr(flags.file.rfind('/') + 1);
  if (!metrics::ReadFile(flags.file, &run.scenario_text, &error)) {
    std::cerr << "wsyaml k8s: " << error << "\n";
    return kExitInvalid;
  }
  for (const std::string& path : compiled.files_read) {
    std::string content;
    if (!path.empty() && path[0] != '/' &&
        !metrics::ReadFile(DirectoryOf(flags.file) + "/" + path, &content, &error)) {
      std::cerr << "wsyaml k8s: " << error << "\n";
      return kExitInvalid;
    }
    run.files.emplace_back(path, std::move(content));
  }
  std::vector<nlohmann::ordered_json> manifests;
  if (!MakeK8sManifests(run, &manifests, &error)) {
    std::cerr << "wsyaml k8s: " << error << "\n";
    return kExitInvalid;
  }
  std::cout << FormatK8sYaml(run, manifests);
  return kExitOk;
}

}  // namespace

void AddK8sCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<K8sFlags>();
  CLI::App* cmd = app.add_subcommand(
      "k8s", "Print Kubernetes manifests (ConfigMap + Indexed Job) that run FILE as N segments");
  cmd->add_option("file", flags->file, "the scenario file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--segments", flags->segments, "pods, one segment of the test each")->required();
  cmd->add_option("--image", flags->image, "the wsyaml image (see Containerfile)");
  cmd->add_option("--start-in", flags->start_in,
                  "segments begin together this long after the manifests are printed, e.g. 60s "
                  "(time for the pods to be scheduled and pull the image)");
  cmd->add_option("--name", flags->name, "the ConfigMap's and Job's name (default wsyaml-NAME)");
  cmd->add_option("--namespace", flags->namespace_name, "metadata.namespace of both");
  cmd->add_option("-e,--env", flags->env_pairs, "NAME=VALUE for ${env.NAME}, set in the pods")
      ->allow_extra_args(false);
  cmd->callback([flags, &exit_code] { exit_code = PrintManifests(*flags); });
}

}  // namespace wsyaml::cli
