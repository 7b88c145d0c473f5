// wsbench_minimal: the ceiling of our stack — a websocketpp client with the engine's config
// and nothing else. One thread, N connections to one URL, for D seconds, then one JSON line.
//   --mode pingpong  each connection sends a fixed message on open and again on every receive
//   --mode idle      opens the connections and holds them; prints an "open" line once all are
//                    open (or failed) with its RSS, then waits for D seconds or SIGTERM
//   --mode churn     each connection slot connects, closes on open, and connects again
//   --mode every     each connection sends "tick" every --interval-ms from its own
//                    asio::steady_timer, re-armed from its deadline (the naive `every`);
//                    the first send is one interval after open, as wsyaml's, or with
//                    --spread at phases spread evenly over the interval
// Usage: wsbench_minimal --url ws://127.0.0.1:P/ --connections N --duration S
//                        [--mode pingpong|idle|churn|every] [--size BYTES] [--max-pending K]
//                        [--interval-ms MS]
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>

#include "bench_common.h"

namespace {

using Client = websocketpp::client<wsbench::ClientConfig>;
using ConPtr = Client::connection_ptr;
using Clock = std::chrono::steady_clock;

enum class Mode { kPingPong, kIdle, kChurn, kEvery };

constexpr char kTick[] = "tick";  // what every-mode sends, as every-send.yaml does

struct Options {
  std::string url;
  int connections = 1;
  double duration_s = 5;
  Mode mode = Mode::kPingPong;
  size_t size = 32;         // payload bytes of each ping-pong message
  int max_pending = 256;    // connects in flight at once (the server's backlog is finite)
  long interval_ms = 1000;  // every: time between sends
  bool spread = false;      // every: phases spread evenly (else one interval after open)
};

class Bench {
 public:
  explicit Bench(const Options& options)
      : options_(options),
        payload_(options.size, 'x'),
        slots_(static_cast<size_t>(options.connections)),
        end_timer_(io_),
        grace_timer_(io_),
        signals_(io_, SIGINT, SIGTERM) {
    client_.init_asio(&io_);
  }

