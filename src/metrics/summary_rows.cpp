#include "metrics/summary_rows.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <set>

#include "catalog/catalog.h"
#include "metrics/format.h"

namespace wsyaml::metrics {
namespace {

using Agg = graph::Threshold::Aggregate;

// The trends whose p(99) is shown by default: the reply and delivery times, whose tail is
// what a user of a chat or a feed notices.
constexpr const char* kTailTrends[] = {"ws_reply_time", "ws_reply_wire_time", "ws_delivery_time"};

bool ParseOneStat(const std::string& text, TrendStat* out) {
  if (text.size() > 3 && text.compare(0, 2, "p(") == 0 && text.back() == ')') {
    std::string number = text.substr(2, text.size() - 3);
    char* end = nullptr;
    double p = std::strtod(number.c_str(), &end);
    if (number.empty() || end != number.c_str() + number.size() || !(p >= 0 && p <= 100))
      return false;
    *out = {Agg::kPercentile, p};
    return true;
  }
  catalog::Aggregate aggregate;
  if (!catalog::FindAggregate(text, &aggregate) || aggregate == catalog::Aggregate::kRate ||
      aggregate == catalog::Aggregate::kPercentile)
    return false;
  *out = {static_cast<Agg>(aggregate), 0};
  return true;
}

SummaryColumn Millis(const std::string& key, double nanos) {
  return {key, nanos / 1e6, key + "=" + FormatMicros(nanos / 1000)};
}

std::vector<SummaryColumn> TrendColumns(const Histogram& h, const std::vector<TrendStat>& stats) {
  std::vector<SummaryColumn> cols;
  for (const TrendStat& stat : stats) {
    std::string key = AggregateLabel(stat.aggregate, stat.percentile);
    switch (stat.aggregate) {
      case Agg::kAvg:
        cols.push_back(Millis(key, h.Mean()));
        break;
      case Agg::kMin:
        cols.push_back(Millis(key, static_cast<double>(h.Min())));
        break;
      case Agg::kMed:
        cols.push_back(Millis(key, h.Percentile(50)));
        break;
      case Agg::kMax:
        cols.push_back(Millis(key, static_cast<double>(h.Max())));
        break;
      case Agg::kPercentile:
        cols.push_back(Millis(key, h.Percentile(stat.percentile)));
        break;
      case Agg::kCount:
      case Agg::kRate: {  // ParseTrendStats never yields rate; count it is
        double n = static_cast<double>(h.Count());
        cols.push_back({"count", n, "count=" + FormatNumber(n, 0)});
        break;
      }
    }
  }
  return cols;
}

SummaryColumn Rate(double value, double duration_s, bool bytes) {
  double per_s = duration_s > 0 ? value / duration_s : 0;
  return {"rate", per_s,
          bytes ? FormatBytes(per_s) + "/s" : FormatNumber(per_s, per_s < 10 ? 6 : 2) + "/s"};
}

// ws_payload_sent/received: "ratio=3.2" = payload bytes per byte of data_sent/received (the
// wire), i.e. how much permessage-deflate saved.
SummaryColumn CompressionRatio(MetricId id, const Series& s, const SummaryInput& in) {
  MetricId wire_id = id == MetricId::kWsPayloadSent ? MetricId::kDataSent : MetricId::kDataReceived;
  Series wire = CollectSeries(*in.shard, *in.tags, wire_id, {});
  if (wire.sum <= 0) return {"", 0, "ratio=-"};
  return {"ratio", s.sum / wire.sum, "ratio=" + FormatNumber(s.sum / wire.sum, 2)};
}

std::vector<SummaryColumn> CounterColumns(MetricId id, const Series& s, const SummaryInput& in,
                                          bool whole) {
  const bool bytes = Info(id).unit == Unit::kBytes;
  SummaryColumn count{"count", s.sum, bytes ? FormatBytes(s.sum) : FormatNumber(s.sum)};
  std::vector<SummaryColumn> cols = {count, Rate(s.sum, in.duration_s, bytes)};
  if (whole && (id == MetricId::kWsPayloadSent || id == MetricId::kWsPayloadReceived))
    cols.push_back(CompressionRatio(id, s, in));
  return cols;
}

// `whole`: the row covers every tag set (the timeline is not split by tags).
std::vector<SummaryColumn> Columns(MetricId id, const Series& s, const SummaryInput& in,
                                   bool whole) {
  const MetricInfo& info = Info(id);
  switch (info.type) {
    case MetricType::kTrend:
      return TrendColumns(s.histogram, TrendStatsFor(in, info.name));
    case MetricType::kCounter:
      return CounterColumns(id, s, in, whole);
    case MetricType::kRate: {
      double ratio = s.count ? s.sum / static_cast<double>(s.count) : 0;
      double fails = static_cast<double>(s.count) - s.sum;
      return {{"value", ratio, FormatPercent(ratio)},
              {"passes", s.sum, "✓ " + FormatNumber(s.sum)},
              {"fails", fails, "✗ " + FormatNumber(fails)}};
    }
    case MetricType::kGauge: {
      double lo = 0, hi = 0;
      SummaryColumn value{"value", s.gauge, FormatNumber(s.gauge)};
      if (whole && in.timeline != nullptr && in.timeline->GaugeRange(info.name, &lo, &hi)) {
        lo = std::min(lo, s.gauge);
        hi = std::max({hi, s.gauge_max, s.gauge});
        return {
            value, {"min", lo, "min=" + FormatNumber(lo)}, {"max", hi, "max=" + FormatNumber(hi)}};
      }
      return {value, {"max", s.gauge_max, "max=" + FormatNumber(s.gauge_max)}};
    }
  }
  return {};
}

// The mark of a metric line: thresholds whose metric and filter are exactly these.
SummaryMark Mark(const std::string& metric, const graph::Tags& filter,
                 const std::vector<ThresholdResult>& results) {
  bool any = false, failed = false;
  for (const auto& r : results) {
    if (r.threshold.metric != metric || r.threshold.filter != filter) continue;
    any = true;
    failed |= !r.passed;
  }
  if (!any) return SummaryMark::kNone;
  return failed ? SummaryMark::kFailed : SummaryMark::kPassed;
}

SummaryRow SubRow(const SummaryInput& in, MetricId id, const std::string& name,
                  const graph::Tags& filter, bool trend) {
  bool has_data = false;
  Series sub = CollectSeries(*in.shard, *in.tags, id, filter, &has_data);
  if (id == MetricId::kChecks && filter.size() == 1 && filter[0].first == "check") {
    auto it = in.shard->checks().find(filter[0].second);
    if (it != in.shard->checks().end()) {
      sub.count = it->second.passes + it->second.fails;
      sub.sum = static_cast<double>(it->second.passes);
      has_data = sub.count > 0;
    }
  }
  std::vector<SummaryColumn> columns = {{"", 0, "no samples"}};
  if (has_data || !trend) columns = Columns(id, sub, in, false);
  return {name, filter, Mark(name, filter, in.thresholds), columns, trend};
}

}  // namespace

bool ParseTrendStats(const std::string& text, std::vector<TrendStat>* out, std::string* error) {
  out->clear();
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    TrendStat stat;
    if (!ParseOneStat(item, &stat)) {
      *error = "--summary-trend-stats: '" + item +
               "' is not a trend stat; use avg, min, med, max, count or p(N) with 0 <= N <= 100, "
               "e.g. avg,min,med,max,p(90),p(95),p(99)";
      return false;
    }
    out->push_back(stat);
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

std::vector<TrendStat> DefaultTrendStats(const std::string& metric) {
  std::vector<TrendStat> stats = {{Agg::kAvg, 0}, {Agg::kMin, 0},         {Agg::kMed, 0},
                                  {Agg::kMax, 0}, {Agg::kPercentile, 90}, {Agg::kPercentile, 95}};
  for (const char* tail : kTailTrends)
    if (metric == tail) stats.push_back({Agg::kPercentile, 99});
  return stats;
}

std::vector<TrendStat> TrendStatsFor(const SummaryInput& input, const std::string& metric) {
  return input.trend_stats.empty() ? DefaultTrendStats(metric) : input.trend_stats;
}

std::map<std::string, double> CloseCodeCounts(const SummaryInput& in) {
  std::map<std::string, double> codes;
  auto it = in.shard->series().lower_bound({MetricId::kWsCloseCodes, 0});
  for (; it != in.shard->series().end() && it->first.first == MetricId::kWsCloseCodes; ++it) {
    std::string code = "?";
    for (const auto& [k, v] : in.tags->Tags(it->first.second))
      if (k == "code") code = v;
    codes[code] += it->second.sum;
  }
  return codes;
}

std::vector<SummaryRow> MetricRows(const SummaryInput& in) {
  std::map<std::string, MetricId> present;  // sorted by name, like k6
  for (const auto& [key, series] : in.shard->series()) present[Info(key.first).name] = key.first;
  // ws_reply_wire_time only when it differs from ws_reply_time: some reply left on a late tick.
  if (CollectSeries(*in.shard, *in.tags, MetricId::kWsReplyWireTime, {}).sum ==
      CollectSeries(*in.shard, *in.tags, MetricId::kWsReplyTime, {}).sum)
    present.erase(Info(MetricId::kWsReplyWireTime).name);
  for (const auto& r : in.thresholds) {
    MetricId id;
    if (FindMetric(r.threshold.metric, &id)) present[r.threshold.metric] = id;
  }
  std::vector<SummaryRow> rows;
  for (const auto& [name, id] : present) {
    Series all = CollectSeries(*in.shard, *in.tags, id, {});
    const bool trend = Info(id).type == MetricType::kTrend;
    std::vector<SummaryColumn> columns = {{"", 0, "no samples"}};
    if (!trend || all.histogram.Count() > 0) columns = Columns(id, all, in, true);
    rows.push_back({name, {}, Mark(name, {}, in.thresholds), columns, trend});
    std::set<graph::Tags> filters;
    for (const auto& r : in.thresholds)
      if (r.threshold.metric == name && !r.threshold.filter.empty())
        filters.insert(r.threshold.filter);
    for (const auto& filter : filters) rows.push_back(SubRow(in, id, name, filter, trend));
  }
  return rows;
}

}  // namespace wsyaml::metrics
