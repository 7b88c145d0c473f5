#include "metrics/result.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace wsyaml::metrics {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;  // keeps the written order: metadata first
using Agg = graph::Threshold::Aggregate;
using Op = graph::Threshold::Op;

constexpr const char* kAggNames[] = {"percentile", "avg", "min", "max", "med", "count", "rate"};
constexpr const char* kOpNames[] = {"<", "<=", ">", ">=", "==", "!="};

template <typename Enum, size_t N>
bool EnumFromName(const std::string& name, const char* const (&names)[N], Enum* out) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) {
      *out = static_cast<Enum>(i);
      return true;
    }
  }
  return false;
}

ojson TagsJson(const std::vector<std::pair<std::string, std::string>>& tags) {
  ojson out = ojson::object();
  for (const auto& [k, v] : tags) out[k] = v;
  return out;
}

std::vector<std::pair<std::string, std::string>> TagsFromJson(const json& j) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : j.items()) out.emplace_back(k, v.get<std::string>());
  return out;
}

ojson SeriesJson(MetricId id, const std::vector<std::pair<std::string, std::string>>& tags,
                 const Series& s) {
  const MetricInfo& info = Info(id);
  ojson j = {{"metric", info.name},
             {"type", catalog::TypeName(info.type)},
             {"tags", TagsJson(tags)},
             {"count", s.count},
             {"sum", s.sum}};
  if (info.type == MetricType::kGauge) {
    j["gauge"] = s.gauge;
    j["gauge_max"] = s.gauge_max;
  }
  if (info.type == MetricType::kTrend) {
    const Histogram& h = s.histogram;
    ojson buckets = ojson::array();
    for (const auto& b : h.Buckets()) buckets.push_back({b.low, b.count});
    j["histogram"] = {
        {"min_ns", h.Min()}, {"max_ns", h.Max()}, {"sum_ns", h.Sum()}, {"buckets", buckets}};
    // Read-only conveniences for people and other tools; FromJson ignores them.
    j["stats_us"] = {{"avg", h.Mean() / 1000},         {"min", h.Min() / 1000.0},
                     {"med", h.Percentile(50) / 1000}, {"p90", h.Percentile(90) / 1000},
                     {"p95", h.Percentile(95) / 1000}, {"p99", h.Percentile(99) / 1000},
                     {"max", h.Max() / 1000.0}};
  }
  return j;
}

ojson ThresholdJson(const ThresholdResult& r) {
  const graph::Threshold& t = r.threshold;
  return {{"metric", t.metric},
          {"filter", TagsJson(t.filter)},
          {"source", t.source},
          {"aggregate", kAggNames[static_cast<int>(t.aggregate)]},
          {"percentile", t.percentile},
          {"op", kOpNames[static_cast<int>(t.op)]},
          {"value", t.value},
          {"passed", r.passed},
          {"observed", r.observed},
          {"has_data", r.has_data},
          {"abort_on_fail", t.abort_on_fail},
          {"allow_no_samples", t.allow_no_samples},
          {"no_samples", r.no_samples},
          {"error", r.error},
          {"line", t.pos.line},
          {"column", t.pos.column}};
}

ThresholdResult ThresholdFromJson(const json& j) {
  ThresholdResult r;
  graph::Threshold& t = r.threshold;
  t.metric = j.at("metric").get<std::string>();
  t.filter = TagsFromJson(j.at("filter"));
  t.source = j.at("source").get<std::string>();
  if (!EnumFromName(j.at("aggregate").get<std::string>(), kAggNames, &t.aggregate) ||
      !EnumFromName(j.at("op").get<std::string>(), kOpNames, &t.op))
    throw std::runtime_error("threshold '" + t.source + "': unknown aggregate or op");
  t.percentile = j.at("percentile").get<double>();
  t.value = j.at("value").get<double>();
  t.abort_on_fail = j.value("abort_on_fail", false);
  t.allow_no_samples = j.value("allow_no_samples", false);
  t.pos.line = j.value("line", 0);
  t.pos.column = j.value("column", 0);
  r.passed = j.at("passed").get<bool>();
  r.observed = j.at("observed").get<double>();
  r.has_data = j.value("has_data", false);
  r.no_samples = j.value("no_samples", false);
  r.error = j.value("error", "");
  return r;
}