  void Run() {
    rss_before_kib_ = wsbench::RssKib();
    anon_before_kib_ = wsbench::RssKib("RssAnon:");
    start_ = Clock::now();
    Launch();
    end_timer_.expires_after(std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.duration_s)));
    end_timer_.async_wait([this](const std::error_code& ec) {
      if (!ec) Finish();
    });
    signals_.async_wait([this](const std::error_code& ec, int) {
      if (!ec) Finish();
    });
    io_.run();
    Report();
  }

 private:
  /// Starts connects until all slots are launched or max_pending are in flight.
  void Launch() {
    while (launched_ < options_.connections && pending_ < options_.max_pending) {
      Open(static_cast<size_t>(launched_++));
    }
  }

  void Open(size_t slot) {
    std::error_code ec;
    ConPtr con = client_.get_connection(options_.url, ec);
    if (ec) {
      Fail(ec.message());
      return;
    }
    ++pending_;
    con->set_open_handler([this, slot](websocketpp::connection_hdl) { OnOpen(slot); });
    con->set_message_handler([this, slot](websocketpp::connection_hdl, Client::message_ptr) {
      ++messages_;
      if (!stopping_ && options_.mode == Mode::kPingPong) Send(slot);
    });
    con->set_close_handler([this, slot](websocketpp::connection_hdl) { OnClose(slot); });
    con->set_fail_handler([this, slot](websocketpp::connection_hdl) {
      --pending_;
      Fail(slots_[slot]->get_ec().message());
      AfterConnectAttempt();
    });
    slots_[slot] = con;
    client_.connect(con);
  }

  void Send(size_t slot) {
    std::error_code ec =
        slots_[slot]->send(payload_.data(), payload_.size(), websocketpp::frame::opcode::text);
    if (ec) Fail(ec.message());
  }

  void OnOpen(size_t slot) {
    --pending_;
    ++opened_;
    ++open_now_;
    if (stopping_) {
      std::error_code ec;
      slots_[slot]->close(websocketpp::close::status::going_away, "", ec);
    } else if (options_.mode == Mode::kPingPong) {
      Send(slot);
    } else if (options_.mode == Mode::kChurn) {
      std::error_code ec;
      slots_[slot]->close(websocketpp::close::status::normal, "", ec);
    } else if (options_.mode == Mode::kEvery) {
      if (timers_.empty()) timers_.resize(slots_.size());
      timers_[slot] = std::make_unique<asio::steady_timer>(io_);
      Tick(slot, options_.spread ? FirstDeadline(slot)
                                 : Clock::now() + std::chrono::milliseconds(options_.interval_ms));
    }
    AfterConnectAttempt();
  }

  /// Slot i fires at phase start + i/N of an interval, at least one interval after its open,
  /// so the sends are spread evenly however the connects bunched up.
  Clock::time_point FirstDeadline(size_t slot) const {
    Clock::duration interval = std::chrono::milliseconds(options_.interval_ms);
    Clock::time_point phase =
        start_ + interval * static_cast<int64_t>(slot) / static_cast<int64_t>(slots_.size());
    Clock::time_point earliest = Clock::now() + interval;
    if (phase >= earliest) return phase;
    return phase + ((earliest - phase) / interval + 1) * interval;
  }

  /// Sends "tick" at `deadline`, then again every interval from that deadline.
  void Tick(size_t slot, Clock::time_point deadline) {
    timers_[slot]->expires_at(deadline);
    timers_[slot]->async_wait([this, slot, deadline](const std::error_code& ec) {
      if (ec || stopping_ || slots_[slot]->get_state() != websocketpp::session::state::open) return;
      ++fires_;
      std::error_code send_ec =
          slots_[slot]->send(kTick, sizeof(kTick) - 1, websocketpp::frame::opcode::text);
      if (send_ec) Fail(send_ec.message());
      Tick(slot, deadline + std::chrono::milliseconds(options_.interval_ms));
    });
  }

  void OnClose(size_t slot) {
    --open_now_;
    if (options_.mode == Mode::kChurn && !stopping_) {
      Open(slot);
    } else if (stopping_ && open_now_ == 0 && pending_ == 0) {
      io_.stop();
    }
  }

  void Fail(const std::string& message) {
    ++failed_;
    if (first_error_.empty()) first_error_ = message;
  }

  /// After each open or failure: launch more; in idle mode, announce when all have settled.
  void AfterConnectAttempt() {
    if (stopping_) {
      if (open_now_ == 0 && pending_ == 0) io_.stop();
      return;
    }
    Launch();
    if (options_.mode == Mode::kIdle && !announced_ && opened_ + failed_ >= options_.connections) {
      announced_ = true;
      connect_s_ = Seconds(Clock::now() - start_);
      rss_open_kib_ = wsbench::RssKib();
      std::printf("{\"event\":\"open\",\"opened\":%lld,\"failed\":%lld,\"connect_s\":%.3f}\n",
                  opened_, failed_, connect_s_);
      std::fflush(stdout);
    }
  }

  /// Stops sending, closes every open connection with 1001 and gives them 2 s to finish.
  void Finish() {
    if (stopping_) return;
    stopping_ = true;
    wall_s_ = Seconds(Clock::now() - start_);
    messages_at_end_ = messages_;
    end_timer_.cancel();
    signals_.cancel();
    for (auto& timer : timers_) {
      if (timer) timer->cancel();
    }
    for (ConPtr& con : slots_) {
      if (!con || con->get_state() != websocketpp::session::state::open) continue;
      std::error_code ec;
      con->close(websocketpp::close::status::going_away, "", ec);
    }
    grace_timer_.expires_after(std::chrono::seconds(2));
    grace_timer_.async_wait([this](const std::error_code& ec) {
      if (!ec) io_.stop();
    });
    if (open_now_ == 0 && pending_ == 0) io_.stop();
  }

  void Report() const {
    double cpu = wsbench::CpuSeconds();
    const char* mode = options_.mode == Mode::kPingPong ? "pingpong"
                       : options_.mode == Mode::kIdle   ? "idle"
                       : options_.mode == Mode::kChurn  ? "churn"
                                                        : "every";
    std::printf(
        "{\"tool\":\"wsbench_minimal\",\"mode\":\"%s\",\"connections\":%d,\"opened\":%lld,"
        "\"failed\":%lld,\"messages\":%llu,\"fires\":%llu,\"seconds\":%.3f,\"cpu_s\":%.4f,"
        "\"rss_before_kib\":%ld,\"anon_before_kib\":%ld,\"rss_open_kib\":%ld,\"connect_s\":%.3f,"
        "\"first_error\":\"%s\"}\n",
        mode, options_.connections, static_cast<long long>(opened_),
        static_cast<long long>(failed_), static_cast<unsigned long long>(messages_at_end_),
        static_cast<unsigned long long>(fires_), wall_s_, cpu, rss_before_kib_, anon_before_kib_,
        rss_open_kib_, connect_s_, first_error_.c_str());
  }

  static double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

  Options options_;
  std::string payload_;
  asio::io_context io_;
  Client client_;
  std::vector<ConPtr> slots_;                                // each slot's current connection
  std::vector<std::unique_ptr<asio::steady_timer>> timers_;  // every: one per slot
  asio::steady_timer end_timer_;
  asio::steady_timer grace_timer_;
  asio::signal_set signals_;
  Clock::time_point start_;
  int launched_ = 0;       // slots whose first connect has started
  int pending_ = 0;        // connects in flight
  long long opened_ = 0;   // handshakes completed (churn: every reconnect counts)
  long long failed_ = 0;   // connects or sends that failed
  int open_now_ = 0;       // connections open at this moment
  uint64_t messages_ = 0;  // messages received
  uint64_t messages_at_end_ = 0;
  uint64_t fires_ = 0;  // every: timer wakeups that sent
  bool stopping_ = false;
  bool announced_ = false;
  double wall_s_ = 0;     // seconds from the first connect to the end of the run
  double connect_s_ = 0;  // idle: seconds until every connection had opened or failed
  long rss_before_kib_ = 0;
  long anon_before_kib_ = 0;
  long rss_open_kib_ = 0;
  std::string first_error_;
};

