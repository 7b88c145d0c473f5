#include "outputs/junit.h"

#include "metrics/format.h"
#include "metrics/summary.h"

namespace wsyaml::outputs {

using namespace wsyaml::metrics;  // NOLINT: these formatters read metrics types throughout
namespace {

struct Case {
  std::string name;
  std::string failure;  // empty = passed
  std::string details;
  bool error = false;  // an <error> (the run itself went wrong), not a <failure>
};

std::string Suite(const std::string& name, const std::string& classname,
                  const std::vector<Case>& cases, double time_s) {
  size_t failures = 0, errors = 0;
  for (const auto& c : cases) (c.error ? errors : failures) += c.failure.empty() ? 0 : 1;
  std::string out = "  <testsuite name=\"" + XmlEscape(name) + "\" tests=\"" +
                    std::to_string(cases.size()) + "\" failures=\"" + std::to_string(failures) +
                    "\" errors=\"" + std::to_string(errors) + "\" skipped=\"0\" time=\"" +
                    FormatNumber(time_s, 3) + "\">\n";
  for (const auto& c : cases) {
    out += "    <testcase classname=\"" + XmlEscape(classname) + "\" name=\"" + XmlEscape(c.name) +
           "\" time=\"0\"";
    if (c.failure.empty()) {
      out += "/>\n";
      continue;
    }
    const char* element = c.error ? "error" : "failure";
    const std::string type = c.error ? "interrupted" : name == "checks" ? "check" : "threshold";
    out += ">\n      <" + std::string(element) + " message=\"" + XmlEscape(c.failure) +
           "\" type=\"" + type + "\">" + XmlEscape(c.details) + "</" + element +
           ">\n    </testcase>\n";
  }
  return out + "  </testsuite>\n";
}

std::vector<Case> CheckCases(const Shard& shard) {
  std::vector<Case> cases;
  for (const auto& [name, c] : shard.checks()) {
    Case k{name, "", ""};
    if (c.fails > 0) {
      k.failure = std::to_string(c.fails) + " of " + std::to_string(c.passes + c.fails) + " failed";
      if (!c.last_failure.empty()) k.failure += ": " + c.last_failure;
      k.details = "passes: " + std::to_string(c.passes) + "\nfails: " + std::to_string(c.fails) +
                  "\nlast failure: " + c.last_failure;
    }
    cases.push_back(std::move(k));
  }
  return cases;
}

std::vector<Case> ThresholdCases(const Result& result) {
  std::vector<Case> cases;
  for (const auto& r : result.thresholds) {
    const graph::Threshold& t = r.threshold;
    Case k{ThresholdTarget(t) + " " + t.source, "", ""};
    if (!r.passed) {
      k.failure = r.error.empty() ? "'" + t.source + "' failed: " + FormatObserved(r)
                                  : "'" + t.source + "': " + r.error;
      if (!r.has_data && r.error.empty()) k.failure += " (no samples)";
      k.details = k.failure;
      if (t.pos.line > 0)
        k.details += "\nat " + result.source_file + ":" + std::to_string(t.pos.line) + ":" +
                     std::to_string(t.pos.column);
    }
    cases.push_back(std::move(k));
  }
  return cases;
}

}  // namespace

std::string XmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      // XML 1.0 holds neither bytes that are not UTF-8 (nor surrogates, overlong forms) nor
      // U+FFFE and U+FFFF: each becomes U+FFFD, so one hostile message cannot break the file.
      uint32_t cp = 0;
      size_t len = Utf8Sequence(text, i, &cp);
      if (len == 0 || cp == 0xFFFE || cp == 0xFFFF) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        if (len > 0) i += len - 1;
        continue;
      }
      out.append(text, i, len);
      i += len - 1;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        // XML 1.0 forbids other control characters even as references.
        if (c >= 0x20) out += static_cast<char>(c);
    }
  }
  return out;
}

std::string FormatJUnit(const Result& result) {
  std::vector<Case> checks = CheckCases(result.shard);
  std::vector<Case> thresholds = ThresholdCases(result);
  // An interrupted run is an error of its own suite, so CI cannot read it as a pass.
  std::vector<Case> run;
  if (result.interrupted)
    run.push_back({"run completed", kInterruptedMessage, kInterruptedMessage, true});
  size_t tests = 0, failures = 0, errors = 0;
  for (const auto* list : {&checks, &thresholds, &run}) {
    tests += list->size();
    for (const auto& c : *list) (c.error ? errors : failures) += c.failure.empty() ? 0 : 1;
  }
  std::string name = result.test_name.empty() ? "wsyaml" : result.test_name;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"" +
                    XmlEscape(name) + "\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
                    std::to_string(failures) + "\" errors=\"" + std::to_string(errors) +
                    "\" time=\"" + FormatNumber(result.duration_s, 3) + "\">\n";
  if (!run.empty()) out += Suite("run", "wsyaml.run", run, result.duration_s);
  out += Suite("checks", "wsyaml.checks", checks, result.duration_s);
  out += Suite("thresholds", "wsyaml.thresholds", thresholds, result.duration_s);
  return out + "</testsuites>\n";
}

}  // namespace wsyaml::outputs
