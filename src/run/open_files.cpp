#include "run/open_files.h"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "engine/load_profile.h"
#include "engine/vu_placement.h"

namespace wsyaml::run {
namespace {

// Connections one iteration of `steps` opens at most at once (connect counts, summed).
int ConnectionsIn(const graph::StepList& steps) {
  int total = 0;
  for (const graph::Step& step : steps) {
    if (auto* connect = std::get_if<graph::Connect>(&step.action)) {
      total += connect->count;
    } else if (auto* repeat = std::get_if<graph::Repeat>(&step.action)) {
      total += ConnectionsIn(repeat->body);
    } else if (auto* branch = std::get_if<graph::If>(&step.action)) {
      total += std::max(ConnectionsIn(branch->then), ConnectionsIn(branch->else_));
    }
  }
  return total;
}

}  // namespace

size_t RaiseOpenFilesLimit(std::string* warning) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlim_t wanted = limit.rlim_max;
    limit.rlim_cur = wanted;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
      *warning = "could not raise the open-files limit to " + std::to_string(wanted) + ": " +
                 std::strerror(errno);
      getrlimit(RLIMIT_NOFILE, &limit);
      return limit.rlim_cur;
    }
  }
  if (limit.rlim_cur < 4096) {
    *warning = "the open-files limit is " + std::to_string(limit.rlim_cur) +
               "; each connection needs one. Raise it with `ulimit -n` (hard limit " +
               std::to_string(limit.rlim_max) + ").";
  }
  return limit.rlim_cur;
}

int64_t MaxConnections(const graph::TestPlan& plan) {
  int64_t connections = 0;
  // This slice's VUs only: a segment of 18,750 connections needs no worker processes.
  for (const auto& scenario : plan.scenarios)
    connections += engine::ArrivalsOfSlice(engine::MaxVus(scenario.load), plan.slice) *
                   std::max(1, ConnectionsIn(scenario.steps));
  return connections;
}

int AutomaticProcs(const graph::TestPlan& plan, size_t open_files) {
  // Under a tiny limit more processes would not help: report the limit (fd-limit errors).
  if (open_files < 1024) return 1;
  // Leave room for the files a process needs besides its sockets.
  int64_t per_process = std::max<int64_t>(64, static_cast<int64_t>(open_files) * 9 / 10 - 64);
  int64_t procs = (MaxConnections(plan) + per_process - 1) / per_process;
  return static_cast<int>(std::clamp<int64_t>(procs, 1, 64));
}

}  // namespace wsyaml::run
