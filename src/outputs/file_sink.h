// The outputs written once, whole, at the end of a run: the result file, JUnit, the HTML
// report and the summary export; and the summary itself, printed.
// Threading: as Sink.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>

#include "outputs/sink.h"

namespace wsyaml::outputs {

/// Writes one file at the end, atomically (metrics::WriteFileAtomically).
class FileSink : public Sink {
 public:
  /// Makes the file's text from the end of the run.
  using Format = std::function<std::string(const Final&)>;
  FileSink(std::string path, Format format) : path_(std::move(path)), format_(std::move(format)) {}
  bool Finish(const Final& final, std::string* error) override;

 private:
  std::string path_;
  Format format_;
};

/// Prints the end-of-test summary (metrics::FormatSummary) to a stream.
class SummarySink : public Sink {
 public:
  explicit SummarySink(std::ostream& out) : out_(out) {}
  bool Finish(const Final& final, std::string* error) override;

 private:
  std::ostream& out_;
};

}  // namespace wsyaml::outputs
