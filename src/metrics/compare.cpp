#include "metrics/compare.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>

#include "metrics/format.h"
#include "metrics/summary.h"

namespace wsyaml::metrics {
namespace {

constexpr const char* kAbsent = "—";

// Every series of a result under a readable label, tag sets resolved; a metric with several
// tag sets also gets a merged row under its bare name.
std::map<std::string, std::pair<MetricId, Series>> Labelled(const Result& r) {
  std::map<std::string, std::pair<MetricId, Series>> out;
  std::map<MetricId, int> sets;
  for (const auto& [key, s] : r.shard.series()) {
    const char* name = Info(key.first).name;
    out[ThresholdTarget(name, r.tags.Tags(key.second))] = {key.first, s};
    sets[key.first] += 1;
  }
  for (const auto& [id, n] : sets)
    if (n > 1) out[Info(id).name] = {id, CollectSeries(r.shard, r.tags, id, {})};
  return out;
}

std::string Change(std::optional<double> base, std::optional<double> current) {
  if (!base) return "new";
  if (!current) return "gone";
  if (*base == *current) return "±0%";
  if (*base == 0) return "+∞";
  double pct = (*current - *base) / std::fabs(*base) * 100;
  if (std::fabs(pct) < 0.05) return "±0%";  // rounding noise, not a change
  return (pct > 0 ? "+" : "") + FormatNumber(pct, 1) + "%";
}

// Worse = higher, by more than `tolerance` and more than `min_difference`. Any increase from
// zero counts.
bool Worse(double base, double current, double tolerance, double min_difference) {
  if (current - base <= min_difference) return false;
  if (base == 0) return current > 0;
  return current > base * (1 + tolerance);
}

struct Builder {
  CompareReport* report;

