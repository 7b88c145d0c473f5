#include "cli/k8s_manifests.h"

#include <algorithm>
#include <cctype>

#include "metrics/timeseries.h"
#include "run/open_files.h"

namespace wsyaml::cli {
namespace {

using nlohmann::ordered_json;

constexpr size_t kConfigMapLimit = 1024 * 1024;  // Kubernetes' limit on a ConfigMap's data
constexpr char kMountPath[] = "/scenario";
// Per connection: ~9.5 KB measured for an idle connection with its VU (docs/performance.md),
// twice that for messages in flight; plus the process itself.
constexpr int64_t kBytesPerConnection = 20 * 1024;
constexpr int64_t kBaseBytes = 64 * 1024 * 1024;

bool PlainYaml(const std::string& s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '/')) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '/' &&
        c != '-')
      return false;
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  for (const char* word : {"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
    if (lower == word) return false;
  return true;
}

// A literal block keeps a multi-line text readable; any control character but tab and
// newline (or a carriage return) needs JSON's escapes instead.
bool LiteralBlockFits(const std::string& s) {
  if (s.find('\n') == std::string::npos) return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return false;
  return true;
}

std::string LiteralBlock(const std::string& s, int indent) {
  size_t trailing = s.size() - (s.find_last_not_of('\n') + 1);
  if (trailing == s.size()) trailing = s.size();
  std::string header = "|";
  // A first line that begins with a space (or is empty) would change the block's indentation.
  if (s[0] == ' ' || s[0] == '\n') header += "2";
  header += trailing == 0 ? "-" : trailing == 1 ? "" : "+";
  std::string out = header + "\n";
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    if (end == std::string::npos) end = s.size();
    std::string line = s.substr(start, end - start);
    out += line.empty() ? "\n" : std::string(indent, ' ') + line + "\n";
    start = end + 1;
  }
  out.pop_back();  // the caller ends the line
  return out;
}

std::string Scalar(const ordered_json& value, int indent) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (PlainYaml(s)) return s;
    if (LiteralBlockFits(s)) return LiteralBlock(s, indent);
  }
  return value.dump();
}

std::string Key(const std::string& key) { return PlainYaml(key) ? key : ordered_json(key).dump(); }

std::string ResourceName(const K8sRun& run) {
  std::string name = run.name.empty() ? "wsyaml-" + run.plan->name : run.name;
  std::string out;
  for (char c : name) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out += std::isalnum(static_cast<unsigned char>(lower)) ? lower : '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  if (out.size() > 52) out.resize(52);  // Job names leave room for the pods' suffixes
  return out.empty() ? "wsyaml" : out;
}

// A ConfigMap key: [-._a-zA-Z0-9]+, unique per file.
std::string FileKey(size_t index, const std::string& path) {
  std::string key = "file" + std::to_string(index) + "-";
  for (char c : path) key += std::isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '-';
  return key;
}

ordered_json Metadata(const K8sRun& run, const std::string& name) {
  ordered_json metadata = {{"name", name}};
  if (!run.namespace_name.empty()) metadata["namespace"] = run.namespace_name;
  metadata["labels"] = {{"app.kubernetes.io/name", "wsyaml"}, {"wsyaml/run", name}};
  return metadata;
}

std::string Mebibytes(int64_t bytes) {
  return std::to_string((bytes + (1 << 20) - 1) >> 20) + "Mi";
}

ordered_json Container(const K8sRun& run) {
  const std::string segments = std::to_string(run.segments);
  // Kubernetes expands $(JOB_COMPLETION_INDEX) from the pod's environment, which the Job
  // controller fills for Indexed Jobs. The result goes to stdout (the pod's log) alone.
  ordered_json args = {"run", std::string(kMountPath) + "/" + run.scenario_name, "--segment",
                       "$(JOB_COMPLETION_INDEX)/" + segments};
  if (run.start_at_unix_ms > 0) {
    args.push_back("--start-at");
    args.push_back(metrics::IsoTime(run.start_at_unix_ms));
  }
  for (const char* flag : {"--no-thresholds", "--no-summary", "-q", "--out", "result=-"})
    args.push_back(flag);
  ordered_json env = ordered_json::array();
  for (const auto& [name, value] : run.env) env.push_back({{"name", name}, {"value", value}});
  int64_t total = run::MaxConnections(*run.plan);
  int64_t per_segment = (total + run.segments - 1) / run.segments;
  int64_t memory = kBaseBytes + per_segment * kBytesPerConnection;
  ordered_json container = {
      {"name", "wsyaml"},
      {"image", run.image},
      {"args", args},
  };
  if (!env.empty()) container["env"] = env;
  container["resources"] = {
      {"requests", {{"cpu", "1"}, {"memory", Mebibytes(memory)}}},
      {"limits", {{"memory", Mebibytes(memory * 2)}}},
  };
  container["securityContext"] = {{"allowPrivilegeEscalation", false},
                                  {"readOnlyRootFilesystem", true},
                                  {"capabilities", {{"drop", {"ALL"}}}}};
  container["volumeMounts"] = {
      {{"name", "scenario"}, {"mountPath", kMountPath}, {"readOnly", true}}};
  return container;
}

}  // namespace

