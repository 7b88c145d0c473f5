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

std::string PadRight(const std::string& text, size_t width, char fill) {
  size_t w = DisplayWidth(text);
  if (w >= width) return text;
  return text + std::string(width - w, fill);
}

}  // namespace wsyaml::metrics