  void Row(const std::string& section, const std::string& name, std::optional<double> base,
           std::optional<double> current, std::string (*format)(double), bool gated,
           double min_difference = 0) {
    CompareRow row;
    row.section = section;
    row.name = name;
    row.base = base ? format(*base) : kAbsent;
    row.current = current ? format(*current) : kAbsent;
    row.base_value = base.value_or(0);
    row.current_value = current.value_or(0);
    row.change = Change(base, current);
    row.gated = gated;
    row.regression = gated && base && current &&
                     Worse(*base, *current, report->options.tolerance, min_difference);
    report->regressions += row.regression ? 1 : 0;
    report->rows.push_back(std::move(row));
  }
};

std::string Micros(double v) { return FormatMicros(v); }
std::string Plain(double v) { return FormatNumber(v); }
std::string Bytes(double v) { return FormatBytes(v); }
std::string PerSecond(double v) { return FormatNumber(v) + "/s"; }
std::string BytesPerSecond(double v) { return FormatBytes(v) + "/s"; }
std::string Percent(double v) { return FormatPercent(v); }

void CompareTrend(Builder& b, const std::string& label, const Series* base, const Series* cur) {
  struct Stat {
    const char* name;
    double p;  // < 0: avg, > 100: max
    bool gated;
  };
  static const Stat kStats[] = {{"avg", -1, false},  {"med", 50, true},   {"p(90)", 90, true},
                                {"p(95)", 95, true}, {"p(99)", 99, true}, {"max", 101, false}};
  auto value = [](const Series* s, double p) -> std::optional<double> {
    if (s == nullptr || s->histogram.Count() == 0) return std::nullopt;
    const Histogram& h = s->histogram;
    if (p < 0) return h.Mean() / 1000;
    if (p > 100) return static_cast<double>(h.Max()) / 1000;
    return h.Percentile(p) / 1000;
  };
  const uint64_t min_samples = b.report->options.min_samples;
  bool enough = base && cur && base->histogram.Count() >= min_samples &&
                cur->histogram.Count() >= min_samples;
  for (const auto& st : kStats) {
    b.Row("trend", label + " " + st.name, value(base, st.p), value(cur, st.p), Micros,
          st.gated && enough, b.report->options.min_difference_us);
    if (st.gated && !enough && base && cur) {
      b.report->rows.back().few_samples = true;
      b.report->rows.back().change += " (few samples)";
    }
  }
}

void CompareMetrics(Builder& b, const Result& base, const Result& cur) {
  auto a = Labelled(base), c = Labelled(cur);
  std::map<std::string, MetricId> labels;
  for (const auto& [label, v] : a) labels[label] = v.first;
  for (const auto& [label, v] : c) labels[label] = v.first;
  for (const auto& [label, id] : labels) {
    const Series* sa = a.count(label) ? &a[label].second : nullptr;
    const Series* sc = c.count(label) ? &c[label].second : nullptr;
    const MetricInfo& info = Info(id);
    auto get = [](const Series* s, auto f) -> std::optional<double> {
      return s ? std::optional<double>(f(*s)) : std::nullopt;
    };
    switch (info.type) {
      case MetricType::kTrend:
        CompareTrend(b, label, sa, sc);
        break;
      case MetricType::kCounter: {
        auto sum = [](const Series& s) { return s.sum; };
        bool gated = id == MetricId::kWsErrors;
        b.Row("counter", label, get(sa, sum), get(sc, sum),
              info.unit == Unit::kBytes ? Bytes : Plain, gated);
        auto rate = [](const Result& r) {
          return [&r](const Series& s) { return r.duration_s > 0 ? s.sum / r.duration_s : 0; };
        };
        b.Row("counter", label + " rate", get(sa, rate(base)), get(sc, rate(cur)),
              info.unit == Unit::kBytes ? BytesPerSecond : PerSecond, false);
        break;
      }
      case MetricType::kRate: {
        auto ratio = [](const Series& s) { return s.count ? s.sum / s.count : 0; };
        b.Row("rate", label, get(sa, ratio), get(sc, ratio), Percent, false);
        break;
      }
      case MetricType::kGauge: {
        auto max = [](const Series& s) { return s.gauge_max; };
        b.Row("gauge", label + " max", get(sa, max), get(sc, max), Plain, false);
        break;
      }
    }
  }
}

template <typename Map, typename F>
void CompareNamed(Builder& b, const char* section, const Map& base, const Map& cur,
                  const std::string& suffix, F value, bool gated) {
  std::map<std::string, bool> names;
  for (const auto& [n, v] : base) names[n] = true;
  for (const auto& [n, v] : cur) names[n] = true;
  for (const auto& [n, unused] : names) {
    auto ib = base.find(n), ic = cur.find(n);
    std::optional<double> vb, vc;
    if (ib != base.end()) vb = value(ib->second);
    if (ic != cur.end()) vc = value(ic->second);
    b.Row(section, n + suffix, vb, vc, Plain, gated);
  }
}

void CompareThresholds(Builder& b, const Result& base, const Result& cur) {
  std::map<std::string, std::pair<const ThresholdResult*, const ThresholdResult*>> all;
  for (const auto& t : base.thresholds)
    all[ThresholdTarget(t.threshold) + " " + t.threshold.source].first = &t;
  for (const auto& t : cur.thresholds)
    all[ThresholdTarget(t.threshold) + " " + t.threshold.source].second = &t;
  for (const auto& [name, pair] : all) {
    CompareRow row;
    row.section = "threshold";
    row.name = name;
    auto verdict = [](const ThresholdResult* t) {
      return t ? (t->passed ? "✓ " : "✗ ") + FormatObserved(*t) : std::string(kAbsent);
    };
    row.base = verdict(pair.first);
    row.current = verdict(pair.second);
    row.change = !pair.first ? "new" : !pair.second ? "gone" : "";
    row.gated = true;
    row.regression = pair.second && !pair.second->passed && (!pair.first || pair.first->passed);
    b.report->regressions += row.regression ? 1 : 0;
    b.report->rows.push_back(std::move(row));
  }
}

}  // namespace

CompareReport CompareResults(const Result& base, const Result& current,
                             const CompareOptions& options) {
  CompareReport report;
  report.options = options;
  Builder b{&report};
  CompareMetrics(b, base, current);
  CompareNamed(
      b, "check", base.shard.checks(), current.shard.checks(), " passes",
      [](const CheckCounts& c) { return static_cast<double>(c.passes); }, false);
  CompareNamed(
      b, "check", base.shard.checks(), current.shard.checks(), " fails",
      [](const CheckCounts& c) { return static_cast<double>(c.fails); }, true);
  CompareNamed(
      b, "error", base.shard.errors(), current.shard.errors(), "",
      [](const ErrorCounts& e) { return static_cast<double>(e.count); }, true);
  CompareThresholds(b, base, current);
  static const char* const kOrder[] = {"trend", "counter", "rate",     "gauge",
                                       "check", "error",   "threshold"};
  auto rank = [](const CompareRow& r) {
    return std::find_if(std::begin(kOrder), std::end(kOrder),
                        [&](const char* s) { return r.section == s; }) -
           std::begin(kOrder);
  };
  std::stable_sort(report.rows.begin(), report.rows.end(),
                   [&](const CompareRow& a, const CompareRow& b) { return rank(a) < rank(b); });
  return report;
}

std::string FormatCompare(const CompareReport& report) {
  size_t name_w = 4, base_w = 4, cur_w = 3;
  for (const auto& r : report.rows) {
    name_w = std::max(name_w, DisplayWidth(r.name));
    base_w = std::max(base_w, DisplayWidth(r.base));
    cur_w = std::max(cur_w, DisplayWidth(r.current));
  }
  std::string out = "     " + PadRight("", name_w + 2) + PadRight("base", base_w + 2) +
                    PadRight("new", cur_w + 2) + "change\n";
  std::string section;
  for (const auto& r : report.rows) {
    if (r.section != section) {
      section = r.section;
      out += "   " + section + "s\n";
    }
    std::string mark = r.regression ? "   ✗ " : "     ";
    out += mark + PadRight(r.name, name_w + 1, '.') + " " + PadRight(r.base, base_w + 2) +
           PadRight(r.current, cur_w + 2) + r.change + (r.regression ? "  REGRESSION" : "") + "\n";
  }
  const CompareOptions& o = report.options;
  out += "\n   " + std::to_string(report.regressions) + " regression" +
         (report.regressions == 1 ? "" : "s") + " beyond the tolerance of " +
         FormatNumber(o.tolerance * 100, 2) + "%\n   latencies are judged with at least " +
         std::to_string(o.min_samples) + " samples on each side and a worsening of more than " +
         FormatMicros(o.min_difference_us) + " (--min-samples, --min-difference)\n";
  return out;
}

bool ParseTolerance(const std::string& text, double* tolerance) {
  if (text.empty()) return false;
  bool percent = text.back() == '%';
  std::string number = percent ? text.substr(0, text.size() - 1) : text;
  char* end = nullptr;
  double v = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || !std::isfinite(v) || v < 0)
    return false;
  *tolerance = (percent || v >= 1) ? v / 100 : v;
  return true;
}

}  // namespace wsyaml::metrics
