// --summary-export: the end-of-test summary as JSON, in k6's --summary-export shape.
// Threading: a pure function over const data; call from any thread.
#pragma once

#include <string>

#include "metrics/summary.h"

namespace wsyaml::outputs {

/// Exactly what FormatSummary shows, as JSON:
/// {"metrics": {"ws_connecting": {"avg": 1.2, ..., "thresholds": {"p(95) < 500ms": {"ok":
/// true}}}, "ws_connecting{name:echo}": {...}}, "root_group": {"name": "", "path": "",
/// "groups": {}, "checks": {NAME: {"name", "path", "passes", "fails"}}}, "errors": {...},
/// "close_codes": {...}, "state": {...}}. Times are milliseconds, as in k6. Ends with a
/// newline.
std::string FormatSummaryExport(const metrics::SummaryInput& input);

}  // namespace wsyaml::outputs
