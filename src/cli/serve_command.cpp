// wsyaml serve chat|echo|chaos: runs a reference server until SIGINT/SIGTERM, then prints
// what it saw as one JSON line. With --procs N it forks N processes that share the port
// with SO_REUSEPORT and prints their counts summed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cli/commands.h"
#include "run/open_files.h"
#include "run/process_pool.h"
#include "run/stop_signals.h"
#include "server/reference_server.h"

namespace wsyaml::cli {
namespace {

struct ServeFlags {
  std::string kind;
  std::vector<std::string> addresses;
  uint16_t port = 0;
  int threads = 1;
  int procs = 1;
};

/// Waits for one of `set` (which must be blocked); returns it.
int WaitForStopSignal(const sigset_t& set) {
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

server::ServerOptions ToOptions(const ServeFlags& flags) {
  server::ServerOptions options;
  server::ParseKind(flags.kind, &options.kind);
  if (!flags.addresses.empty()) options.addresses = flags.addresses;
  options.port = flags.port;
  options.threads = flags.threads;
  options.reuse_port = flags.procs > 1;
  return options;
}

/// For chaos: a port that refuses TCP, announced on the second stdout line. Lives until exit.
std::unique_ptr<server::ClosedPort> AnnounceClosedPort(const ServeFlags& flags) {
  if (flags.kind != "chaos") return nullptr;
  std::string error;
  auto closed = server::ClosedPort::Open(&error);
  if (closed) {
    std::printf("refusing on ws://127.0.0.1:%u\n", closed->port());
  } else {
    std::fprintf(stderr, "wsyaml serve: %s\n", error.c_str());
  }
  std::fflush(stdout);
  return closed;
}

/// One process: serve until a stop signal, then print the counts.
int ServeInProcess(const ServeFlags& flags) {
  sigset_t stop_signals = run::BlockStopSignals();
  std::string error;
  auto server = server::ReferenceServer::Start(ToOptions(flags), &error);
  if (!server) {
    std::fprintf(stderr, "wsyaml serve: %s\n", error.c_str());
    return kExitSetupFailed;
  }
  std::printf("listening on ws://%s:%u\n", ToOptions(flags).addresses.front().c_str(),
              server->port());
  std::fflush(stdout);
  auto closed_port = AnnounceClosedPort(flags);
  WaitForStopSignal(stop_signals);
  server->Stop();
  std::printf("%s\n", server::FormatCounts(server->Counts()).c_str());
  std::fflush(stdout);
  return kExitOk;
}

/// A --procs child: serves on the given port, sends its port when listening (0 when it could
/// not start) and, after a stop signal, its counts.
int ServeChild(const ServeFlags& flags, run::ChildChannel& channel) {
  std::string error;
  auto server = server::ReferenceServer::Start(ToOptions(flags), &error);
  channel.Send(std::to_string(server ? server->port() : 0));
  if (!server) {
    std::fprintf(stderr, "wsyaml serve: %s\n", error.c_str());
    return kExitSetupFailed;
  }
  WaitForStopSignal(run::BlockStopSignals());
  server->Stop();
  // Parent and child are the same binary: the counts travel as their bytes.
  server::ServerCounts counts = server->Counts();
  channel.Send(std::string_view(reinterpret_cast<const char*>(&counts), sizeof counts));
  return kExitOk;
}

/// Reserves a port for the children when 0 was asked for: a bound, non-listening socket with
/// SO_REUSEPORT holds it while they bind with the same option. Returns -1 on failure.
int ReservePort(const std::string& host, uint16_t* port) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(*port);
    length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(*port);
    length = sizeof(*v6);
  } else {
    errno = EINVAL;
    return -1;
  }
  int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  auto* address = reinterpret_cast<sockaddr*>(&storage);
  if (bind(fd, address, length) != 0 || getsockname(fd, address, &length) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  *port = ntohs(storage.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
  return fd;
}

/// Starts flags.procs servers on flags.port; true when every one is listening on it.
bool StartChildren(const ServeFlags& flags, run::ProcessPool* pool, std::string* error) {
  if (!pool->Start(
          flags.procs,
          [&flags](int, run::ChildChannel& channel) { return ServeChild(flags, channel); },
          error)) {
    return false;
  }
  for (int i = 0; i < pool->size(); ++i) {
    std::string port;
    if (!pool->ReadMessage(i, &port) || port != std::to_string(flags.port)) {
      *error = "could not start " + std::to_string(flags.procs) + " server processes";
      return false;
    }
  }
  return true;
}

/// Stops every child and sums the counts of those that report.
server::ServerCounts StopChildren(run::ProcessPool& pool) {
  static_assert(std::is_trivially_copyable_v<server::ServerCounts>);
  server::ServerCounts total;
  pool.Signal(SIGTERM);
  for (int i = 0; i < pool.size(); ++i) {
    std::string message;
    server::ServerCounts counts;
    if (pool.ReadMessage(i, &message) && message.size() == sizeof counts) {
      std::memcpy(&counts, message.data(), sizeof counts);
      total += counts;
    }
  }
  pool.Finish();
  return total;
}

int ServeInProcesses(ServeFlags flags) {
  sigset_t stop_signals = run::BlockStopSignals();
  // The parent also wakes up when a child dies, so a crashed server is not silently missing.
  sigset_t parent_signals = stop_signals;
  sigaddset(&parent_signals, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &parent_signals, nullptr);
  const std::string host = ToOptions(flags).addresses.front();
  int reserved = ReservePort(host, &flags.port);
  if (reserved < 0) {
    std::fprintf(stderr, "wsyaml serve: cannot bind %s:%u: %s\n", host.c_str(), flags.port,
                 std::strerror(errno));
    return kExitSetupFailed;
  }
  run::ProcessPool pool;
  std::string error;
  bool ok = StartChildren(flags, &pool, &error);
  close(reserved);
  if (!ok) {
    StopChildren(pool);
    std::fprintf(stderr, "wsyaml serve: %s\n", error.c_str());
    return kExitSetupFailed;
  }
  std::printf("listening on ws://%s:%u\n", host.c_str(), flags.port);
  std::fflush(stdout);
  auto closed_port = AnnounceClosedPort(flags);
  int signal_number = WaitForStopSignal(parent_signals);
  server::ServerCounts total = StopChildren(pool);
  std::printf("%s\n", server::FormatCounts(total).c_str());
  std::fflush(stdout);
  if (signal_number == SIGCHLD) {
    std::fprintf(stderr, "wsyaml serve: a server process exited unexpectedly\n");
    return kExitSetupFailed;
  }
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Run a reference server on loopback until SIGINT/SIGTERM, then print its counts");
  serve->add_option("kind", flags->kind, "chat, echo or chaos")
      ->required()
      ->check(CLI::IsMember({"chat", "echo", "chaos"}));
  serve->add_option("--port,-p", flags->port, "Port to listen on; 0 = any free port")
      ->capture_default_str();
  serve->add_option("--threads,-t", flags->threads, "I/O threads per process")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve
      ->add_option("--procs", flags->procs,
                   "Server processes sharing the port with SO_REUSEPORT; counts are summed "
                   "(chat rooms are per process)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  serve->add_option("--address,-a", flags->addresses,
                    "Loopback address to listen on, or a range like 127.0.0.1-8 (repeatable; "
                    "default 127.0.0.1)");
  serve->callback([flags, &exit_code] {
    std::vector<std::string> addresses;
    std::string error;
    if (!server::ExpandAddressRanges(flags->addresses, &addresses, &error)) {
      std::fprintf(stderr, "wsyaml serve: %s\n", error.c_str());
      exit_code = kExitInvalid;
      return;
    }
    flags->addresses = addresses;
    std::string warning;
    run::RaiseOpenFilesLimit(&warning);
    if (!warning.empty()) std::fprintf(stderr, "wsyaml serve: warning: %s\n", warning.c_str());
    exit_code = flags->procs > 1 ? ServeInProcesses(*flags) : ServeInProcess(*flags);
  });
}

}  // namespace wsyaml::cli
