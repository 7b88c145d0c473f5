#include "outputs/dashboard_update.h"

#include <algorithm>
#include <map>
#include <utility>

#include <nlohmann/json.hpp>

namespace wsyaml::outputs {
namespace {

using metrics::MetricId;
using metrics::MetricType;
using nlohmann::ordered_json;

constexpr double kMsPerMicro = 1e-3;
constexpr double kMsPerNano = 1e-6;

// One trend metric under one `name` tag value, other tags (scenario, ...) merged.
using TrendKey = std::pair<MetricId, std::string>;

std::string NameTag(const metrics::TagRegistry& tags, uint32_t id) {
  for (const auto& [key, value] : tags.Tags(id))
    if (key == "name") return value;
  return "";
}

std::map<TrendKey, metrics::Histogram> TrendsByName(const metrics::Shard& shard,
                                                    const metrics::TagRegistry& tags) {
  std::map<TrendKey, metrics::Histogram> out;
  for (const auto& [key, series] : shard.series()) {
    if (metrics::Info(key.first).type != MetricType::kTrend || series.histogram.Count() == 0)
      continue;
    out[{key.first, NameTag(tags, key.second)}].Merge(series.histogram);
  }
  return out;
}

ordered_json Percentiles(const metrics::Histogram& histogram) {
  return {{"count", histogram.Count()},
          {"p50_ms", histogram.Percentile(50) * kMsPerNano},
          {"p95_ms", histogram.Percentile(95) * kMsPerNano},
          {"p99_ms", histogram.Percentile(99) * kMsPerNano}};
}

ordered_json Trends(const Snapshot& s) {
  std::map<TrendKey, metrics::Histogram> total = TrendsByName(*s.cumulative, *s.tags);
  std::map<TrendKey, metrics::Histogram> interval = TrendsByName(*s.interval, *s.tags);
  ordered_json out = ordered_json::array();
  for (const auto& [key, histogram] : total) {
    ordered_json trend = {{"metric", metrics::Info(key.first).name}, {"name", key.second}};
    trend.update(Percentiles(histogram));
    auto now = interval.find(key);
    trend["interval"] = Percentiles(now == interval.end() ? metrics::Histogram() : now->second);
    out.push_back(std::move(trend));
  }
  return out;
}

// Sums of each counter over its tag sets.
std::map<MetricId, double> CounterSums(const metrics::Shard& shard) {
  std::map<MetricId, double> sums;
  for (const auto& [key, series] : shard.series())
    if (metrics::Info(key.first).type == MetricType::kCounter) sums[key.first] += series.sum;
  return sums;
}

ordered_json Counters(const Snapshot& s) {
  std::map<MetricId, double> total = CounterSums(*s.cumulative);
  std::map<MetricId, double> interval = CounterSums(*s.interval);
  ordered_json out = ordered_json::object();
  for (const auto& [id, sum] : total) {
    double added = interval.count(id) ? interval[id] : 0;
    out[metrics::Info(id).name] = {{"total", sum},
                                   {"per_s", s.interval_s > 0 ? added / s.interval_s : 0}};
  }
  return out;
}

// Gauges now, summed over their tags. vus_max is known only at the end of a run (the VUs
// allocated); until then it is the most VUs seen so far, as the summary's `vus max=`.
ordered_json Gauges(const Snapshot& s) {
  std::map<MetricId, metrics::Series> gauges;
  for (const auto& [key, series] : s.cumulative->series()) {
    if (metrics::Info(key.first).type != MetricType::kGauge) continue;
    gauges[key.first].gauge += series.gauge;
    gauges[key.first].gauge_max += series.gauge_max;
  }
  return {{"vus", gauges[MetricId::kVus].gauge},
          {"vus_max", std::max(gauges[MetricId::kVusMax].gauge, gauges[MetricId::kVus].gauge_max)},
          {"open_sockets", gauges[MetricId::kWsOpen].gauge}};
}

ordered_json Errors(const Snapshot& s) {
  ordered_json out = ordered_json::array();
  for (const auto& [kind, counts] : s.cumulative->errors()) {
    auto now = s.interval->errors().find(kind);
    out.push_back({{"kind", kind},
                   {"total", counts.count},
                   {"interval", now == s.interval->errors().end() ? 0 : now->second.count}});
  }
  return out;
}

ordered_json Checks(const Snapshot& s) {
  ordered_json out = ordered_json::array();
  for (const auto& [name, counts] : s.cumulative->checks())
    out.push_back({{"name", name}, {"passes", counts.passes}, {"fails", counts.fails}});
  return out;
}

ordered_json Thresholds(const Snapshot& s) {
  ordered_json out = ordered_json::array();
  if (!s.thresholds) return out;
  for (const metrics::ThresholdResult& r : *s.thresholds) {
    MetricId id{};
    const bool micros = metrics::FindMetric(r.threshold.metric, &id) &&
                        metrics::Info(id).unit == metrics::Unit::kMicros;
    out.push_back({{"target", metrics::ThresholdTarget(r.threshold)},
                   {"source", r.threshold.source},
                   {"passed", r.passed},
                   {"has_data", r.has_data},
                   {"observed", micros ? r.observed * kMsPerMicro : r.observed},
                   {"unit", micros ? "ms" : ""}});
  }
  return out;
}

// What the page charts for this second, kept by the sink for pages that open later: series
// name (its chart's prefix, then the line) -> value.
ordered_json Chart(const ordered_json& u) {
  ordered_json chart = {{"load:VUs", u["vus"]}, {"load:open sockets", u["open_sockets"]}};
  const ordered_json& counters = u["counters"];
  auto per_s = [&counters](const char* name) {
    return counters.contains(name) ? counters[name]["per_s"] : ordered_json(0);
  };
  chart["msgs:out"] = per_s("ws_msgs_sent");
  chart["msgs:in"] = per_s("ws_msgs_received");
  for (const ordered_json& t : u["trends"]) {
    if (t["metric"] != "ws_reply_time") continue;
    const std::string name = t["name"];
    const ordered_json& now = t["interval"];
    chart["reply:" + (name.empty() ? "(no name)" : name)] =
        now["count"] > 0 ? now["p95_ms"] : ordered_json(nullptr);
  }
  const double interval_s = u["interval_s"];
  for (const ordered_json& e : u["errors"])
    chart["error:" + e["kind"].get<std::string>()] =
        interval_s > 0 ? e["interval"].get<double>() / interval_s : 0;
  return chart;
}

std::string Dump(const ordered_json& json) {
  // Error kinds and check names come from the server and the scenario: replace bad UTF-8.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

DashboardUpdate MakeDashboardUpdate(const Snapshot& snapshot, const RunInfo& info) {
  ordered_json update = {
      {"type", "snapshot"},
      {"scenario", info.plan ? info.plan->name : ""},
      {"file", info.scenario_file},
      {"elapsed_s", snapshot.elapsed_s},
      {"interval_s", snapshot.interval_s},
      {"unix_ms", snapshot.unix_ms},
      {"final", snapshot.final},
  };
  update.update(Gauges(snapshot));
  update["counters"] = Counters(snapshot);
  update["trends"] = Trends(snapshot);
  update["errors"] = Errors(snapshot);
  update["checks"] = Checks(snapshot);
  update["thresholds"] = Thresholds(snapshot);
  update["chart"] = Chart(update);
  ordered_json point = {{"t", snapshot.elapsed_s}, {"chart", update["chart"]}};
  return {Dump(update), Dump(point)};
}

std::string FormatDashboardHistory(const std::deque<std::string>& points) {
  std::string out = R"({"type":"history","points":[)";
  for (const std::string& point : points) out += (&point == &points.front() ? "" : ",") + point;
  return out + "]}";
}

}  // namespace wsyaml::outputs
