// Plain values: durations, duration ranges, the process environment.
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenario/context.h"

extern char** environ;

namespace wsyaml::scenario {

namespace {

constexpr std::string_view kUnitHint = "add a unit, e.g. 500ms, 2s, 1m30s";

// Microseconds per unit, or 0 when `unit` is not a duration unit.
int64_t UnitMicros(std::string_view unit) {
  if (unit == "us" || unit == "µs") return 1;
  if (unit == "ms") return 1000;
  if (unit == "s") return 1000 * 1000;
  if (unit == "m") return 60LL * 1000 * 1000;
  if (unit == "h") return 3600LL * 1000 * 1000;
  return 0;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<graph::Micros> ParseDuration(std::string_view text, std::string* error) {
  std::string_view s = Trim(text);
  if (s.empty()) {
    if (error) *error = "expected a duration like 2s, got nothing";
    return std::nullopt;
  }
  double total = 0;
  bool any_unit = false;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (start == i) {
      if (error) *error = "expected a duration like 2s, got \"" + std::string(s) + "\"";
      return std::nullopt;
    }
    std::string number(s.substr(start, i - start));
    size_t unit_start = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    if (unit.empty()) {
      if (error)
        *error = any_unit ? "expected a duration like 1m30s, got \"" + std::string(s) + "\""
                          : "duration \"" + std::string(s) + "\" has no unit";
      return std::nullopt;
    }
    int64_t micros = UnitMicros(unit);
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (micros == 0 || end != number.c_str() + number.size()) {
      if (error) *error = "expected a duration like 2s, got \"" + std::string(s) + "\"";
      return std::nullopt;
    }
    total += value * static_cast<double>(micros);
    any_unit = true;
  }
  if (total > 1e15) {
    if (error) *error = "duration \"" + std::string(s) + "\" is too long";
    return std::nullopt;
  }
  return graph::Micros(static_cast<int64_t>(total + 0.5));
}

bool ParseDurationRange(std::string_view text, graph::DurationRange* range, std::string* error,
                        std::string* hint) {
  std::string_view s = Trim(text);
  size_t dots = s.find("..");
  std::string_view low = dots == std::string_view::npos ? s : s.substr(0, dots);
  std::string_view high = dots == std::string_view::npos ? s : s.substr(dots + 2);
  auto min = ParseDuration(low, error);
  auto max = min ? ParseDuration(high, error) : std::nullopt;
  if (!min || !max) {
    if (error->find("no unit") != std::string::npos) *hint = std::string(kUnitHint);
    return false;
  }
  if (*min > *max) {
    *error = "range \"" + std::string(s) + "\" has min > max";
    *hint = "write the smaller duration first, e.g. 2s..8s";
    return false;
  }
  range->min = *min;
  range->max = *max;
  return true;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

bool ReadSmallFile(const std::string& path, std::string* content, std::string* error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    *error = ec || !std::filesystem::exists(path, ec) ? "no such file" : "not a regular file";
    return false;
  }
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes) {
    *error = ec ? ec.message() : "larger than 64 MiB";
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (!in || !(text << in.rdbuf()) || !in.good()) {
    // An empty file makes operator<< fail without being an error.
    if (in && size == 0) {
      content->clear();
      return true;
    }
    *error = "cannot read it";
    return false;
  }
  *content = text.str();
  return true;
}

bool OverlayEnvPairs(const std::vector<std::string>& pairs, std::map<std::string, std::string>* env,
                     std::string* error) {
  for (const auto& pair : pairs) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      *error = "-e expects NAME=VALUE, got '" + pair + "'";
      return false;
    }
    (*env)[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return true;
}

}  // namespace wsyaml::scenario
