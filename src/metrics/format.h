// Human-readable numbers for the summary, compare tables and the HTML report.
// Threading: pure functions; call from any thread.
#pragma once

#include <string>

namespace wsyaml::metrics {

/// A duration given in µs with an automatic unit: "812µs", "1.25ms", "3.5s", "2m3.4s".
std::string FormatMicros(double micros);
/// Bytes in SI units like k6: "850 B", "1.1 kB", "12 MB".
std::string FormatBytes(double bytes);
/// A number with at most `decimals` decimals, trailing zeros removed: "20.5", "3", "0.33".
std::string FormatNumber(double value, int decimals = 2);
/// A 0..1 ratio as a percentage with two decimals: "99.50%".
std::string FormatPercent(double ratio);
/// Display width of UTF-8 text in terminal columns (one per code point).
size_t DisplayWidth(const std::string& text);
/// `text` padded with `fill` on the right to `width` display columns (never truncated).
std::string PadRight(const std::string& text, size_t width, char fill = ' ');

}  // namespace wsyaml::metrics
