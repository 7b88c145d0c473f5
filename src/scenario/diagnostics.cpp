// Diagnostics: collecting, sorting and printing them; did-you-mean suggestions.
#include <algorithm>
#include <sstream>

#include "scenario/context.h"

namespace wsyaml::scenario {

std::string Diagnostic::Headline() const {
  std::ostringstream out;
  out << file;
  if (line > 0) out << ':' << line << ':' << column;
  out << ": " << (severity == Severity::kError ? "error" : "warning") << ": " << message;
  return out.str();
}

std::string Diagnostic::Format() const {
  std::string out = Headline() + "\n";
  if (line > 0 && !source_line.empty()) {
    out += "  " + source_line + "\n";
    std::string caret(static_cast<size_t>(std::max(column, 1) - 1), ' ');
    // Keep tabs so the caret lines up under tab-indented text.
    for (size_t i = 0; i < caret.size() && i < source_line.size(); ++i)
      if (source_line[i] == '\t') caret[i] = '\t';
    out += "  " + caret + "^\n";
  }
  if (!hint.empty()) out += "  hint: " + hint + "\n";
  return out;
}

Reporter::Reporter(std::string file, std::string_view text) : file_(std::move(file)) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines_.push_back(std::move(line));
    start = end + 1;
  }
}

void Reporter::Error(graph::SourcePos pos, std::string message, std::string hint) {
  ++error_count_;
  if (error_count_ > kMaxErrors) return;
  Add(Diagnostic::Severity::kError, pos, std::move(message), std::move(hint));
}

void Reporter::Warning(graph::SourcePos pos, std::string message, std::string hint) {
  Add(Diagnostic::Severity::kWarning, pos, std::move(message), std::move(hint));
}

void Reporter::Add(Diagnostic::Severity severity, graph::SourcePos pos, std::string message,
                   std::string hint) {
  Diagnostic d;
  d.severity = severity;
  d.file = file_;
  d.line = pos.line;
  d.column = pos.column;
  d.message = std::move(message);
  d.hint = std::move(hint);
  if (pos.line > 0 && static_cast<size_t>(pos.line) <= lines_.size())
    d.source_line = lines_[pos.line - 1];
  diagnostics_.push_back(std::move(d));
}

std::vector<Diagnostic> Reporter::Take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.line != b.line) return a.line < b.line;
                     return a.column < b.column;
                   });
  if (error_count_ > kMaxErrors) {
    Diagnostic d;
    d.file = file_;
    d.message = "too many errors (" + std::to_string(error_count_) + "); showing the first " +
                std::to_string(kMaxErrors);
    diagnostics_.push_back(std::move(d));
  }
  return std::move(diagnostics_);
}

int EditDistance(std::string_view a, std::string_view b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diagonal = row[0];
    row[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int above = row[j];
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string* best = nullptr;
  int best_distance = 0;
  for (const auto& candidate : candidates) {
    int d = EditDistance(word, candidate);
    if (!best || d < best_distance) {
      best = &candidate;
      best_distance = d;
    }
  }
  // Short words are close to everything; demand a near match for them.
  int limit = word.size() <= 3 ? 1 : std::max<int>(2, static_cast<int>(word.size()) / 3);
  if (!best || best_distance > limit || best_distance == 0) return {};
  return "did you mean '" + *best + "'?";
}

int Context::Slot(const std::string& name) {
  auto it = slots.find(name);
  if (it != slots.end()) return it->second;
  int slot = static_cast<int>(plan.var_names.size());
  plan.var_names.push_back(name);
  slots.emplace(name, slot);
  return slot;
}

}  // namespace wsyaml::scenario
