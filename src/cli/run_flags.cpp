#include "cli/run_flags.h"

#include <arpa/inet.h>

#include <cstdlib>

#include "run/outputs.h"
#include "scenario/compiler.h"
#include "server/reference_server.h"

namespace wsyaml::cli {
namespace {

bool ParseDurationFlag(const char* flag, const std::string& text, std::optional<graph::Micros>* out,
                       std::string* error) {
  if (text.empty()) return true;
  std::string parse_error;
  *out = scenario::ParseDuration(text, &parse_error);
  if (!*out) *error = std::string(flag) + ": " + parse_error;
  return out->has_value();
}

bool IsAddress(const std::string& text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool ParseLocalAddresses(const std::vector<std::string>& flags, std::vector<std::string>* out,
                         std::string* error) {
  if (!server::ExpandAddressRanges(flags, out, error)) {
    *error = "--local-address: " + *error;
    return false;
  }
  for (const std::string& address : *out) {
    if (!IsAddress(address)) {
      *error = "--local-address: '" + address + "' is not an IP address";
      return false;
    }
  }
  return true;
}

// `i/n`: segment i (0-based) of n.
bool ParseSegment(const std::string& text, graph::Slice* slice, std::string* error) {
  if (text.empty()) return true;
  size_t slash = text.find('/');
  char* end = nullptr;
  long index = std::strtol(text.c_str(), &end, 10);
  bool ok = slash != std::string::npos && slash > 0 && end == text.c_str() + slash;
  long count = ok ? std::strtol(text.c_str() + slash + 1, &end, 10) : 0;
  ok = ok && slash + 1 < text.size() && *end == '\0' && count >= 1 && count <= 1000000 &&
       index >= 0 && index < count;
  if (!ok) {
    *error = "--segment expects i/n with 0 <= i < n, e.g. 0/3, got '" + text + "'";
    return false;
  }
  *slice = {static_cast<int>(index), static_cast<int>(count)};
  return true;
}

bool ParseOutputs(const RunFlags& flags, std::vector<run::OutputSpec>* outputs,
                  std::string* error) {
  for (const std::string& out : flags.outs) {
    run::OutputSpec spec;
    if (!run::ParseOutFlag(out, &spec, error)) return false;
    outputs->push_back(spec);
  }
  if (!flags.junit.empty()) outputs->push_back({run::OutputSpec::Kind::kJUnit, flags.junit});
  if (!flags.report.empty()) outputs->push_back({run::OutputSpec::Kind::kReport, flags.report});
  return run::CheckOutputs(*outputs, error);
}

}  // namespace

void DeclareRunFlags(CLI::App* cmd, RunFlags* flags) {
  cmd->add_option("file", flags->file, "The scenario YAML file; - reads it from standard input")
      ->required();
  cmd->add_option("--vus", flags->vus, "Override load.vus");
  cmd->add_option("--duration", flags->duration, "Override load.duration, e.g. 30s");
  cmd->add_option("--graceful-stop", flags->graceful_stop,
                  "Override load.graceful-stop: time running iterations get at the end");
  cmd->add_option("--iterations", flags->iterations, "Override load.iterations (per VU)");
  cmd->add_option("--target", flags->target,
                  "Override the target: a URL, builtin:NAME, ws://127.0.0.1-8:PORT for a range "
                  "of addresses, or several URLs separated by commas");
  // One value per use (-e A=1 -e B=2), so that a file after them is not taken as a value.
  cmd->add_option("-e,--env", flags->env_pairs, "Set ${env.NAME}: -e NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--secret", flags->secret_env,
                  "Mask the value of env NAME as *** in every output (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--threads", flags->threads, "Worker threads per process (default: cores)");
  cmd->add_option("--procs", flags->procs,
                  "Worker processes (default: automatic, more when one process cannot hold "
                  "the connections under its open-files limit)");
  cmd->add_option("--local-address", flags->local_addresses,
                  "Source addresses for connections, taken in turn, e.g. 127.0.0.2-127.0.0.9 "
                  "(to get past ~28k ports per source/destination pair; literal IP targets)")
      ->allow_extra_args(false);
  cmd->add_option("--segment", flags->segment,
                  "Run segment i of n of the test (0 <= i < n): its share of the VUs and "
                  "arrivals; the n result files merge into the whole (wsyaml merge)");
  cmd->add_flag("-v,--debug", flags->debug, "Print every frame, handshake and close");
  cmd->add_flag("-q,--quiet", flags->quiet, "No progress line");
  cmd->add_option("--out", flags->outs, "json=FILE or ndjson=FILE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--junit", flags->junit, "Write a JUnit XML file (checks, thresholds)");
  cmd->add_option("--report", flags->report, "Write a self-contained HTML report");
}

bool ToRunOptions(const RunFlags& flags, const std::map<std::string, std::string>& environment,
                  run::RunOptions* options, std::string* error) {
  options->file = flags.file;
  options->env = environment;
  if (!scenario::OverlayEnvPairs(flags.env_pairs, &options->env, error)) return false;
  scenario::Overrides& overrides = options->overrides;
  overrides.vus = flags.vus;
  overrides.iterations = flags.iterations;
  if (!flags.target.empty()) overrides.target = flags.target;
  if (!ParseDurationFlag("--duration", flags.duration, &overrides.duration, error) ||
      !ParseDurationFlag("--graceful-stop", flags.graceful_stop, &overrides.graceful_stop, error)) {
    return false;
  }
  if (flags.threads < 0 || flags.procs < 0) {
    *error = std::string(flags.threads < 0 ? "--threads" : "--procs") +
             " must be at least 1 (or 0 for automatic), got " +
             std::to_string(flags.threads < 0 ? flags.threads : flags.procs);
    return false;
  }
  options->threads = flags.threads;
  options->procs = flags.procs;
  options->secret_env = flags.secret_env;
  options->debug = flags.debug;
  options->quiet = flags.quiet;
  return ParseLocalAddresses(flags.local_addresses, &options->local_addresses, error) &&
         ParseSegment(flags.segment, &options->slice, error) &&
         ParseOutputs(flags, &options->outputs, error);
}

}  // namespace wsyaml::cli
