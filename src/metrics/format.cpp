#include "metrics/format.h"

#include <cmath>
#include <cstdio>

namespace wsyaml::metrics {

std::string FormatNumber(double value, int decimals) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan");
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, value);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

std::string FormatMicros(double micros) {
  if (micros < 1000) return FormatNumber(micros) + "µs";
  if (micros < 1e6) return FormatNumber(micros / 1e3) + "ms";
  if (micros < 60e6) return FormatNumber(micros / 1e6) + "s";
  double minutes = std::floor(micros / 60e6);
  double rest_s = (micros - minutes * 60e6) / 1e6;
  if (minutes < 60) return FormatNumber(minutes, 0) + "m" + FormatNumber(rest_s, 1) + "s";
  double hours = std::floor(minutes / 60);
  return FormatNumber(hours, 0) + "h" + FormatNumber(minutes - hours * 60, 0) + "m" +
         FormatNumber(rest_s, 0) + "s";
}

std::string FormatBytes(double bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB"};
  int unit = 0;
  while (std::fabs(bytes) >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  return FormatNumber(bytes, unit == 0 ? 0 : 1) + " " + kUnits[unit];
}

std::string FormatPercent(double ratio) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f%%", ratio * 100);
  return buf;
}

size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text)
    if ((c & 0xC0) != 0x80) ++width;
  return width;
}

size_t Utf8Sequence(const std::string& text, size_t at, uint32_t* code_point) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char c = byte(at);
  size_t len = c < 0x80                ? 1
               : c >= 0xC2 && c < 0xE0 ? 2
               : c >= 0xE0 && c < 0xF0 ? 3
               : c >= 0xF0 && c < 0xF5 ? 4
                                       : 0;
  if (len == 0 || at + len > text.size()) return 0;
  uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1Fu : len == 3 ? c & 0x0Fu : c & 0x07u;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(at + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(at + k) & 0x3Fu);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return len;
}

std::string EscapeControls(const std::string& text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  char buf[8];
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    uint32_t cp = 0;
    const size_t len = Utf8Sequence(text, i, &cp);
    if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    if (cp == '\n' && keep_newlines) {
      out += '\n';
    } else if (cp == '\r' && keep_newlines && i + 1 < text.size() && text[i + 1] == '\n') {
      // dropped: the line break that follows is the layout
    } else if (cp == '\n' || cp == '\r' || cp == '\t') {
      out += cp == '\n' ? "\\n" : cp == '\r' ? "\\r" : "\\t";
    } else if (cp < 0x20 || cp == 0x7F) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
      out += buf;
    } else if (cp >= 0x80 && cp < 0xA0) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
    } else {
      out.append(text, i, len);
    }
    i += len;
  }
  return out;
}

std::string PadRight(const std::string& text, size_t width, char fill) {
  size_t w = DisplayWidth(text);
  if (w >= width) return text;
  return text + std::string(width - w, fill);
}

}  // namespace wsyaml::metrics
