#include "engine/worker_context.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "metrics/format.h"

namespace wsyaml::engine {

void Logger::Line(Level level, int vu, int conn, const std::string& text) {
  static std::mutex mutex;
  static constexpr const char* kLevels[] = {"debug", "info", "warn", "error"};
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  int millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%H:%M:%S", &tm);
  char who[48] = "";
  if (vu > 0 && conn >= 0) {
    std::snprintf(who, sizeof who, " [vu %d conn %d]", vu, conn);
  } else if (vu > 0) {
    std::snprintf(who, sizeof who, " [vu %d]", vu);
  }
  const std::string safe = metrics::EscapeControls(text, true);  // no server ESC/NUL on a tty
  std::lock_guard<std::mutex> lock(mutex);
  std::fprintf(stderr, "%s.%03d %-5s%s %s\n", stamp, millis, kLevels[static_cast<int>(level)], who,
               safe.c_str());
}

std::string MaskSecrets(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
      text.replace(at, secret.size(), "***");
  }
  return text;
}

uint32_t WorkerContext::RenderedTags(const graph::Scenario& scenario, const graph::Tags& rendered) {
  graph::Tags key = rendered;
  key.emplace_back("scenario", scenario.name);
  auto it = rendered_tag_cache.find(key);
  if (it != rendered_tag_cache.end()) return it->second;
  std::vector<std::pair<std::string, std::string>> all;
  all.emplace_back("scenario", scenario.name.empty() ? "default" : scenario.name);
  for (const auto& tag : scenario.tags) all.push_back(tag);
  for (const auto& tag : rendered) all.push_back(tag);
  uint32_t id = tags->Intern(std::move(all));
  rendered_tag_cache.emplace(std::move(key), id);
  return id;
}

uint32_t WorkerContext::WithTag(uint32_t base, const std::string& key, const std::string& value) {
  auto cache_key = std::make_pair(base, key + "=" + value);
  auto it = error_tag_cache.find(cache_key);
  if (it != error_tag_cache.end()) return it->second;
  std::vector<std::pair<std::string, std::string>> all = tags->Tags(base);
  all.emplace_back(key, value);
  uint32_t id = tags->Intern(std::move(all));
  error_tag_cache.emplace(cache_key, id);
  return id;
}

std::string ErrorLabel(ErrorKind kind, int http_status) {
  std::string label = ErrorKindName(kind);
  if (http_status != 0) label += " " + std::to_string(http_status);
  return label;
}

uint32_t WorkerContext::ErrorTags(uint32_t base, ErrorKind kind, int http_status) {
  uint32_t tags = WithTag(base, "kind", ErrorKindName(kind));
  if (http_status == 0) return tags;
  return WithTag(tags, "status", std::to_string(http_status));
}

uint32_t WorkerContext::TagsFor(const void* key, const graph::Scenario& scenario,
                                const graph::Tags& step_tags, const std::string& name) {
  auto it = tag_cache.find(key);
  if (it != tag_cache.end()) return it->second;
  std::vector<std::pair<std::string, std::string>> all;
  all.emplace_back("scenario", scenario.name.empty() ? "default" : scenario.name);
  for (const auto& tag : scenario.tags) all.push_back(tag);
  for (const auto& tag : step_tags) all.push_back(tag);
  if (!name.empty()) all.emplace_back("name", name);
  uint32_t id = tags->Intern(std::move(all));
  tag_cache.emplace(key, id);
  return id;
}

}  // namespace wsyaml::engine
