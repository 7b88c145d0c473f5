// JUnit XML for CI: one testcase per check name and per threshold.
// Threading: a pure function; call from any thread.
#pragma once

#include <string>

#include "metrics/result.h"

namespace wsyaml::outputs {

/// The result as JUnit XML: a testsuite "checks" with one testcase per check name (a
/// <failure> when any outcome failed, with counts and the last failure message) and a
/// testsuite "thresholds" with one testcase per threshold (a <failure> with the observed
/// value). Well-formed XML 1.0; text is escaped and control characters dropped.
std::string FormatJUnit(const metrics::Result& result);

/// `text` escaped for XML attribute values and character data.
std::string XmlEscape(const std::string& text);

}  // namespace wsyaml::outputs
