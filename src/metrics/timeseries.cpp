#include "metrics/timeseries.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>

namespace wsyaml::metrics {

namespace {

LatencyPoint LatencyOf(const Histogram& h) {
  return {h.Count(), h.Percentile(50) / 1000, h.Percentile(95) / 1000, h.Percentile(99) / 1000};
}

// The TimelineTagKeys of a tag set's values of kTimelineTags.
std::vector<std::string> Shares(const std::vector<std::pair<std::string, std::string>>& tags) {
  std::vector<std::string> out;
  for (const auto& [key, value] : tags)
    for (const char* wanted : kTimelineTags)
      if (key == wanted) out.push_back(TimelineTagKey(key, value));
  return out;
}

// The point of an interval (a Shard::Since): totals, per tag value shares, errors, checks.
TimePoint PointOf(const Shard& interval, const TagRegistry* tags) {
  TimePoint point;
  std::map<std::string, Histogram> trends;
  std::map<std::pair<std::string, std::string>, Histogram> tagged_trends;
  for (const auto& [key, s] : interval.series()) {
    const MetricInfo& info = Info(key.first);
    std::vector<std::string> shares;
    if (tags != nullptr && key.second != 0) shares = Shares(tags->Tags(key.second));
    switch (info.type) {
      case MetricType::kCounter:
        point.counters[info.name] += s.sum;
        for (const auto& share : shares) point.tagged[share].counters[info.name] += s.sum;
        break;
      case MetricType::kGauge:
        point.gauges[info.name] += s.gauge;
        break;
      case MetricType::kTrend:
        if (s.histogram.Count() == 0) break;
        trends[info.name].Merge(s.histogram);
        for (const auto& share : shares) tagged_trends[{share, info.name}].Merge(s.histogram);
        break;
      case MetricType::kRate:
        break;
    }
  }
  for (const auto& [name, h] : trends) point.trends[name] = LatencyOf(h);
  for (const auto& [key, h] : tagged_trends)
    point.tagged[key.first].trends[key.second] = LatencyOf(h);
  for (const auto& [kind, e] : interval.errors()) point.errors[kind] = e.count;
  for (const auto& [name, c] : interval.checks()) point.checks[name] = {c.passes, c.fails};
  return point;
}

void AddLatency(const LatencyPoint& theirs, LatencyPoint* mine) {
  mine->count += theirs.count;
  mine->p50 = std::max(mine->p50, theirs.p50);
  mine->p95 = std::max(mine->p95, theirs.p95);
  mine->p99 = std::max(mine->p99, theirs.p99);
}

void AddCounters(const std::map<std::string, double>& theirs, std::map<std::string, double>* mine) {
  for (const auto& [name, v] : theirs) (*mine)[name] += v;
}

void AddPoint(const TimePoint& theirs, TimePoint* mine) {
  AddCounters(theirs.counters, &mine->counters);
  AddCounters(theirs.gauges, &mine->gauges);
  for (const auto& [name, l] : theirs.trends) AddLatency(l, &mine->trends[name]);
  for (const auto& [share, t] : theirs.tagged) {
    TaggedPoint& m = mine->tagged[share];
    AddCounters(t.counters, &m.counters);
    for (const auto& [name, l] : t.trends) AddLatency(l, &m.trends[name]);
  }
  for (const auto& [kind, n] : theirs.errors) mine->errors[kind] += n;
  for (const auto& [name, c] : theirs.checks) {
    mine->checks[name].passes += c.passes;
    mine->checks[name].fails += c.fails;
  }
}

// One point for two neighbours in time: `earlier` extended by `later`.
void Extend(const TimePoint& later, TimePoint* earlier) {
  AddPoint(later, earlier);
  earlier->gauges = later.gauges;  // a gauge is the value at the end, not a sum
  earlier->elapsed_s = later.elapsed_s;
  earlier->interval_s += later.interval_s;
}

}  // namespace

std::string TimelineTagKey(const std::string& key, const std::string& value) {
  return key + "=" + value;
}

void TimeSeries::Sample(double elapsed_s, const Shard& cumulative, const TagRegistry* tags) {
  if (!points_.empty() && elapsed_s - last_elapsed_s_ < kMinInterval) {
    // A sliver (e.g. the final sample right after a tick) would show absurd per-second rates:
    // fold it into the previous point by recomputing that point over both intervals.
    points_.pop_back();
    last_elapsed_s_ = before_elapsed_s_;
    last_ = std::move(before_);
  }
  TimePoint point = PointOf(cumulative.Since(last_), tags);
  point.elapsed_s = elapsed_s;
  point.interval_s = elapsed_s - last_elapsed_s_;
  before_elapsed_s_ = last_elapsed_s_;
  before_ = std::move(last_);
  last_elapsed_s_ = elapsed_s;
  last_ = cumulative;
  points_.push_back(std::move(point));
  if (points_.size() > kMaxPoints) Coarsen();
}

void TimeSeries::Coarsen() {
  const size_t newest = points_.size() - 1;
  size_t kept = 0;
  for (size_t i = 0; i < newest; i += 2) {
    TimePoint joined = std::move(points_[i]);
    if (i + 1 < newest) Extend(points_[i + 1], &joined);
    points_[kept++] = std::move(joined);
  }
  points_[kept++] = std::move(points_[newest]);
  points_.resize(kept);
}

bool TimeSeries::GaugeRange(const std::string& name, double* min, double* max) const {
  bool seen = false;
  for (const auto& p : points_) {
    auto it = p.gauges.find(name);
    if (it == p.gauges.end()) continue;
    *min = seen ? std::min(*min, it->second) : it->second;
    *max = seen ? std::max(*max, it->second) : it->second;
    seen = true;
  }
  return seen;
}

void TimeSeries::Merge(const TimeSeries& other, double offset_s) {
  std::map<long, TimePoint> by_second;
  for (const auto& p : points_) by_second[std::lround(p.elapsed_s)] = p;
  for (const auto& theirs : other.points_) {
    long key = std::lround(theirs.elapsed_s + offset_s);
    auto [it, inserted] = by_second.try_emplace(key, theirs);
    if (inserted)
      it->second.elapsed_s = theirs.elapsed_s + offset_s;
    else
      AddPoint(theirs, &it->second);
  }
  points_.clear();
  for (auto& [key, p] : by_second) points_.push_back(std::move(p));
}

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string IsoTime(int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return buf;
}

namespace {

nlohmann::ordered_json TrendsJson(const std::map<std::string, LatencyPoint>& trends) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& [name, l] : trends)
    out[name] = {{"count", l.count}, {"p50", l.p50}, {"p95", l.p95}, {"p99", l.p99}};
  return out;
}

