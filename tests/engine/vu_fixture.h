// The fixture of the VU tests: one VU on a manual clock with a fake transport, and helpers
// that build graph steps inline.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "engine/vu.h"
#include "fake_transport.h"
#include "metrics/thresholds.h"

namespace wsyaml::engine::testing {

using namespace std::chrono_literals;
using graph::Segment;
using metrics::MetricId;

inline graph::Template Text(const std::string& text) {
  graph::Template t;
  Segment literal;
  literal.text = text;
  t.segments.push_back(literal);
  return t;
}

inline graph::Template ConnText(const std::string& prefix) {
  graph::Template t = Text(prefix);
  Segment conn;
  conn.kind = Segment::Kind::kConn;
  t.segments.push_back(conn);
  return t;
}

template <typename Action>
graph::Step S(Action action) {
  return graph::Step{graph::Step::Action(std::move(action)), {}};
}

inline graph::Log LogStep(const std::string& text) {
  graph::Log log;
  log.text = Text(text);
  return log;
}

inline graph::Step SendText(const std::string& text) {
  graph::Send send;
  send.payload.body = Text(text);
  return S(send);
}

inline graph::DurationRange Fixed(graph::Micros d) { return {d, d}; }

class VuTest : public ::testing::Test {
 protected:
  VuTest() : transport_(&scheduler_) {
    ctx_.scheduler = &scheduler_;
    ctx_.transport = &transport_;
    ctx_.shard = &shard_;
    ctx_.tags = &tags_;
    ctx_.live = &live_;
    ctx_.plan = &plan_;
    ctx_.base_urls = {"ws://127.0.0.1:9"};
  }

  /// Starts one iteration of `steps`; `done_` turns true when it ends.
  Vu& Start(graph::StepList steps) {
    plan_.scenarios.resize(1);
    plan_.scenarios[0].steps = std::move(steps);
    vu_ = std::make_unique<Vu>(ctx_, plan_.scenarios[0], 1);
    vu_->StartIteration([this](Vu&, bool completed) {
      done_ = true;
      completed_ = completed;
    });
    return *vu_;
  }

  double Counter(MetricId id) { return metrics::CollectSeries(shard_, tags_, id, {}).sum; }

  /// The tags of every ws_errors series, as "kind=...,status=..." (scenario tag left out).
  std::vector<std::string> ErrorTagSets() {
    std::vector<std::string> out;
    for (const auto& [key, series] : shard_.series()) {
      if (key.first != MetricId::kWsErrors) continue;
      std::string text;
      for (const auto& [k, v] : tags_.Tags(key.second))
        if (k != "scenario") text += (text.empty() ? "" : ",") + k + "=" + v;
      out.push_back(text);
    }
    return out;
  }

  ManualScheduler scheduler_;
  FakeTransport transport_;
  metrics::Shard shard_;
  metrics::TagRegistry tags_;
  LiveCounters live_;
  graph::TestPlan plan_;
  WorkerContext ctx_;
  std::unique_ptr<Vu> vu_;
  bool done_ = false;
  bool completed_ = false;
};

}  // namespace wsyaml::engine::testing
