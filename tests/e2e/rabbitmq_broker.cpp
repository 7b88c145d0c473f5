#include "rabbitmq_broker.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "http_get.h"

namespace wsyaml::testing {
namespace {

using namespace std::chrono_literals;

std::string ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// rabbitmq_global_messages_NAME_total{labels} VALUE lines, summed by NAME.
BrokerCounts ParseGlobalCounters(const std::string& exposition) {
  static const std::string kPrefix = "rabbitmq_global_messages_", kSuffix = "_total";
  BrokerCounts counts;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(kPrefix, 0) != 0) continue;
    size_t name_end = line.find_first_of("{ ");
    size_t value_at = line.rfind(' ');
    if (name_end == std::string::npos || value_at == std::string::npos) continue;
    std::string name = line.substr(kPrefix.size(), name_end - kPrefix.size());
    if (name.size() <= kSuffix.size() ||
        name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
      continue;
    name.resize(name.size() - kSuffix.size());
    counts[name] += std::strtod(line.c_str() + value_at + 1, nullptr);
  }
  return counts;
}

BrokerCounts Growth(const BrokerCounts& before, const BrokerCounts& after) {
  BrokerCounts growth;
  for (const auto& [name, value] : after) {
    auto was = before.find(name);
    double delta = value - (was == before.end() ? 0 : was->second);
    if (delta != 0) growth[name] = delta;
  }
  return growth;
}

bool Reached(const BrokerCounts& growth, const BrokerCounts& expected) {
  for (const auto& [name, value] : expected) {
    auto got = growth.find(name);
    if ((got == growth.end() ? 0 : got->second) < value) return false;
  }
  return true;
}

}  // namespace

const std::string RabbitBroker::kBin = "/usr/lib/rabbitmq/bin/";

bool RabbitBroker::Start(std::string* why) {
  dir_ = TempDir();
  stomp_port_ = FreeLoopbackPort();
  prometheus_port_ = FreeLoopbackPort();
  mkdir((dir_ + "/mnesia").c_str(), 0700);
  mkdir((dir_ + "/log").c_str(), 0700);
  std::ofstream(dir_ + "/enabled_plugins") << "[rabbitmq_web_stomp,rabbitmq_prometheus].\n";
  // No fixed ports (AMQP 5672, plain STOMP 61613): another broker on this machine must not
  // make this one fail to start.
  std::ofstream(dir_ + "/rmq.conf") << "listeners.tcp = none\nstomp.listeners.tcp = none\n"
                                    << "web_stomp.tcp.ip = 127.0.0.1\n"
                                    << "web_stomp.tcp.port = " << stomp_port_ << "\n"
                                    << "prometheus.tcp.ip = 127.0.0.1\n"
                                    << "prometheus.tcp.port = " << prometheus_port_ << "\n"
                                    << "loopback_users = none\n";
  env_ = {"HOME=" + dir_,
          "RABBITMQ_MNESIA_BASE=" + dir_ + "/mnesia",
          "RABBITMQ_LOG_BASE=" + dir_ + "/log",
          "RABBITMQ_CONFIG_FILE=" + dir_ + "/rmq",
          "RABBITMQ_ENABLED_PLUGINS_FILE=" + dir_ + "/enabled_plugins",
          "RABBITMQ_PLUGINS_EXPAND_DIR=" + dir_ + "/plugins",
          "RABBITMQ_NODENAME=wsyaml-stomp-" + std::to_string(getpid()) + "@localhost",
          "RABBITMQ_NODE_IP_ADDRESS=127.0.0.1",
          "RABBITMQ_DIST_PORT=" + std::to_string(FreeLoopbackPort()),
          "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
          "RABBITMQ_CTL_ERL_ARGS=-kernel inet_dist_use_interface {127,0,0,1}",
          "ERL_EPMD_ADDRESS=127.0.0.1",
          "ERL_EPMD_PORT=" + std::to_string(FreeLoopbackPort()),
          "ERL_CRASH_DUMP=" + dir_ + "/log/erl_crash.dump"};
  auto started = std::chrono::steady_clock::now();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    FILE* log = freopen((dir_ + "/server.out").c_str(), "w", stdout);
    if (log) dup2(fileno(stdout), STDERR_FILENO);
    for (const std::string& e : env_) putenv(const_cast<char*>(e.c_str()));
    execl((kBin + "rabbitmq-server").c_str(), "rabbitmq-server", nullptr);
    _exit(127);
  }
  while (std::chrono::steady_clock::now() - started < 120s) {
    std::string out = ReadWhole(dir_ + "/server.out");
    if (out.find("Starting broker... completed") != std::string::npos) {
      std::cerr << "RabbitMQ (web-stomp on port " << stomp_port_ << ", prometheus on "
                << prometheus_port_ << ") started in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
                << " s\n";
      return true;
    }
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      *why = "rabbitmq-server exited:\n" + out.substr(out.size() > 2000 ? out.size() - 2000 : 0);
      return false;
    }
    std::this_thread::sleep_for(100ms);
  }
  *why = "rabbitmq-server did not start within 120 s";
  return false;
}

void RabbitBroker::Stop() {
  if (pid_ > 0) {
    Ctl({"stop"});
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (waitpid(pid_, nullptr, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(-pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    pid_ = -1;
  }
  if (!env_.empty()) RunProcess({"/usr/bin/epmd", "-kill"}, 10s, env_);
}

ProcessResult RabbitBroker::Ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {kBin + "rabbitmqctl", "-q"};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, 60s, env_);
}

std::map<std::string, std::pair<int, int>> RabbitBroker::Queues(const std::string& prefix) const {
  ProcessResult p = Ctl(
      {"list_queues", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged"});
  std::map<std::string, std::pair<int, int>> queues;
  std::istringstream lines(p.out);
  std::string name;
  int ready = 0, unacked = 0;
  while (lines >> name >> ready >> unacked)
    if (name.rfind(prefix, 0) == 0) queues[name] = {ready, unacked};
  return queues;
}

BrokerCounts RabbitBroker::Counts() const {
  HttpReply reply = HttpGet(static_cast<uint16_t>(prometheus_port_), "/metrics", 10);
  return reply.status == 200 ? ParseGlobalCounters(reply.body) : BrokerCounts{};
}

BrokerCounts RabbitBroker::GrowthSince(const BrokerCounts& before,
                                       const BrokerCounts& expected) const {
  // wsyaml has exited when this is called, but the broker may still be handling the last
  // frames it read from the closed sockets.
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!Reached(Growth(before, Counts()), expected) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(200ms);
  return Growth(before, Counts());
}

}  // namespace wsyaml::testing