// Reads one series into `shard` (by re-creating its samples exactly through Merge).
void SeriesFromJson(const json& j, TagRegistry* tags, Shard* shard) {
  const std::string name = j.at("metric").get<std::string>();
  MetricId id;
  if (!FindMetric(name, &id)) throw std::runtime_error("unknown metric '" + name + "'");
  uint32_t tag_id = tags->Intern(TagsFromJson(j.at("tags")));
  Series s;
  s.count = j.at("count").get<uint64_t>();
  s.sum = j.at("sum").get<double>();
  s.gauge = j.value("gauge", 0.0);
  s.gauge_max = j.value("gauge_max", 0.0);
  if (j.contains("histogram")) {
    const json& h = j.at("histogram");
    std::vector<Histogram::Bucket> buckets;
    for (const auto& b : h.at("buckets"))
      buckets.push_back({b.at(0).get<uint64_t>(), b.at(1).get<uint64_t>()});
    if (!Histogram::FromBuckets(buckets, h.at("min_ns").get<uint64_t>(),
                                h.at("max_ns").get<uint64_t>(), h.at("sum_ns").get<double>(),
                                &s.histogram))
      throw std::runtime_error("metric '" + name + "': a bucket bound is not a bucket bound");
  }
  shard->MergeSeries(id, tag_id, s);
}

}  // namespace

ojson ToJson(const Result& r) {
  ojson series = ojson::array();
  for (const auto& [key, s] : r.shard.series())
    series.push_back(SeriesJson(key.first, r.tags.Tags(key.second), s));
  ojson checks = ojson::array();
  for (const auto& [name, c] : r.shard.checks())
    checks.push_back({{"name", name},
                      {"passes", c.passes},
                      {"fails", c.fails},
                      {"last_failure", c.last_failure}});
  ojson errors = ojson::array();
  for (const auto& [kind, e] : r.shard.errors())
    errors.push_back({{"kind", kind}, {"count", e.count}, {"example", e.example}});
  ojson thresholds = ojson::array();
  for (const auto& t : r.thresholds) thresholds.push_back(ThresholdJson(t));
  return {{"format", kResultFormat},
          {"format_version", kResultFormatVersion},
          {"wsyaml_version", r.wsyaml_version},
          {"test", {{"name", r.test_name}, {"source_file", r.source_file}}},
          {"start", IsoTime(r.start_unix_ms)},
          {"start_unix_ms", r.start_unix_ms},
          {"duration_s", r.duration_s},
          {"merged_runs", r.merged_runs},
          {"start_late_ms", r.start_late_ms},
          {"interrupted", r.interrupted},
          {"metrics", series},
          {"checks", checks},
          {"errors", errors},
          {"thresholds", thresholds},
          {"timeline", ToJson(r.timeline)}};
}

