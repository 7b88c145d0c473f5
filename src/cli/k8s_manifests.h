// `wsyaml k8s`: the Kubernetes manifests of a distributed run — a ConfigMap with the scenario
// and the files it reads, and an Indexed Job whose pod i runs `--segment i/N` — printed as YAML.
// No operator: plain ConfigMap and Job (batch/v1, completionMode Indexed).
// Threading: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "graph/graph.h"

namespace wsyaml::cli {

/// What the manifests are made from.
struct K8sRun {
  std::string scenario_name;  ///< the scenario file's base name, e.g. chat.yaml
  std::string scenario_text;  ///< its content
  /// Files it reads (data, payload, TLS), as written in it, with their content.
  std::vector<std::pair<std::string, std::string>> files;
  const graph::TestPlan* plan = nullptr;  ///< compiled, for the name and the connections
  int segments = 1;                       ///< N: pods, one segment each
  std::string image = "wsyaml:0.1.0";
  /// --start-at for every segment, ms since the Unix epoch; 0: each starts when scheduled.
  int64_t start_at_unix_ms = 0;
  std::string name;                                      ///< resource name; default from the plan
  std::string namespace_name;                            ///< metadata.namespace; empty: none
  std::vector<std::pair<std::string, std::string>> env;  ///< -e NAME=VALUE for the scenario
};

/// The ConfigMap and the Job, in apply order. False with *error when a file cannot travel
/// (outside the scenario's directory) or the ConfigMap would pass Kubernetes' 1 MiB limit.
bool MakeK8sManifests(const K8sRun& run, std::vector<nlohmann::ordered_json>* manifests,
                      std::string* error);

/// The manifests as one YAML stream, with a header comment saying how to apply, collect and
/// merge (the collect and merge commands name the Job).
std::string FormatK8sYaml(const K8sRun& run, const std::vector<nlohmann::ordered_json>& manifests);

/// `value` as YAML at `indent` spaces (a block mapping or sequence; scalars as JSON, which
/// is YAML; multi-line strings as literal blocks).
std::string ToYaml(const nlohmann::ordered_json& value, int indent = 0);

}  // namespace wsyaml::cli
