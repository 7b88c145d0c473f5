#include "catalog/catalog.h"

#include <cstdio>

namespace wsyaml::catalog {
namespace {

constexpr MetricInfo kInfos[] = {
    {"ws_connecting", MetricType::kTrend, Unit::kMicros},
    {"ws_session_duration", MetricType::kTrend, Unit::kMicros},
    {"ws_sessions", MetricType::kCounter, Unit::kNone},
    {"ws_msgs_sent", MetricType::kCounter, Unit::kNone},
    {"ws_msgs_received", MetricType::kCounter, Unit::kNone},
    {"ws_ping", MetricType::kTrend, Unit::kMicros},
    {"data_sent", MetricType::kCounter, Unit::kBytes},
    {"data_received", MetricType::kCounter, Unit::kBytes},
    {"iterations", MetricType::kCounter, Unit::kNone},
    {"iteration_duration", MetricType::kTrend, Unit::kMicros},
    {"interrupted_iterations", MetricType::kCounter, Unit::kNone},
    {"dropped_iterations", MetricType::kCounter, Unit::kNone},
    {"vus", MetricType::kGauge, Unit::kNone},
    {"vus_max", MetricType::kGauge, Unit::kNone},
    {"checks", MetricType::kRate, Unit::kNone},
    {"ws_reply_time", MetricType::kTrend, Unit::kMicros},
    {"ws_delivery_time", MetricType::kTrend, Unit::kMicros},
    {"ws_errors", MetricType::kCounter, Unit::kNone},
    {"ws_open", MetricType::kGauge, Unit::kNone},
    {"ws_reconnects", MetricType::kCounter, Unit::kNone},
    {"ws_close_codes", MetricType::kCounter, Unit::kNone},
    {"ws_tls_handshaking", MetricType::kTrend, Unit::kMicros},
    {"timer_lateness", MetricType::kTrend, Unit::kMicros},
    {"ws_next_interval", MetricType::kTrend, Unit::kMicros},
    {"ws_payload_sent", MetricType::kCounter, Unit::kBytes},
    {"ws_payload_received", MetricType::kCounter, Unit::kBytes},
    {"ws_reply_wire_time", MetricType::kTrend, Unit::kMicros},
};
static_assert(sizeof(kInfos) / sizeof(kInfos[0]) == static_cast<size_t>(MetricId::kCount),
              "one MetricInfo per MetricId, in enum order");

// In Aggregate's order.
constexpr const char* kAggregateNames[] = {"p(N)", "avg", "min", "max", "med", "count", "rate"};
constexpr size_t kAggregates = sizeof(kAggregateNames) / sizeof(kAggregateNames[0]);
static_assert(kAggregates == static_cast<size_t>(Aggregate::kRate) + 1,
              "one name per Aggregate, in enum order");

constexpr MetricType kTypes[] = {MetricType::kCounter, MetricType::kTrend, MetricType::kRate,
                                 MetricType::kGauge};

// True when only trends take `aggregate` (p(N), med): the hint is then "use a time metric".
bool TrendOnly(Aggregate aggregate) {
  for (MetricType type : kTypes)
    if (type != MetricType::kTrend && Applies(type, aggregate)) return false;
  return Applies(MetricType::kTrend, aggregate);
}

}  // namespace

const MetricInfo& Info(MetricId id) { return kInfos[static_cast<size_t>(id)]; }

bool FindMetric(std::string_view name, MetricId* id) {
  for (size_t i = 0; i < static_cast<size_t>(MetricId::kCount); ++i) {
    if (name == kInfos[i].name) {
      *id = static_cast<MetricId>(i);
      return true;
    }
  }
  return false;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kTrend:
      return "trend";
    case MetricType::kRate:
      return "rate";
    case MetricType::kGauge:
      return "gauge";
  }
  return "?";
}

const char* AggregateName(Aggregate aggregate) {
  size_t i = static_cast<size_t>(aggregate);
  return i < kAggregates ? kAggregateNames[i] : "?";
}

std::string AggregateLabel(Aggregate aggregate, double percentile) {
  if (aggregate != Aggregate::kPercentile) return AggregateName(aggregate);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "p(%g)", percentile);
  return buf;
}

bool FindAggregate(std::string_view name, Aggregate* aggregate) {
  for (size_t i = 1; i < kAggregates; ++i) {  // 0 is p(N), written with its number
    if (name == kAggregateNames[i]) {
      *aggregate = static_cast<Aggregate>(i);
      return true;
    }
  }
  return false;
}

bool Applies(MetricType type, Aggregate aggregate) {
  switch (type) {
    case MetricType::kTrend:
      return aggregate != Aggregate::kRate;
    case MetricType::kCounter:
    case MetricType::kRate:
      return aggregate == Aggregate::kCount || aggregate == Aggregate::kRate;
    case MetricType::kGauge:
      return aggregate == Aggregate::kMin || aggregate == Aggregate::kMax ||
             aggregate == Aggregate::kAvg;
  }
  return false;
}

std::string AggregatesOf(MetricType type) {
  std::string out;
  for (size_t i = 0; i < kAggregates; ++i) {
    if (!Applies(type, static_cast<Aggregate>(i))) continue;
    if (!out.empty()) out += ", ";
    out += kAggregateNames[i];
  }
  return out;
}

bool CheckAggregate(std::string_view metric, Aggregate aggregate, double percentile,
                    std::string* error) {
  MetricId id;
  if (!FindMetric(metric, &id)) {
    *error = "unknown metric '" + std::string(metric) + "'";
    return false;
  }
  const MetricType type = Info(id).type;
  if (!Applies(type, aggregate)) {
    *error = std::string(AggregateName(aggregate)) + " does not apply to " + TypeName(type) +
             " metric '" + std::string(metric) + "'";
    return false;
  }
  if (aggregate == Aggregate::kPercentile && (percentile < 0 || percentile > 100)) {
    *error = "percentile must be between 0 and 100";
    return false;
  }
  return true;
}

std::string AggregateHint(std::string_view metric, MetricType type, Aggregate aggregate) {
  std::string hint =
      std::string(metric) + " is a " + TypeName(type) + ": use " + AggregatesOf(type);
  if (TrendOnly(aggregate))
    return std::string(AggregateName(aggregate)) + " needs a time metric; " + hint;
  return hint;
}

}  // namespace wsyaml::catalog
