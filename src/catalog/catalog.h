// The metric catalog: every metric's name, type and unit, and which threshold aggregates apply
// to which metric type. Plain data with no dependencies, so the compiler (src/scenario) and the
// metrics library agree on it without one linking the other.
// Threading: constant tables and pure functions; call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wsyaml::catalog {

/// Every metric the tool produces. Names follow k6 where k6 has one.
enum class MetricId : uint16_t {
  kWsConnecting,           ///< trend, µs: TCP + TLS + handshake
  kWsSessionDuration,      ///< trend, µs: open to close
  kWsSessions,             ///< counter: connections attempted
  kWsMsgsSent,             ///< counter: messages sent
  kWsMsgsReceived,         ///< counter: messages received
  kWsPing,                 ///< trend, µs: ping to pong
  kDataSent,               ///< counter, bytes on the wire: handshake, frame headers, payloads
  kDataReceived,           ///< counter, bytes on the wire, as data_sent
  kIterations,             ///< counter: completed iterations
  kIterationDuration,      ///< trend, µs
  kInterruptedIterations,  ///< counter: iterations cut by the end of the test
  kDroppedIterations,      ///< counter: arrivals that found no free VU
  kVus,                    ///< gauge: VUs running now
  kVusMax,                 ///< gauge: VUs allocated
  kChecks,                 ///< rate: passed / all
  kWsReplyTime,            ///< trend, µs: send (inside every/after: the tick) to matching message
  kWsDeliveryTime,         ///< trend, µs: timestamp in message to receipt
  kWsErrors,               ///< counter, by kind
  kWsOpen,                 ///< gauge: sockets open now
  kWsReconnects,           ///< counter
  kWsCloseCodes,           ///< counter per close code (tag `code`)
  kWsTlsHandshaking,       ///< trend, µs: the TLS handshake of wss:// (also in ws_connecting)
  kTimerLateness,          ///< trend, µs: how late `every` and `after` bodies ran
  kWsNextInterval,         ///< trend, µs: graphql-ws, between successive `next`s of a subscription
  kWsPayloadSent,          ///< counter, bytes: payloads before compression (deflate only)
  kWsPayloadReceived,      ///< counter, bytes: payloads after inflating (deflate only)
  kWsReplyWireTime,        ///< trend, µs: as ws_reply_time, always from the actual send
  kCount                   ///< number of metrics; not a metric
};

/// How a metric aggregates.
enum class MetricType { kCounter, kTrend, kRate, kGauge };
/// What a metric's values mean.
enum class Unit { kNone, kMicros, kBytes };

/// Static facts about a metric.
struct MetricInfo {
  const char* name;  ///< as written in thresholds and result files, e.g. "ws_connecting"
  MetricType type;
  Unit unit;
};

/// Name, type and unit of `id`.
const MetricInfo& Info(MetricId id);
/// Looks a metric up by its name ("ws_connecting"); false when unknown.
bool FindMetric(std::string_view name, MetricId* id);
/// "counter", "trend", "rate" or "gauge".
const char* TypeName(MetricType type);

/// What a threshold compares, as k6 names it: p(N), avg, min, max, med, count, rate.
/// The same enumerators in the same order as graph::Threshold::Aggregate; convert with
/// ToAggregate / FromAggregate, which check that at compile time.
enum class Aggregate { kPercentile, kAvg, kMin, kMax, kMed, kCount, kRate };

/// "p(N)", "avg", "min", "max", "med", "count" or "rate".
const char* AggregateName(Aggregate aggregate);
/// "p(95)" for a percentile, else AggregateName.
std::string AggregateLabel(Aggregate aggregate, double percentile);
/// The aggregate named `name` ("avg", ...; not "p(N)", whose number the caller parses).
bool FindAggregate(std::string_view name, Aggregate* aggregate);

/// The aggregate rule, k6's: trends take every aggregate but rate; counters count and rate
/// (per second); rates rate and count; gauges min, max and avg (k6's `value`).
bool Applies(MetricType type, Aggregate aggregate);
/// The aggregates `type` takes, in enum order: "count, rate".
std::string AggregatesOf(MetricType type);
/// Checks that `metric` exists and takes `aggregate` (and that a percentile is in [0, 100]).
/// On failure sets *error to one line, e.g. "p(N) does not apply to counter metric
/// 'ws_msgs_sent'", and returns false.
bool CheckAggregate(std::string_view metric, Aggregate aggregate, double percentile,
                    std::string* error);
/// A hint for an aggregate that does not apply to `metric` of `type`: what to use instead.
std::string AggregateHint(std::string_view metric, MetricType type, Aggregate aggregate);

/// True when enum `E` has Aggregate's enumerators with the same values.
template <class E>
constexpr bool SameAggregates() {
  return static_cast<int>(E::kPercentile) == static_cast<int>(Aggregate::kPercentile) &&
         static_cast<int>(E::kAvg) == static_cast<int>(Aggregate::kAvg) &&
         static_cast<int>(E::kMin) == static_cast<int>(Aggregate::kMin) &&
         static_cast<int>(E::kMax) == static_cast<int>(Aggregate::kMax) &&
         static_cast<int>(E::kMed) == static_cast<int>(Aggregate::kMed) &&
         static_cast<int>(E::kCount) == static_cast<int>(Aggregate::kCount) &&
         static_cast<int>(E::kRate) == static_cast<int>(Aggregate::kRate);
}
/// graph::Threshold::Aggregate -> Aggregate (a template so the catalog needs no graph.h).
template <class E>
constexpr Aggregate ToAggregate(E aggregate) {
  static_assert(SameAggregates<E>(), "the enum must mirror catalog::Aggregate");
  return static_cast<Aggregate>(aggregate);
}
/// Aggregate -> graph::Threshold::Aggregate.
template <class E>
constexpr E FromAggregate(Aggregate aggregate) {
  static_assert(SameAggregates<E>(), "the enum must mirror catalog::Aggregate");
  return static_cast<E>(aggregate);
}

}  // namespace wsyaml::catalog
