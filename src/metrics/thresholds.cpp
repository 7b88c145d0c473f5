#include "metrics/thresholds.h"

#include <algorithm>

namespace wsyaml::metrics {
namespace {

using Agg = graph::Threshold::Aggregate;

bool Compare(double observed, graph::Threshold::Op op, double value) {
  using Op = graph::Threshold::Op;
  switch (op) {
    case Op::kLt:
      return observed < value;
    case Op::kLe:
      return observed <= value;
    case Op::kGt:
      return observed > value;
    case Op::kGe:
      return observed >= value;
    case Op::kEq:
      return observed == value;
    case Op::kNe:
      return observed != value;
  }
  return false;
}

}  // namespace

std::string AggregateLabel(Agg aggregate, double percentile) {
  return catalog::AggregateLabel(catalog::ToAggregate(aggregate), percentile);
}

std::string ThresholdTarget(const std::string& metric, const graph::Tags& filter) {
  if (filter.empty()) return metric;
  std::string out = metric + "{";
  for (size_t i = 0; i < filter.size(); ++i) {
    if (i) out += ",";
    out += filter[i].first + ":" + filter[i].second;
  }
  return out + "}";
}

std::string ThresholdTarget(const graph::Threshold& threshold) {
  return ThresholdTarget(threshold.metric, threshold.filter);
}

bool ValidateThreshold(const graph::Threshold& threshold, std::string* error) {
  return catalog::CheckAggregate(threshold.metric, catalog::ToAggregate(threshold.aggregate),
                                 threshold.percentile, error);
}

bool NeedsSamples(const std::string& metric, Agg aggregate) {
  MetricId id;
  if (aggregate == Agg::kCount || !FindMetric(metric, &id)) return false;
  return Info(id).type != MetricType::kCounter;
}

bool TagsMatch(const std::vector<std::pair<std::string, std::string>>& series_tags,
               const graph::Tags& filter) {
  for (const auto& want : filter) {
    if (std::find(series_tags.begin(), series_tags.end(), want) == series_tags.end()) return false;
  }
  return true;
}

Series CollectSeries(const Shard& shard, const TagRegistry& tags, MetricId id,
                     const graph::Tags& filter, bool* has_data) {
  Series merged;
  bool any = false;
  auto it = shard.series().lower_bound({id, 0});
  for (; it != shard.series().end() && it->first.first == id; ++it) {
    if (!filter.empty() && !TagsMatch(tags.Tags(it->first.second), filter)) continue;
    const Series& s = it->second;
    merged.count += s.count;
    merged.sum += s.sum;
    merged.gauge += s.gauge;
    merged.gauge_max += s.gauge_max;
    merged.histogram.Merge(s.histogram);
    any = true;
  }
  if (has_data) *has_data = any && merged.count > 0;
  return merged;
}

double Aggregate(const Shard& shard, const TagRegistry& tags, MetricId id,
                 const graph::Tags& filter, Agg aggregate, double percentile, double duration_s,
                 bool* has_data) {
  if (id == MetricId::kChecks && filter.size() == 1 &&
      (filter[0].first == "check" || filter[0].first == "name")) {
    // checks{check:NAME} as in k6, or checks{name:NAME} as for every other step name: the
    // pass rate of one named check.
    auto it = shard.checks().find(filter[0].second);
    uint64_t passes = it == shard.checks().end() ? 0 : it->second.passes;
    uint64_t all = it == shard.checks().end() ? 0 : passes + it->second.fails;
    if (has_data) *has_data = all > 0;
    if (aggregate == Agg::kCount) return static_cast<double>(all);
    return all ? static_cast<double>(passes) / static_cast<double>(all) : 0;
  }
  Series s = CollectSeries(shard, tags, id, filter, has_data);
  const MetricType type = Info(id).type;
  const Histogram& h = s.histogram;
  if (type == MetricType::kGauge) {
    return aggregate == Agg::kMax ? s.gauge_max : s.gauge;
  }
  switch (aggregate) {
    case Agg::kPercentile:
      return h.Percentile(percentile) / 1000;
    case Agg::kMed:
      return h.Percentile(50) / 1000;
    case Agg::kAvg:
      return h.Mean() / 1000;
    case Agg::kMin:
      return static_cast<double>(h.Min()) / 1000;
    case Agg::kMax:
      return static_cast<double>(h.Max()) / 1000;
    case Agg::kCount:
      return type == MetricType::kCounter ? s.sum : static_cast<double>(s.count);
    case Agg::kRate:
      if (type == MetricType::kRate) return s.count ? s.sum / static_cast<double>(s.count) : 0;
      return duration_s > 0 ? s.sum / duration_s : 0;
  }
  return 0;
}

ThresholdResult EvaluateThreshold(const graph::Threshold& threshold, const Shard& shard,
                                  const TagRegistry& tags, double duration_s) {
  ThresholdResult r;
  r.threshold = threshold;
  if (!ValidateThreshold(threshold, &r.error)) return r;
  MetricId id;
  FindMetric(threshold.metric, &id);
  r.observed = Aggregate(shard, tags, id, threshold.filter, threshold.aggregate,
                         threshold.percentile, duration_s, &r.has_data);
  r.passed = Compare(r.observed, threshold.op, threshold.value);
  if (!r.has_data && !threshold.allow_no_samples &&
      NeedsSamples(threshold.metric, threshold.aggregate)) {
    r.passed = false;
    r.no_samples = true;
    r.error = kNoSamplesError;
  }
  return r;
}

std::vector<ThresholdResult> EvaluateThresholds(const std::vector<graph::Threshold>& thresholds,
                                                const Shard& shard, const TagRegistry& tags,
                                                double duration_s) {
  std::vector<ThresholdResult> out;
  out.reserve(thresholds.size());
  for (const auto& t : thresholds) out.push_back(EvaluateThreshold(t, shard, tags, duration_s));
  return out;
}

bool AllPassed(const std::vector<ThresholdResult>& results) {
  return std::all_of(results.begin(), results.end(),
                     [](const ThresholdResult& r) { return r.passed; });
}

}  // namespace wsyaml::metrics
