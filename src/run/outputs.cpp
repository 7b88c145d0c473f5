#include "run/outputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <system_error>

#include "metrics/html_report.h"
#include "metrics/junit.h"
#include "metrics/timeseries.h"

namespace wsyaml::run {
namespace {

namespace fs = std::filesystem;

const char* FlagOf(OutputSpec::Kind kind) {
  switch (kind) {
    case OutputSpec::Kind::kJson:
      return "--out json";
    case OutputSpec::Kind::kNdjson:
      return "--out ndjson";
    case OutputSpec::Kind::kJUnit:
      return "--junit";
    case OutputSpec::Kind::kReport:
      return "--report";
  }
  return "--out";
}

// The file's absolute, normalised path, so that `a.json` and `./a.json` are one path.
std::string Normalised(const std::string& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return path;
  fs::path canonical = fs::weakly_canonical(absolute, ec);
  return (ec ? absolute.lexically_normal() : canonical).string();
}

bool CheckOne(const OutputSpec& output, std::string* error) {
  const std::string flag = FlagOf(output.kind);
  if (output.path.empty()) {
    *error = flag + " needs a file name";
    return false;
  }
  if (output.path == "-") return true;  // standard output
  std::error_code ec;
  if (fs::is_directory(output.path, ec)) {
    *error = flag + ": " + output.path + " is a directory";
    return false;
  }
  // A terminal, a pipe or a device (/dev/stdout) is written straight: it must be writable.
  struct stat st {};
  if (stat(output.path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    if (access(output.path.c_str(), W_OK) == 0) return true;
    *error = flag + ": " + output.path + " is not writable";
    return false;
  }
  // A file is replaced by a rename in its directory (through a link: the target's).
  fs::path real = fs::weakly_canonical(output.path, ec);
  fs::path dir = (ec ? fs::path(output.path) : real).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) {
    *error = flag + ": directory " + dir.string() + " does not exist";
    return false;
  }
  if (access(dir.c_str(), W_OK | X_OK) != 0) {
    *error = flag + ": directory " + dir.string() + " is not writable";
    return false;
  }
  return true;
}

}  // namespace

bool ParseOutFlag(const std::string& flag, OutputSpec* out, std::string* error) {
  size_t eq = flag.find('=');
  std::string kind = flag.substr(0, eq);
  if (eq == std::string::npos) {
    *error = "--out expects json=FILE or ndjson=FILE, got '" + flag + "'";
    return false;
  }
  if (kind == "json") {
    out->kind = OutputSpec::Kind::kJson;
  } else if (kind == "ndjson") {
    out->kind = OutputSpec::Kind::kNdjson;
  } else {
    *error = "--out: unknown output '" + kind + "' (use json=FILE or ndjson=FILE)";
    return false;
  }
  out->path = flag.substr(eq + 1);
  if (out->path.empty()) {
    *error = "--out " + kind + "= needs a file name, e.g. " + kind + "=result." + kind;
    return false;
  }
  return true;
}

bool CheckOutputs(const std::vector<OutputSpec>& outputs, std::string* error) {
  std::set<std::string> paths;
  for (const OutputSpec& output : outputs) {
    if (!CheckOne(output, error)) return false;
    if (!paths.insert(Normalised(output.path)).second) {
      *error = std::string(FlagOf(output.kind)) + ": " + output.path +
               " is also another output's file; give each output its own";
      return false;
    }
  }
  return true;
}

bool WriteOutputs(const std::vector<OutputSpec>& outputs, const metrics::Result& result,
                  std::string* error) {
  bool ok = true;
  for (const OutputSpec& output : outputs) {
    std::string content;
    switch (output.kind) {
      case OutputSpec::Kind::kJson:
        content = metrics::FormatResultJson(result);
        break;
      case OutputSpec::Kind::kNdjson:
        content = metrics::ToNdjson(result.timeline, result.start_unix_ms);
        break;
      case OutputSpec::Kind::kJUnit:
        content = metrics::FormatJUnit(result);
        break;
      case OutputSpec::Kind::kReport:
        content = metrics::FormatHtmlReport(result);
        break;
    }
    std::string write_error;
    if (!metrics::WriteFileAtomically(output.path, content, &write_error)) {
      *error = write_error;
      ok = false;
    }
  }
  return ok;
}

}  // namespace wsyaml::run
