// Helpers shared by the metrics tests.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <string>

namespace wsyaml::metrics::testutil {

/// A fresh temporary directory under /tmp.
inline std::string TempDir() {
  char dir[] = "/tmp/wsyaml_metrics_XXXXXX";
  return mkdtemp(dir) ? dir : "";
}

/// Writes `text` to `path`; false on failure.
inline bool WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

/// Runs a shell command; returns its stdout and sets *status to its exit status.
inline std::string Run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return out;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  int rc = pclose(pipe);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

}  // namespace wsyaml::metrics::testutil
