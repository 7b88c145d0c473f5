#include "outputs/file_sink.h"

#include <ostream>

#include "metrics/result.h"

namespace wsyaml::outputs {

bool FileSink::Finish(const Final& final, std::string* error) {
  return metrics::WriteFileAtomically(path_, format_(final), error);
}

bool SummarySink::Finish(const Final& final, std::string* error) {
  out_ << metrics::FormatSummary(*final.summary);
  out_.flush();
  if (out_) return true;
  *error = "the summary could not be written to standard output";
  return false;
}

}  // namespace wsyaml::outputs