bool FromJson(const json& j, Result* out, std::string* error) {
  Result r;
  try {
    if (j.value("format", "") != kResultFormat) throw std::runtime_error("not a wsyaml result");
    if (j.at("format_version").get<int>() > kResultFormatVersion)
      throw std::runtime_error("result format version is newer than this wsyaml");
    r.wsyaml_version = j.value("wsyaml_version", "");
    r.test_name = j.at("test").value("name", "");
    r.source_file = j.at("test").value("source_file", "");
    r.start_unix_ms = j.at("start_unix_ms").get<int64_t>();
    r.duration_s = j.at("duration_s").get<double>();
    r.merged_runs = j.value("merged_runs", 1);
    r.start_late_ms = j.value("start_late_ms", int64_t{0});
    r.interrupted = j.value("interrupted", false);  // absent in files of older versions
    for (const auto& s : j.at("metrics")) SeriesFromJson(s, &r.tags, &r.shard);
    for (const auto& c : j.at("checks"))
      r.shard.MergeCheck(c.at("name").get<std::string>(),
                         {c.at("passes").get<uint64_t>(), c.at("fails").get<uint64_t>(),
                          c.value("last_failure", "")});
    for (const auto& e : j.at("errors"))
      r.shard.MergeError(e.at("kind").get<std::string>(),
                         {e.at("count").get<uint64_t>(), e.value("example", "")});
    for (const auto& t : j.at("thresholds")) r.thresholds.push_back(ThresholdFromJson(t));
    if (j.contains("timeline") && !FromJson(j.at("timeline"), &r.timeline, error)) return false;
  } catch (const std::exception& e) {
    *error = e.what();
    return false;
  }
  *out = std::move(r);
  return true;
}

void MergeResult(const Result& other, Result* into) {
  // Re-intern the other result's tag sets: tag ids are local to a registry.
  Shard remapped;
  for (const auto& [key, s] : other.shard.series())
    remapped.MergeSeries(key.first, into->tags.Intern(other.tags.Tags(key.second)), s);
  for (const auto& [name, c] : other.shard.checks()) remapped.MergeCheck(name, c);
  for (const auto& [kind, e] : other.shard.errors()) remapped.MergeError(kind, e);
  into->shard.Merge(remapped);

  const int64_t start = std::min(into->start_unix_ms, other.start_unix_ms);
  const double end_ms = std::max(into->start_unix_ms + into->duration_s * 1000,
                                 other.start_unix_ms + other.duration_s * 1000);
  TimeSeries timeline;
  timeline.Merge(into->timeline, static_cast<double>(into->start_unix_ms - start) / 1000);
  timeline.Merge(other.timeline, static_cast<double>(other.start_unix_ms - start) / 1000);
  into->timeline = std::move(timeline);
  into->start_unix_ms = start;
  into->duration_s = (end_ms - static_cast<double>(start)) / 1000;
  into->merged_runs += other.merged_runs;
  into->start_late_ms = std::max(into->start_late_ms, other.start_late_ms);
  into->interrupted = into->interrupted || other.interrupted;
  if (into->test_name.empty()) into->test_name = other.test_name;
  if (into->source_file.empty()) into->source_file = other.source_file;

  std::vector<graph::Threshold> thresholds;
  auto add_unique = [&](const ThresholdResult& r) {
    const graph::Threshold& add = r.threshold;
    for (const auto& t : thresholds)
      if (t.metric == add.metric && t.filter == add.filter && t.source == add.source) return;
    thresholds.push_back(add);
  };
  for (const auto& r : into->thresholds) add_unique(r);
  for (const auto& r : other.thresholds) add_unique(r);
  into->thresholds = EvaluateThresholds(thresholds, into->shard, into->tags, into->duration_s);
}

