// Human-readable numbers for the summary, compare tables and the HTML report.
// Threading: pure functions; call from any thread.
#pragma once

#include <cstdint>
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

/// The length of the well-formed UTF-8 sequence at text[at] (1 to 4), its code point in
/// *code_point; 0 when the bytes there are not UTF-8 (a stray continuation byte, a truncated
/// or overlong sequence, a surrogate, a code point past U+10FFFF).
size_t Utf8Sequence(const std::string& text, size_t at, uint32_t* code_point);

/// `text` safe to print on a terminal, where a server's ESC or NUL could move the cursor,
/// recolour or clear the screen: C0 controls and DEL as \xNN (\n, \r, \t as such), C1
/// controls as \u00NN, bytes that are not UTF-8 as \xNN; the rest as it is. With
/// `keep_newlines`, '\n' stays a line break (a '\r' before it is dropped): for multi-line
/// log text whose lines are the layout.
std::string EscapeControls(const std::string& text, bool keep_newlines = false);

}  // namespace wsyaml::metrics
