#include "prometheus_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "http_get.h"

extern char** environ;

namespace wsyaml::testing {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string UrlEncode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (isalnum(c) || c == '_' || c == '.' || c == '-') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

PrometheusProcess::PrometheusProcess(const std::string& dir, int port, int target_port)
    : port_(port) {
  std::ofstream(dir + "/prometheus.yml") << "global: {scrape_interval: 1s, scrape_timeout: 1s}\n"
                                            "scrape_configs:\n"
                                            "  - job_name: wsyaml\n"
                                            "    static_configs: [{targets: ['127.0.0.1:"
                                         << target_port << "']}]\n";
  std::vector<std::string> args = {kPrometheusBinary, "--config.file=" + dir + "/prometheus.yml",
                                   "--storage.tsdb.path=" + dir + "/data",
                                   "--web.listen-address=127.0.0.1:" + std::to_string(port),
                                   "--log.level=warn"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = dir + "/prometheus.log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (posix_spawn(&pid_, kPrometheusBinary, &actions, nullptr, argv.data(), environ) != 0)
    pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

nlohmann::json PrometheusProcess::Query(const std::string& promql) const {
  HttpReply reply = HttpGet(port_, "/api/v1/query?query=" + UrlEncode(promql), 2);
  nlohmann::json json = nlohmann::json::parse(reply.body, nullptr, false);
  if (reply.status != 200 || json.is_discarded() || json.value("status", "") != "success")
    return nullptr;
  return json["data"]["result"];
}

void PrometheusProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (auto deadline = Clock::now() + 5s; Clock::now() < deadline;) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(20ms);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

double SingleValue(const nlohmann::json& result) {
  if (!result.is_array() || result.size() != 1) return -1;
  return std::stod(result[0]["value"][1].get<std::string>());
}

}  // namespace wsyaml::testing