bool ParseOptions(int argc, char** argv, Options* options) {
  options->url = wsbench::Flag(argc, argv, "--url", "");
  options->connections = std::stoi(wsbench::Flag(argc, argv, "--connections", "1"));
  options->duration_s = std::stod(wsbench::Flag(argc, argv, "--duration", "5"));
  options->size = static_cast<size_t>(std::stoul(wsbench::Flag(argc, argv, "--size", "32")));
  options->max_pending = std::stoi(wsbench::Flag(argc, argv, "--max-pending", "256"));
  options->interval_ms = std::stol(wsbench::Flag(argc, argv, "--interval-ms", "1000"));
  options->spread = wsbench::HasFlag(argc, argv, "--spread");
  std::string mode = wsbench::Flag(argc, argv, "--mode", "pingpong");
  if (mode == "pingpong") {
    options->mode = Mode::kPingPong;
  } else if (mode == "idle") {
    options->mode = Mode::kIdle;
  } else if (mode == "churn") {
    options->mode = Mode::kChurn;
  } else if (mode == "every") {
    options->mode = Mode::kEvery;
  } else {
    return false;
  }
  // Loopback only: this tool must never load anything else.
  bool loopback = options->url.rfind("ws://127.", 0) == 0 ||
                  options->url.rfind("ws://[::1]", 0) == 0 ||
                  options->url.rfind("ws://localhost", 0) == 0;
  return loopback && options->connections > 0 && options->duration_s > 0 &&
         options->duration_s <= 3600 && options->max_pending > 0 && options->interval_ms > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool ok = false;
  try {
    ok = ParseOptions(argc, argv, &options);
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) {
    std::fprintf(stderr,
                 "usage: wsbench_minimal --url ws://127.0.0.1:PORT/ --connections N "
                 "--duration SECONDS [--mode pingpong|idle|churn|every] [--size BYTES] "
                 "[--max-pending K] [--interval-ms MS] [--spread]   (loopback URLs only)\n");
    return 2;
  }
  wsbench::RaiseFileLimit();
  Bench bench(options);
  bench.Run();
  return 0;
}
