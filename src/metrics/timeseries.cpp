#include "metrics/timeseries.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace wsyaml::metrics {

void TimeSeries::Sample(double elapsed_s, const Shard& cumulative) {
  if (!points_.empty() && elapsed_s - last_elapsed_s_ < kMinInterval) {
    // A sliver (e.g. the final sample right after a tick) would show absurd per-second rates:
    // fold it into the previous point by recomputing that point over both intervals.
    points_.pop_back();
    last_elapsed_s_ = before_elapsed_s_;
    last_counters_ = before_counters_;
    last_trends_ = before_trends_;
  }
  before_elapsed_s_ = last_elapsed_s_;
  before_counters_ = last_counters_;
  before_trends_ = last_trends_;
  TimePoint point;
  point.elapsed_s = elapsed_s;
  point.interval_s = elapsed_s - last_elapsed_s_;
  last_elapsed_s_ = elapsed_s;
  std::map<MetricId, double> counters;
  std::map<MetricId, Histogram> trends;
  for (const auto& [key, s] : cumulative.series()) {
    const MetricInfo& info = Info(key.first);
    switch (info.type) {
      case MetricType::kCounter:
        counters[key.first] += s.sum;
        break;
      case MetricType::kGauge:
        point.gauges[info.name] += s.gauge;
        break;
      case MetricType::kTrend:
        trends[key.first].Merge(s.histogram);
        break;
      case MetricType::kRate:
        break;
    }
  }
  for (const auto& [id, sum] : counters) point.counters[Info(id).name] = sum - last_counters_[id];
  for (const auto& [id, h] : trends) {
    Histogram delta = h.Since(last_trends_[id]);
    if (delta.Count() == 0) continue;
    point.trends[Info(id).name] = {delta.Count(), delta.Percentile(50) / 1000,
                                   delta.Percentile(95) / 1000, delta.Percentile(99) / 1000};
  }
  last_counters_ = std::move(counters);
  last_trends_ = std::move(trends);
  points_.push_back(std::move(point));
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
    TimePoint& mine = it->second;
    if (inserted) {
      mine.elapsed_s = theirs.elapsed_s + offset_s;
      continue;
    }
    for (const auto& [name, v] : theirs.counters) mine.counters[name] += v;
    for (const auto& [name, v] : theirs.gauges) mine.gauges[name] += v;
    for (const auto& [name, l] : theirs.trends) {
      LatencyPoint& m = mine.trends[name];
      m.count += l.count;
      m.p50 = std::max(m.p50, l.p50);
      m.p95 = std::max(m.p95, l.p95);
      m.p99 = std::max(m.p99, l.p99);
    }
  }
  points_.clear();
  for (auto& [key, p] : by_second) points_.push_back(std::move(p));
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

std::string NdjsonLines(const TimePoint& point, int64_t start_unix_ms) {
  const std::string time =
      IsoTime(start_unix_ms + static_cast<int64_t>(std::llround(point.elapsed_s * 1000)));
  auto base = [&](const std::string& metric, const char* type) {
    nlohmann::ordered_json j;
    j["time"] = time;
    j["elapsed_s"] = point.elapsed_s;
    j["metric"] = metric;
    j["type"] = type;
    return j;
  };
  std::string out;
  for (const auto& [name, v] : point.counters) {
    nlohmann::ordered_json j = base(name, "counter");
    j["value"] = v;
    j["rate"] = point.interval_s > 0 ? v / point.interval_s : 0;
    out += j.dump() + "\n";
  }
  for (const auto& [name, v] : point.gauges) {
    nlohmann::ordered_json j = base(name, "gauge");
    j["value"] = v;
    out += j.dump() + "\n";
  }
  for (const auto& [name, l] : point.trends) {
    nlohmann::ordered_json j = base(name, "trend");
    j["count"] = l.count;
    j["p50_us"] = l.p50;
    j["p95_us"] = l.p95;
    j["p99_us"] = l.p99;
    out += j.dump() + "\n";
  }
  return out;
}

std::string ToNdjson(const TimeSeries& series, int64_t start_unix_ms) {
  std::string out;
  for (const auto& p : series.points()) out += NdjsonLines(p, start_unix_ms);
  return out;
}

nlohmann::ordered_json ToJson(const TimeSeries& series) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& p : series.points()) {
    nlohmann::ordered_json trends = nlohmann::ordered_json::object();
    for (const auto& [name, l] : p.trends)
      trends[name] = {{"count", l.count}, {"p50", l.p50}, {"p95", l.p95}, {"p99", l.p99}};
    out.push_back({{"elapsed_s", p.elapsed_s},
                   {"interval_s", p.interval_s},
                   {"counters", p.counters},
                   {"gauges", p.gauges},
                   {"trends", trends}});
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
      const nlohmann::json trends = j.value("trends", nlohmann::json::object());
      for (const auto& [name, l] : trends.items()) {
        p.trends[name] = {l.at("count").get<uint64_t>(), l.at("p50").get<double>(),
                          l.at("p95").get<double>(), l.at("p99").get<double>()};
      }
      out->Add(std::move(p));
    }
  } catch (const nlohmann::json::exception& e) {
    *error = std::string("timeline: ") + e.what();
    return false;
  }
  return true;
}

}  // namespace wsyaml::metrics