namespace {

bool WriteAll(int fd, const std::string& content) {
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

// Writes into what is already there: a device, a pipe or a terminal.
bool WriteStraight(const std::string& path, const std::string& content, std::string* error) {
  int fd = path == "-" ? STDOUT_FILENO : open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  bool ok = WriteAll(fd, content);
  if (!ok) *error = path + ": write failed: " + std::strerror(errno);
  if (fd != STDOUT_FILENO) close(fd);
  return ok;
}

// A temporary file beside `target`, then rename: readers see the old file or the new one.
bool WriteByRename(const std::string& path, const std::string& target, const std::string& content,
                   std::string* error) {
  std::string tmp = target + ".tmp.XXXXXX";
  int fd = mkstemp(tmp.data());
  if (fd < 0) {
    *error = path + ": cannot create a temporary file: " + std::strerror(errno);
    return false;
  }
  auto fail = [&](const char* what) {
    *error = path + ": " + what + ": " + std::strerror(errno);
    close(fd);
    unlink(tmp.c_str());
    return false;
  };
  if (!WriteAll(fd, content)) return fail("write failed");
  // mkstemp creates 0600; results are ordinary files.
  if (fchmod(fd, 0644) != 0) return fail("chmod failed");
  if (fsync(fd) != 0) return fail("fsync failed");
  if (close(fd) != 0) {
    *error = path + ": close failed: " + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) {
    *error = path + ": rename failed: " + std::strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  // Make the rename itself durable; a failure here does not undo the write.
  size_t slash = target.rfind('/');
  std::string dir = slash == std::string::npos ? "." : target.substr(0, slash + 1);
  int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return true;
}

}  // namespace

bool WriteFileAtomically(const std::string& path, const std::string& content, std::string* error) {
  struct stat st {};
  // Renaming over /dev/stdout (a link to a pipe or terminal) would replace it with a file.
  if (path == "-" || (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)))
    return WriteStraight(path, content, error);
  std::string target = path;
  struct stat link {};
  if (lstat(path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    char resolved[PATH_MAX];
    if (realpath(path.c_str(), resolved)) target = resolved;
  }
  return WriteByRename(path, target, content, error);
}

bool ReadFile(const std::string& path, std::string* content, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  *content = buf.str();
  return true;
}

std::string FormatResultJson(const Result& result) {
  ojson j = ToJson(result);
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : j.items()) {
    out += first ? "\n  " : ",\n  ";
    first = false;
    out += ojson(key).dump() + ": ";
    if (!value.is_array() || value.empty()) {
      out += value.dump();
      continue;
    }
    // One element per line: readable, diffable, and still small (no per-bucket lines).
    out += "[";
    for (size_t i = 0; i < value.size(); ++i) out += (i ? ",\n    " : "\n    ") + value[i].dump();
    out += "\n  ]";
  }
  return out + "\n}\n";
}

bool WriteResultFile(const std::string& path, const Result& result, std::string* error) {
  return WriteFileAtomically(path, FormatResultJson(result), error);
}

bool ReadResultFile(const std::string& path, Result* out, std::string* error) {
  std::string text;
  if (!ReadFile(path, &text, error)) return false;
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *error = path + ": not valid JSON";
    return false;
  }
  if (!FromJson(j, out, error)) {
    *error = path + ": " + *error;
    return false;
  }
  return true;
}

namespace {

// The top-level JSON objects in `text`, in order; what lies outside them is skipped.
std::vector<std::string_view> TopLevelObjects(std::string_view text) {
  std::vector<std::string_view> objects;
  int depth = 0;
  bool in_string = false, escaped = false;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (depth == 0) {
      if (c == '{') {
        start = i;
        depth = 1;
      }
      continue;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      objects.push_back(text.substr(start, i + 1 - start));
    }
  }
  return objects;
}

}  // namespace

bool ReadResults(const std::string& path, std::vector<Result>* out, std::string* error) {
  std::string text;
  if (!ReadFile(path, &text, error)) return false;
  std::vector<std::string_view> objects = TopLevelObjects(text);
  if (objects.empty()) {
    *error = path + ": holds no result";
    return false;
  }
  for (size_t i = 0; i < objects.size(); ++i) {
    json j = json::parse(objects[i], nullptr, /*allow_exceptions=*/false);
    Result result;
    std::string where =
        path + (objects.size() > 1 ? " (result " + std::to_string(i + 1) + ")" : "");
    if (j.is_discarded()) {
      *error = where + ": not valid JSON";
      return false;
    }
    if (!FromJson(j, &result, error)) {
      *error = where + ": " + *error;
      return false;
    }
    out->push_back(std::move(result));
  }
  return true;
}

}  // namespace wsyaml::metrics
