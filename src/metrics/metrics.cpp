#include "metrics/metrics.h"

#include <algorithm>

namespace wsyaml::metrics {

TagRegistry::TagRegistry(const TagRegistry& other) {
  std::lock_guard<std::mutex> lock(other.mutex_);
  ids_ = other.ids_;
  sets_ = other.sets_;
}

TagRegistry& TagRegistry::operator=(const TagRegistry& other) {
  if (this == &other) return *this;
  std::scoped_lock lock(mutex_, other.mutex_);
  ids_ = other.ids_;
  sets_ = other.sets_;
  return *this;
}

size_t TagRegistry::Size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return sets_.size();
}

uint32_t TagRegistry::Intern(std::vector<std::pair<std::string, std::string>> tags) {
  std::stable_sort(tags.begin(), tags.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = ids_.find(tags);
  if (it != ids_.end()) return it->second;
  if (tags.empty()) return 0;
  uint32_t id = static_cast<uint32_t>(sets_.size());
  sets_.push_back(tags);
  ids_.emplace(std::move(tags), id);
  return id;
}

std::vector<std::pair<std::string, std::string>> TagRegistry::Tags(uint32_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (id >= sets_.size()) return {};
  return sets_[id];
}

Series& Shard::At(MetricId id, uint32_t tags) { return series_[{id, tags}]; }

void Shard::Add(MetricId id, double value, uint32_t tags) { Add(&At(id, tags), value); }

void Shard::Record(MetricId id, std::chrono::nanoseconds value, uint32_t tags) {
  Series& s = At(id, tags);
  uint64_t ns = value.count() < 0 ? 0 : static_cast<uint64_t>(value.count());
  s.count += 1;
  s.sum += static_cast<double>(ns) / 1000.0;
  s.histogram.Record(ns);
}

void Shard::Move(MetricId id, double delta, uint32_t tags) {
  Series& s = At(id, tags);
  s.count += 1;
  s.gauge += delta;
  s.gauge_max = std::max(s.gauge_max, s.gauge);
}

void Shard::Check(const std::string& name, bool passed, const std::string& failure) {
  CheckCounts& c = checks_[name];
  if (passed) {
    c.passes += 1;
  } else {
    c.fails += 1;
    if (!failure.empty()) c.last_failure = failure;
  }
  Series& rate = At(MetricId::kChecks, 0);
  rate.count += 1;
  rate.sum += passed ? 1 : 0;
}

void Shard::Error(const std::string& kind, const std::string& message, uint32_t tags) {
  ErrorCounts& e = errors_[kind];
  e.count += 1;
  if (e.example.empty()) e.example = message;
  Add(MetricId::kWsErrors, 1, tags);
}

void Shard::MergeSeries(MetricId id, uint32_t tags, const Series& theirs) {
  Series& mine = At(id, tags);
  mine.count += theirs.count;
  mine.sum += theirs.sum;
  // Shards run side by side (threads, processes): their gauges add up. The sum of the
  // maxima is an upper bound of the true combined maximum.
  mine.gauge += theirs.gauge;
  mine.gauge_max += theirs.gauge_max;
  mine.histogram.Merge(theirs.histogram);
}

void Shard::MergeCheck(const std::string& name, const CheckCounts& theirs) {
  CheckCounts& mine = checks_[name];
  mine.passes += theirs.passes;
  mine.fails += theirs.fails;
  if (mine.last_failure.empty()) mine.last_failure = theirs.last_failure;
}

void Shard::MergeError(const std::string& kind, const ErrorCounts& theirs) {
  ErrorCounts& mine = errors_[kind];
  mine.count += theirs.count;
  if (mine.example.empty()) mine.example = theirs.example;
}

void Shard::Merge(const Shard& other) {
  for (const auto& [key, theirs] : other.series_) MergeSeries(key.first, key.second, theirs);
  for (const auto& [name, theirs] : other.checks_) MergeCheck(name, theirs);
  for (const auto& [kind, theirs] : other.errors_) MergeError(kind, theirs);
}

Shard Shard::Since(const Shard& earlier) const {
  Shard delta;
  for (const auto& [key, now] : series_) {
    auto before = earlier.series_.find(key);
    const Series* old = before == earlier.series_.end() ? nullptr : &before->second;
    if (Info(key.first).type == MetricType::kGauge) {
      delta.series_.emplace(key, now);
      continue;
    }
    if (old && now.count <= old->count) continue;
    Series& d = delta.series_[key];
    d.count = now.count - (old ? old->count : 0);
    d.sum = now.sum - (old ? old->sum : 0);
    if (now.histogram.Count() > 0)
      d.histogram = old ? now.histogram.Since(old->histogram) : now.histogram;
  }
  for (const auto& [name, now] : checks_) {
    auto before = earlier.checks_.find(name);
    CheckCounts d = now;
    if (before != earlier.checks_.end()) {
      d.passes -= before->second.passes;
      d.fails -= before->second.fails;
    }
    if (d.passes + d.fails > 0) delta.checks_.emplace(name, std::move(d));
  }
  for (const auto& [kind, now] : errors_) {
    auto before = earlier.errors_.find(kind);
    ErrorCounts d = now;
    if (before != earlier.errors_.end()) d.count -= before->second.count;
    if (d.count > 0) delta.errors_.emplace(kind, std::move(d));
  }
  return delta;
}

}  // namespace wsyaml::metrics
