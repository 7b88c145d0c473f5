#include "process_util.h"

#include <arpa/inet.h>

#include <sys/socket.h>

#include <netinet/in.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "metrics/thresholds.h"

namespace wsyaml::testing {
namespace {

// argv and the environment are built before fork: tests start children from several threads
// at once, and a forked child must not allocate (another thread may hold the allocator's lock).
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& extra_env) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    bool replaced = false;
    for (const auto& extra : extra_env) replaced = replaced || name_of(extra) == name_of(kv);
    if (!replaced) env.push_back(kv);
  }
  env.insert(env.end(), extra_env.begin(), extra_env.end());
  return env;
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (const auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
  pointers.push_back(nullptr);
  return pointers;
}

// With `err_to` >= 0 the child's stderr is that descriptor instead of a pipe (*err_fd = -1).
pid_t Spawn(const std::vector<std::string>& args, const std::vector<std::string>& extra_env,
            int* out_fd, int* err_fd, int err_to = -1) {
  std::vector<std::string> env = ChildEnvironment(extra_env);
  std::vector<char*> argv = CStrings(args), envp = CStrings(env);
  int out_pipe[2], err_pipe[2] = {-1, -1};
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return -1;
  if (err_to < 0 && pipe2(err_pipe, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_to >= 0 ? err_to : err_pipe[1], 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  if (err_pipe[1] >= 0) close(err_pipe[1]);
  *out_fd = out_pipe[0];
  *err_fd = err_pipe[0];
  return pid;
}

bool Drain(int fd, std::string* into) {
  char buf[65536];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n > 0) into->append(buf, static_cast<size_t>(n));
  return n > 0;
}

// Reads the child's output until it closes both, sending `signals` on the way; kills it at
// `limit`.
ProcessResult Collect(pid_t pid, int out_fd, int err_fd, std::chrono::seconds limit,
                      std::vector<TimedSignal> signals) {
  ProcessResult result;
  auto started = std::chrono::steady_clock::now();
  auto deadline = started + limit;
  auto last_signal = started;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    while (!signals.empty() &&
           std::chrono::steady_clock::now() - last_signal >= signals.front().at &&
           (!signals.front().when || signals.front().when(result))) {
      kill(pid, signals.front().signal);
      signals.erase(signals.begin());
      last_signal = std::chrono::steady_clock::now();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    fds[0].fd = out_open ? out_fd : -1;
    fds[1].fd = err_open ? err_fd : -1;
    // A pending condition is checked every millisecond.
    int64_t wait_ms = !signals.empty() && signals.front().when ? 1 : 50;
    if (poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), wait_ms))) < 0) continue;
    // POLLERR: a terminal's master side once the child has closed it.
    if (out_open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
      out_open = Drain(out_fd, &result.out);
    if (err_open && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)))
      err_open = Drain(err_fd, &result.err);
  }
  close(out_fd);
  close(err_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

}  // namespace

ProcessResult RunProcess(const std::vector<std::string>& args, std::chrono::seconds limit,
                         const std::vector<std::string>& extra_env,
                         std::vector<TimedSignal> signals) {
  int out_fd = -1, err_fd = -1;
  pid_t pid = Spawn(args, extra_env, &out_fd, &err_fd);
  if (pid < 0) return {};
  return Collect(pid, out_fd, err_fd, limit, std::move(signals));
}

ProcessResult RunOnTerminal(const std::vector<std::string>& args, std::chrono::seconds limit,
                            std::vector<TimedSignal> signals) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) return {};
  int terminal = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (terminal < 0) return {};
  // Raw: what the child writes arrives as written ('\n' not turned into "\r\n").
  termios mode{};
  tcgetattr(terminal, &mode);
  cfmakeraw(&mode);
  tcsetattr(terminal, TCSANOW, &mode);
  int out_fd = -1, unused = -1;
  pid_t pid = Spawn(args, {}, &out_fd, &unused, terminal);
  close(terminal);
  if (pid < 0) return {};
  return Collect(pid, out_fd, master, limit, std::move(signals));
}

ServerProcess::ServerProcess(const std::vector<std::string>& args) {
  int err_fd = -1;
  pid_ = Spawn(args, {}, &out_fd_, &err_fd);
  if (pid_ < 0) return;
  close(err_fd);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::regex listening(R"(listening on ws://127\.0\.0\.1:(\d+))");
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{out_fd_, POLLIN, 0};
    if (poll(&fd, 1, 200) > 0 && !Drain(out_fd_, &buffered_)) break;
    std::smatch m;
    size_t eol = buffered_.find('\n');
    if (eol != std::string::npos) {
      std::string first = buffered_.substr(0, eol);
      if (std::regex_search(first, m, listening)) port_ = std::stoi(m[1]);
      buffered_.erase(0, eol + 1);
      break;
    }
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Stop();
}

std::string ServerProcess::Stop() {
  if (pid_ <= 0) return buffered_;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd fd{out_fd_, POLLIN, 0};
    if (poll(&fd, 1, 200) > 0 && !Drain(out_fd_, &buffered_)) break;
  }
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
  }
  close(out_fd_);
  pid_ = -1;
  return buffered_;
}

std::string WriteTempFile(const std::string& name, const std::string& text) {
  std::string path = TempDir() + "/" + name;
  FILE* f = fopen(path.c_str(), "w");
  if (f) {
    fputs(text.c_str(), f);
    fclose(f);
  }
  return path;
}

namespace {

// Whether 127.0.0.1:port can be bound now.
bool Bindable(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(fd);
  return ok;
}

// The lowest port the kernel gives to connect() and bind(0) (net.ipv4.ip_local_port_range).
int EphemeralLow() {
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return range >> low && low > 12000 ? low : 32768;
}

}  // namespace

int FreeLoopbackPort() {
  // Below the ephemeral range: a port the kernel took for bind(0) and gave back could be given
  // to one of the thousands of connections the background runs make before the test's server
  // binds it ("Address already in use"); these are never given out by the kernel.
  static std::mutex mutex;
  static std::set<int> given;
  static std::mt19937 random(static_cast<unsigned>(getpid()) * 7919u +
                             static_cast<unsigned>(time(nullptr)));
  static const int high = EphemeralLow();
  std::lock_guard<std::mutex> lock(mutex);
  std::uniform_int_distribution<int> pick(10000, high - 1);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = pick(random);
    if (given.count(port) || !Bindable(port)) continue;
    given.insert(port);
    return port;
  }
  return 0;
}

std::string WsyamlBinary() { return WSYAML_BINARY; }
std::string SourcePath(const std::string& relative) {
  return std::string(WSYAML_SOURCE_DIR) + "/" + relative;
}

std::string TempDir() {
  char pattern[] = "/tmp/wsyaml-test-XXXXXX";
  char* dir = mkdtemp(pattern);
  return dir ? dir : "/tmp";
}

double CounterTotal(const metrics::Result& result, metrics::MetricId id) {
  return metrics::CollectSeries(result.shard, result.tags, id, {}).sum;
}

uint64_t TrendCount(const metrics::Result& result, metrics::MetricId id) {
  return metrics::CollectSeries(result.shard, result.tags, id, {}).count;
}

}  // namespace wsyaml::testing