std::string ToYaml(const ordered_json& value, int indent) {
  const std::string pad(indent, ' ');
  std::string out;
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      out += pad + Key(key) + ":";
      if (item.is_object() && !item.empty()) {
        out += "\n" + ToYaml(item, indent + 2);
      } else if (item.is_array() && !item.empty()) {
        out += "\n" + ToYaml(item, indent + 2);
      } else if (item.is_object() || item.is_array()) {
        out += item.is_object() ? " {}\n" : " []\n";
      } else {
        out += " " + Scalar(item, indent + 2) + "\n";
      }
    }
    return out;
  }
  for (const auto& item : value) {
    if ((item.is_object() || item.is_array()) && !item.empty()) {
      std::string nested = ToYaml(item, indent + 2);
      out += pad + "- " + (item.is_object() ? nested.substr(indent + 2) : "\n" + nested);
    } else if (item.is_object() || item.is_array()) {
      out += pad + (item.is_object() ? "- {}\n" : "- []\n");
    } else {
      out += pad + "- " + Scalar(item, indent + 2) + "\n";
    }
  }
  return out;
}

bool MakeK8sManifests(const K8sRun& run, std::vector<ordered_json>* manifests, std::string* error) {
  const std::string name = ResourceName(run);
  ordered_json data = {{run.scenario_name, run.scenario_text}};
  ordered_json items = {{{"key", run.scenario_name}, {"path", run.scenario_name}}};
  size_t bytes = run.scenario_text.size();
  for (size_t i = 0; i < run.files.size(); ++i) {
    const std::string& path = run.files[i].first;
    if (path.empty() || path[0] == '/' || path.find("..") != std::string::npos) {
      *error = "'" + path + "' is outside the scenario's directory: a pod sees only the " +
               "scenario's directory (" + kMountPath + "); copy the file beside the scenario";
      return false;
    }
    std::string key = FileKey(i, path);
    data[key] = run.files[i].second;
    items.push_back({{"key", key}, {"path", path}});
    bytes += run.files[i].second.size();
  }
  if (bytes > kConfigMapLimit) {
    *error = "the scenario and its files hold " + std::to_string(bytes) +
             " bytes; a ConfigMap holds at most 1 MiB: put large data files in the image";
    return false;
  }
  manifests->push_back({{"apiVersion", "v1"},
                        {"kind", "ConfigMap"},
                        {"metadata", Metadata(run, name)},
                        {"data", data}});
  ordered_json pod = {
      {"restartPolicy", "Never"},
      {"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 65532}, {"runAsGroup", 65532}}},
      {"containers", {Container(run)}},
      {"volumes", {{{"name", "scenario"}, {"configMap", {{"name", name}, {"items", items}}}}}},
  };
  manifests->push_back(
      {{"apiVersion", "batch/v1"},
       {"kind", "Job"},
       {"metadata", Metadata(run, name)},
       {"spec",
        {{"completionMode", "Indexed"},
         {"completions", run.segments},
         {"parallelism", run.segments},
         // A failed segment fails the run: retrying it would add load the others did not see.
         {"backoffLimit", 0},
         {"template",
          {{"metadata", {{"labels", Metadata(run, name)["labels"]}}}, {"spec", pod}}}}}});
  return true;
}

std::string FormatK8sYaml(const K8sRun& run, const std::vector<ordered_json>& manifests) {
  const std::string name = ResourceName(run);
  const std::string ns = run.namespace_name.empty() ? "" : " -n " + run.namespace_name;
  std::string out =
      "# wsyaml k8s: " + run.scenario_name + " as " + std::to_string(run.segments) +
      " segments (an Indexed Job; pod i runs --segment i/" + std::to_string(run.segments) +
      ").\n"
      "#   kubectl apply" +
      ns +
      " -f THIS_FILE\n"
      "#   kubectl wait" +
      ns + " --for=condition=complete job/" + name +
      " --timeout=1h\n"
      "#   kubectl logs" +
      ns + " -l job-name=" + name +
      " --tail=-1 --max-log-requests=" + std::to_string(std::max(run.segments, 5)) + " > " + name +
      "-results.txt\n"
      "#   wsyaml merge " +
      name + "-results.txt --scenario " + run.scenario_name +
      "   # the whole run's summary and exit code (99: thresholds failed)\n"
      "# Each pod prints its result (--out result=-) as its log; merge reads them all from the\n"
      "# one file. Open files: a segment needs one per connection; wsyaml raises its soft\n"
      "# limit to the hard limit the container runtime gives (containerd and CRI-O: 1048576),\n"
      "# and says so at the start when that is not enough.\n";
  for (const ordered_json& manifest : manifests) out += "---\n" + ToYaml(manifest);
  return out;
}

}  // namespace wsyaml::cli
