#include "outputs/html_report.h"

#include "metrics/format.h"
#include "metrics/summary.h"
#include "outputs/junit.h"
#include "outputs/report_charts.h"
#include "scenario/plan_format.h"

namespace wsyaml::outputs {

using namespace wsyaml::metrics;  // NOLINT: these formatters read metrics types throughout
namespace {

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#f5f6f8}
header{background:#1b1f24;color:#fff;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{color:#c9d1d9}
.verdict{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;margin-left:8px}
.pass{background:#2da44e;color:#fff}.fail{background:#cf222e;color:#fff}
main{padding:18px 28px}
h2{font-size:17px;margin:26px 0 10px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px}
figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;display:block}
svg.chart text{font-size:11px;fill:#57606a}
svg.chart .grid{stroke:#eaeef2}
svg.chart .axis{stroke:#8c959f}
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:12px;height:3px;margin-right:5px;vertical-align:middle}
.legend i.dashed{height:0;background:none;border-top:2px dashed}
header dl{margin:8px 0 0;display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;color:#c9d1d9}
header dt{font-weight:600;color:#fff}header dd{margin:0}
svg.chart .bar{fill:#0969da}svg.chart .bar:hover{fill:#bf8700}
svg.chart .marker line{stroke:#cf222e;stroke-dasharray:3 3}svg.chart .marker text{fill:#cf222e}
svg.chart .cursor{stroke:#57606a;stroke-width:1}
.tip{position:absolute;display:none;pointer-events:none;background:#1b1f24;color:#fff;padding:6px 9px;border-radius:6px;font-size:12px;white-space:nowrap}
.tip i{display:inline-block;width:9px;height:9px;margin-right:5px;border-radius:2px}
table{border-collapse:collapse;background:#fff;border:1px solid #d0d7de;margin-bottom:8px}
th,td{padding:5px 10px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
td.msg{text-align:left;white-space:normal;max-width:520px}
th{background:#f6f8fa}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
pre{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px;overflow:auto}
)css";

// Marks the page once the browser has laid out the charts: tests read these attributes.
// Marks the page once the browser has laid out the charts (tests read these attributes), and
// shows the time and each line's value under the pointer.
constexpr const char* kScript = R"js(
(function(){
  var charts=document.querySelectorAll('svg.chart'),drawn=0;
  charts.forEach(function(svg){
    var marks=svg.querySelectorAll('polyline,circle,rect.bar');
    var box=svg.getBoundingClientRect();
    if(marks.length>0&&box.width>0&&box.height>0){drawn++;svg.setAttribute('data-rendered','yes');}
  });
  document.body.setAttribute('data-charts-total',String(charts.length));
  document.body.setAttribute('data-charts-rendered',String(drawn));
  var tip=document.createElement('div');tip.className='tip';document.body.appendChild(tip);
  function fmt(unit,v){
    if(unit==='us'){if(v>=1e6)return (v/1e6).toFixed(2)+'s';if(v>=1e3)return (v/1e3).toFixed(2)+'ms';return v.toFixed(0)+'\u00b5s';}
    return Math.abs(v)>=100?v.toFixed(0):String(Math.round(v*100)/100);
  }
  function row(color,text){
    var d=document.createElement('div');
    if(color){var i=document.createElement('i');i.style.background=color;d.appendChild(i);}
    d.appendChild(document.createTextNode(text));tip.appendChild(d);
  }
  document.querySelectorAll('svg.chart[data-xs]').forEach(function(svg){
    if(!svg.getAttribute('data-xs'))return;
    var xs=svg.getAttribute('data-xs').split(',').map(Number),unit=svg.getAttribute('data-unit');
    var plot=svg.getAttribute('data-plot').split(',').map(Number),xmax=Math.max.apply(null,xs)||1;
    var cursor=svg.querySelector('line.cursor');
    var series=[].map.call(svg.querySelectorAll('g.series'),function(g){
      return {name:g.getAttribute('data-name'),color:g.getAttribute('data-color'),
              values:g.getAttribute('data-values').split(',')};});
    svg.addEventListener('mousemove',function(e){
      var pt=svg.createSVGPoint();pt.x=e.clientX;pt.y=e.clientY;
      var t=(pt.matrixTransform(svg.getScreenCTM().inverse()).x-plot[0])/plot[1]*xmax,best=0;
      for(var i=1;i<xs.length;i++)if(Math.abs(xs[i]-t)<Math.abs(xs[best]-t))best=i;
      var x=plot[0]+plot[1]*xs[best]/xmax;
      cursor.setAttribute('x1',x);cursor.setAttribute('x2',x);cursor.setAttribute('visibility','visible');
      tip.textContent='';row('',xs[best].toFixed(1)+' s');
      series.forEach(function(s){var v=s.values[best];if(v!==''&&v!==undefined)row(s.color,s.name+': '+fmt(unit,Number(v)));});
      tip.style.left=(e.pageX+14)+'px';tip.style.top=(e.pageY+14)+'px';tip.style.display='block';
    });
    svg.addEventListener('mouseleave',function(){tip.style.display='none';cursor.setAttribute('visibility','hidden');});
  });
})();
)js";

std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string Table(const std::vector<std::string>& head,
                  const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><tr>";
  for (const auto& h : head) out += "<th>" + Esc(h) + "</th>";
  out += "</tr>\n";
  for (const auto& row : rows) {
    out += "<tr>";
    for (const auto& cell : row)
      out += cell.rfind("<td", 0) == 0 ? cell : "<td>" + Esc(cell) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string Verdict(bool ok) {
  return ok ? "<td class=\"ok\">✓ pass</td>" : "<td class=\"bad\">✗ fail</td>";
}

std::string ChecksAndThresholds(const Result& r) {
  std::string out;
  if (!r.thresholds.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : r.thresholds)
      rows.push_back({ThresholdTarget(t.threshold), t.threshold.source,
                      t.no_samples      ? t.error
                      : t.error.empty() ? FormatObserved(t)
                                        : "error: " + t.error,
                      Verdict(t.passed)});
    out += "<h2>Thresholds</h2>" + Table({"metric", "expression", "observed", ""}, rows);
  }
  if (!r.shard.checks().empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, c] : r.shard.checks()) {
      double total = static_cast<double>(c.passes + c.fails);
      rows.push_back({name, std::to_string(c.passes), std::to_string(c.fails),
                      FormatPercent(total > 0 ? static_cast<double>(c.passes) / total : 0),
                      "<td class=\"msg\">" + Esc(c.last_failure) + "</td>", Verdict(c.fails == 0)});
    }
    out += "<h2>Checks</h2>" +
           Table({"check", "passes", "fails", "pass rate", "last failure", ""}, rows);
  }
  return out;
}

std::string MetricTables(const Result& r) {
  std::vector<std::vector<std::string>> trends, counters, gauges;
  for (const auto& [key, s] : r.shard.series()) {
    const MetricInfo& info = Info(key.first);
    std::string label = ThresholdTarget(info.name, r.tags.Tags(key.second));
    const Histogram& h = s.histogram;
    switch (info.type) {
      case MetricType::kTrend:
        trends.push_back({label, std::to_string(h.Count()), FormatMicros(h.Mean() / 1000),
                          FormatMicros(h.Min() / 1000.0), FormatMicros(h.Percentile(50) / 1000),
                          FormatMicros(h.Percentile(90) / 1000),
                          FormatMicros(h.Percentile(95) / 1000),
                          FormatMicros(h.Percentile(99) / 1000), FormatMicros(h.Max() / 1000.0)});
        break;
      case MetricType::kCounter: {
        bool bytes = info.unit == Unit::kBytes;
        double rate = r.duration_s > 0 ? s.sum / r.duration_s : 0;
        counters.push_back({label, bytes ? FormatBytes(s.sum) : FormatNumber(s.sum),
                            bytes ? FormatBytes(rate) + "/s" : FormatNumber(rate) + "/s"});
        break;
      }
      case MetricType::kGauge:
        gauges.push_back({label, FormatNumber(s.gauge), FormatNumber(s.gauge_max)});
        break;
      case MetricType::kRate:
        counters.push_back({label, FormatPercent(s.count ? s.sum / s.count : 0), ""});
        break;
    }
  }
  std::string out;
  if (!trends.empty())
    out +=
        "<h2>Latencies</h2>" +
        Table({"metric", "count", "avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"}, trends);
  if (!counters.empty()) out += "<h2>Counters</h2>" + Table({"metric", "total", "rate"}, counters);
  if (!gauges.empty()) out += "<h2>Gauges</h2>" + Table({"metric", "at end", "max"}, gauges);
  return out;
}

std::string Errors(const Result& r) {
  if (r.shard.errors().empty()) return "";
  std::vector<std::vector<std::string>> rows;
  for (const auto& [kind, e] : r.shard.errors())
    rows.push_back(
        {kind, std::to_string(e.count), "<td class=\"msg\">" + Esc(e.example) + "</td>"});
  return "<h2>Errors</h2>" + Table({"kind", "count", "example"}, rows);
}

// Target and load per scenario, from the run's plan.
std::string RunFacts(const RunInfo& info) {
  if (info.plan == nullptr) return "";
  const graph::TestPlan& plan = *info.plan;
  std::string target = plan.target;
  if (!info.base_urls.empty() && target != info.base_urls[0])
    target += (target.empty() ? "" : " at ") + info.base_urls[0];
  std::string out = "<dl class=\"run\"><dt>target</dt><dd>" + Esc(target) + "</dd>";
  for (size_t i = 0; i < plan.scenarios.size(); ++i) {
    const graph::Scenario& s = plan.scenarios[i];
    out += std::string(i == 0 ? "<dt>load</dt>" : "<dt></dt>") + "<dd>" +
           Esc((s.name.empty() ? "default" : s.name) + ": " + scenario::FormatLoad(s.load)) +
           "</dd>";
  }
  return out + "</dl>";
}

std::string Header(const Result& r, const RunInfo* info) {
  bool ok = AllPassed(r.thresholds);
  for (const auto& [name, c] : r.shard.checks()) ok = ok && c.fails == 0;
  std::string name = r.test_name.empty() ? "wsyaml run" : r.test_name;
  const char* verdict = r.interrupted ? "fail\">interrupted"
                        : ok          ? "pass\">passed"
                                      : "fail\">failed";
  std::string out = "<header><h1>" + Esc(name) + "<span class=\"verdict " + verdict +
                    "</span></h1><div class=\"meta\">";
  if (r.interrupted) out += "<strong>" + Esc(kInterruptedMessage) + "</strong> · ";
  std::string file =
      info != nullptr && !info->scenario_file.empty() ? info->scenario_file : r.source_file;
  if (!file.empty()) out += Esc(file) + " · ";
  out += "started " + Esc(IsoTime(r.start_unix_ms)) + " · " + FormatMicros(r.duration_s * 1e6);
  if (r.merged_runs > 1) out += " · " + std::to_string(r.merged_runs) + " runs merged";
  if (!r.wsyaml_version.empty()) out += " · wsyaml " + Esc(r.wsyaml_version);
  out += "</div>";
  if (info != nullptr) out += RunFacts(*info);
  return out + "</header>\n";
}

}  // namespace

std::string FormatHtmlReport(const Result& r, const RunInfo* info) {
  SummaryInput summary = SummaryInputOf(r);
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>wsyaml: " +
      Esc(r.test_name) + "</title>\n<style>" + kStyle + "</style></head>\n<body>\n";
  out += Header(r, info);
  out += "<main>\n" + ChecksAndThresholds(r) + ReportCharts(r) + MetricTables(r) + Errors(r);
  out += "<h2>Summary</h2><pre>" + Esc(FormatSummary(summary)) + "</pre>\n</main>\n";
  return out + "<script>" + kScript + "</script>\n</body></html>\n";
}

}  // namespace wsyaml::outputs