std::map<std::string, LatencyPoint> TrendsFromJson(const nlohmann::json& json) {
  std::map<std::string, LatencyPoint> out;
  for (const auto& [name, l] : json.items())
    out[name] = {l.at("count").get<uint64_t>(), l.at("p50").get<double>(),
                 l.at("p95").get<double>(), l.at("p99").get<double>()};
  return out;
}

// The fields added after the first format: written only when not empty, optional to read.
void ExtrasToJson(const TimePoint& p, nlohmann::ordered_json* out) {
  if (!p.tagged.empty()) {
    nlohmann::ordered_json tagged = nlohmann::ordered_json::object();
    for (const auto& [share, t] : p.tagged)
      tagged[share] = {{"counters", t.counters}, {"trends", TrendsJson(t.trends)}};
    (*out)["tagged"] = std::move(tagged);
  }
  if (!p.errors.empty()) (*out)["errors"] = p.errors;
  if (!p.checks.empty()) {
    nlohmann::ordered_json checks = nlohmann::ordered_json::object();
    for (const auto& [name, c] : p.checks)
      checks[name] = {{"passes", c.passes}, {"fails", c.fails}};
    (*out)["checks"] = std::move(checks);
  }
}

void ExtrasFromJson(const nlohmann::json& j, TimePoint* p) {
  // Named copies: iterating items() of a temporary would outlive it.
  const nlohmann::json tagged_json = j.value("tagged", nlohmann::json::object());
  const nlohmann::json checks_json = j.value("checks", nlohmann::json::object());
  for (const auto& [share, t] : tagged_json.items()) {
    TaggedPoint& tagged = p->tagged[share];
    tagged.counters = t.value("counters", std::map<std::string, double>{});
    tagged.trends = TrendsFromJson(t.value("trends", nlohmann::json::object()));
  }
  p->errors = j.value("errors", std::map<std::string, uint64_t>{});
  for (const auto& [name, c] : checks_json.items())
    p->checks[name] = {c.at("passes").get<uint64_t>(), c.at("fails").get<uint64_t>()};
}

}  // namespace

nlohmann::ordered_json ToJson(const TimeSeries& series) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& p : series.points()) {
    nlohmann::ordered_json point = {{"elapsed_s", p.elapsed_s},
                                    {"interval_s", p.interval_s},
                                    {"counters", p.counters},
                                    {"gauges", p.gauges},
                                    {"trends", TrendsJson(p.trends)}};
    ExtrasToJson(p, &point);
    out.push_back(std::move(point));
  }
  return out;
}

bool FromJson(const nlohmann::json& json, TimeSeries* out, std::string* error) {
  if (!json.is_array()) {
    *error = "timeline: expected an array";
    return false;
  }
  try {
    for (const auto& j : json) {
      TimePoint p;
      p.elapsed_s = j.at("elapsed_s").get<double>();
      p.interval_s = j.value("interval_s", 1.0);
      p.counters = j.value("counters", std::map<std::string, double>{});
      p.gauges = j.value("gauges", std::map<std::string, double>{});
      p.trends = TrendsFromJson(j.value("trends", nlohmann::json::object()));
      ExtrasFromJson(j, &p);
      out->Add(std::move(p));
    }
  } catch (const nlohmann::json::exception& e) {
    *error = std::string("timeline: ") + e.what();
    return false;
  }
  return true;
}

}  // namespace wsyaml::metrics
