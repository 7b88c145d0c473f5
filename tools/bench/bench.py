#!/usr/bin/python3
"""Runs wsyaml side by side with its baselines and prints ratios (see tools/bench/run.sh).

Every process is bounded in time (a kill timer) and every target is loopback. Results go to
stdout as tables and to --json as one document, for docs/performance.md.
"""
import argparse
import json
import os
import re
import signal
import sys
import tempfile
import time


from benchlib import (SCENARIOS, Bench, counter, established, last_json, loadavg, machine,
                      read_line, rss_kib, wait_until)


# ---- (a) echo throughput ---------------------------------------------------------------------

def minimal_pingpong(b, target, n, seconds):
    """(messages, CPU seconds) of wsbench_minimal --mode pingpong."""
    out, cpu, _ = b.measured(
        [b.minimal, "--url", target + "/", "--connections", str(n), "--duration", str(seconds),
         "--mode", "pingpong"], "minimal-pingpong-%d" % n, seconds + 30)
    return last_json(out)["messages"], cpu


def floor_pingpong(b, target, n, seconds):
    """(messages, CPU seconds) of wsbench_floor: plain sockets and epoll, no WebSocket library."""
    out, cpu, _ = b.measured(
        [b.floor, "--url", target + "/", "--connections", str(n), "--duration", str(seconds)],
        "floor-pingpong-%d" % n, seconds + 30)
    return last_json(out)["messages"], cpu


def wsyaml_pingpong(b, target, n, seconds):
    """(messages, CPU seconds) of wsyaml running pingpong.yaml on one worker thread."""
    result, cpu, _ = b.run_wsyaml(
        os.path.join(SCENARIOS, "pingpong.yaml"), target,
        ["--vus", str(n), "--duration", "%ds" % seconds, "--threads", "1"],
        "wsyaml-pingpong-%d" % n, seconds + 60)
    return counter(result, "ws_msgs_received"), cpu


CLIENTS = (("floor", floor_pingpong), ("minimal", minimal_pingpong), ("wsyaml", wsyaml_pingpong))
# Three rounds, each client once per round in a rotated order: each takes every place once.
ORDERS = ((0, 1, 2), (2, 0, 1), (1, 2, 0))


def us_per_msg(run):
    return 1e6 * run[1] / max(run[0], 1)


def throughput(b, counts, seconds):
    server, port = b.start_server()
    target = "ws://127.0.0.1:%d" % port
    rows = []
    try:
        for n in counts:
            # The best of three runs each: the machine is shared, and other load only ever
            # makes CPU per message worse. The spread (worst - best) says how much it did.
            runs = {name: [] for name, _ in CLIENTS}
            for order in ORDERS:
                for i in order:
                    name, run = CLIENTS[i]
                    runs[name].append(run(b, target, n, seconds))
            rows.append(throughput_row(n, runs))
    finally:
        b.stop(server)
    return rows


def throughput_row(n, runs):
    """The best run of each client at n connections, the spreads and the ratios."""
    row = {"connections": n, "loadavg": loadavg(), "runs_us_per_msg": {}}
    for name, client_runs in runs.items():
        msgs, cpu = min(client_runs, key=us_per_msg)
        each = [us_per_msg(r) for r in client_runs]
        row.update({"%s_msgs" % name: msgs, "%s_cpu_s" % name: cpu,
                    "%s_us_per_msg" % name: us_per_msg((msgs, cpu)),
                    "%s_spread_us" % name: max(each) - min(each)})
        row["runs_us_per_msg"][name] = [round(u, 2) for u in each]
    row["ratio"] = row["minimal_us_per_msg"] / max(row["wsyaml_us_per_msg"], 1e-9)
    row["met"] = row["ratio"] >= 0.8
    row["wsyaml_x_floor"] = row["wsyaml_us_per_msg"] / max(row["floor_us_per_msg"], 1e-9)
    row["minimal_x_floor"] = row["minimal_us_per_msg"] / max(row["floor_us_per_msg"], 1e-9)
    print("  %4d conns, client CPU us per round trip (best of 3, +spread): floor %.2f (+%.2f),"
          " minimal %.2f (+%.2f), wsyaml %.2f (+%.2f); wsyaml = %.2fx floor, minimal = %.2fx"
          " floor; minimal/wsyaml msgs per CPU-s %.2f; load %s" % (
              n, row["floor_us_per_msg"], row["floor_spread_us"], row["minimal_us_per_msg"],
              row["minimal_spread_us"], row["wsyaml_us_per_msg"], row["wsyaml_spread_us"],
              row["wsyaml_x_floor"], row["minimal_x_floor"], row["ratio"], row["loadavg"]),
          flush=True)
    return row


# ---- (b) idle memory -------------------------------------------------------------------------

# Connections per client process, each to its own destination address: under the 20,000
# open-files limit per process and the ~28k ephemeral ports per destination address.
PER_PROCESS = 16000


def layout(n):
    """How n connections are spread: [(address, count)] for the clients, server procs."""
    procs = -(-n // PER_PROCESS)
    shares = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    clients = [("127.0.0.%d" % (i + 1), share) for i, share in enumerate(shares)]
    server_procs = max(1, -(-n // 15000))
    return clients, server_procs


def start_idle_server(b, clients, server_procs):
    addresses = ["127.0.0.1-127.0.0.%d" % len(clients)] if len(clients) > 1 else None
    server, port = b.start_server(procs=server_procs, addresses=addresses)
    time.sleep(0.5)
    return server, port, rss_kib(server.pid)


def memory_minimal(b, n, hold, tool="minimal"):
    clients, server_procs = layout(n)
    server, port, s_before = start_idle_server(b, clients, server_procs)
    procs = []
    try:
        for address, share in clients:
            procs.append(b.spawn(
                [b.minimal, "--url", "ws://%s:%d/" % (address, port), "--connections", str(share),
                 "--duration", str(hold), "--mode", "idle"], "%s-idle-%d" % (tool, n),
                stdout_pipe=True))
        start = time.monotonic()
        for proc in procs:
            read_line(proc, hold)
        connect_s = time.monotonic() - start
        time.sleep(1)
        c_open = sum(rss_kib(p.pid) for p in procs)
        c_anon_open = sum(rss_kib(p.pid, "RssAnon:") for p in procs)
        s_open = rss_kib(server.pid)
        finals = [last_json(b.stop(p)) for p in procs]
    finally:
        for p in procs:
            b.stop(p, signal.SIGKILL)
        b.stop(server)
    opened = sum(f["opened"] for f in finals)
    c_before = sum(f["rss_before_kib"] for f in finals)
    c_anon_before = sum(f["anon_before_kib"] for f in finals)
    errors = sorted({f["first_error"] for f in finals if f["first_error"]})
    return memory_row(tool, n, opened, c_before, c_open, s_before, s_open, connect_s, errors,
                      c_anon_before, c_anon_open)


def memory_wsyaml(b, n, hold):
    clients, server_procs = layout(n)
    server, port, s_before = start_idle_server(b, clients, server_procs)
    # One command: beyond one process wsyaml spreads the VUs over worker processes itself
    # (--procs, automatic) and the target names a range of addresses.
    target = "ws://127.0.0.1%s:%d" % ("-%d" % len(clients) if len(clients) > 1 else "", port)
    procs = []
    try:
        procs.append(b.spawn(
            [b.wsyaml, "run", os.path.join(SCENARIOS, "idle.yaml"), "--target", target, "--vus",
             str(n), "--duration", "%ds" % hold, "--threads", "1", "--quiet"],
            "wsyaml-idle-%d" % n))
        time.sleep(2.5)  # every VU is allocated and asleep; the connects start at 4 s
        c_before = sum(rss_kib(p.pid) for p in procs)
        c_anon_before = sum(rss_kib(p.pid, "RssAnon:") for p in procs)
        start = time.monotonic()
        wait_until(lambda: established(port) >= n, hold)
        connect_s = time.monotonic() - start - 1.5
        time.sleep(1)
        opened = established(port)
        c_open = sum(rss_kib(p.pid) for p in procs)
        c_anon_open = sum(rss_kib(p.pid, "RssAnon:") for p in procs)
        s_open = rss_kib(server.pid)
        for p in procs:
            b.stop(p, signal.SIGINT, timeout=30)
    finally:
        for p in procs:
            b.stop(p, signal.SIGKILL)
        b.stop(server)
    errors = []
    for p in procs:
        p.bench_log.seek(0)
        errors += re.findall(r"^\s*(?:ws_errors|error).*$", p.bench_log.read(), re.M)[:3]
    row = memory_row("wsyaml", n, opened, c_before, c_open, s_before, s_open, connect_s, errors,
                     c_anon_before, c_anon_open)
    row["client_rss_before_kib"] = c_before
    row["client_anon_before_kib"] = c_anon_before
    return row


def memory_row(tool, n, opened, c_before, c_open, s_before, s_open, connect_s, errors,
               c_anon_before, c_anon_open):
    per = lambda delta: delta * 1024 / 1000 / max(opened, 1)  # KB (1000 bytes) per connection
    row = {
        "tool": tool, "connections": n, "opened": opened,
        "client_kb_per_conn": per(c_open - c_before), "server_kb_per_conn": per(s_open - s_before),
        "client_anon_kb_per_conn": per(c_anon_open - c_anon_before),
        "client_rss_open_kib": c_open, "server_rss_open_kib": s_open,
        "seconds_to_open": connect_s, "errors": errors,
    }
    print("  %-10s %6d conns (%d open in %.1f s): client %.2f KB/conn (private %.2f),"
          " server %.2f KB/conn%s" % (
              tool, n, opened, connect_s, row["client_kb_per_conn"],
              row["client_anon_kb_per_conn"], row["server_kb_per_conn"],
              ("  errors: %s" % errors) if errors else ""), flush=True)
    return row


def memory(b, counts, hold):
    rows = []
    for n in counts:
        rows.append(memory_minimal(b, n, hold))
        rows.append(memory_wsyaml(b, n, hold))
    # VU state: what the VUs add before any connection, from the two smallest wsyaml runs.
    ws = [r for r in rows if r["tool"] == "wsyaml"]
    if len(ws) >= 2:
        a, z = ws[0], ws[1]
        span = (z["connections"] - a["connections"]) * 1000 / 1024
        vu_kb = (z["client_rss_before_kib"] - a["client_rss_before_kib"]) / span
        vu_anon_kb = (z["client_anon_before_kib"] - a["client_anon_before_kib"]) / span
        for r in ws:
            r["vu_kb"] = vu_kb
            r["client_kb_per_conn_with_vu"] = r["client_kb_per_conn"] + vu_kb
            r["client_anon_kb_per_conn_with_vu"] = r["client_anon_kb_per_conn"] + vu_anon_kb
            # Judged on private memory: the first connection also pages in ~0.5 MB of the
            # binary's code (shared with every process running it), which is no connection's.
            r["met"] = r["client_anon_kb_per_conn_with_vu"] <= 10
        print("  wsyaml VU state before connecting: %.2f KB/VU (private %.2f)" % (
            vu_kb, vu_anon_kb), flush=True)
    return rows


# ---- (c) timers ------------------------------------------------------------------------------

def timers(b, vus, seconds):
    every = os.path.join(SCENARIOS, "every.yaml")
    quiet = os.path.join(b.log_dir, "every-1h.yaml")
    with open(every) as f, open(quiet, "w") as g:
        g.write(f.read().replace("interval: 1s", "interval: 1h"))
    args = ["--vus", str(vus), "--duration", "%ds" % seconds, "--threads", "1"]
    baseline_cmd = [b.timer_baseline, "--timers", str(vus), "--interval-ms", "1000",
                    "--duration", str(seconds)]
    # Two rounds, and the least CPU of each: other load on the machine only adds to it.
    bases, fire_cpus, idle_cpus = [], [], []
    for _ in range(2):
        out, cpu, _ = b.measured(baseline_cmd, "timer-baseline", seconds + 30)
        bases.append((cpu, last_json(out)))
        fire_cpus.append(b.run_wsyaml(every, "ws://127.0.0.1:9", args, "wsyaml-every-1s",
                                      seconds + 60)[1])
        idle_cpus.append(b.run_wsyaml(quiet, "ws://127.0.0.1:9", args, "wsyaml-every-1h",
                                      seconds + 60)[1])
    base_cpu, base = min(bases, key=lambda x: x[0] / max(x[1]["fires"], 1))
    fire_cpu, idle_cpu = min(fire_cpus), min(idle_cpus)
    # VU starts are spread over 1 s and the first fire is 1 s after the start: each VU fires
    # about seconds - 1 times (timer_baseline plans its timers the same way and counts).
    fires = vus * (seconds - 1)
    lateness = timer_lateness(b, lambda url: b.run_wsyaml(
        os.path.join(SCENARIOS, "every-send.yaml"), url, args, "wsyaml-every-send",
        seconds + 60), seconds)
    # The same measurement of the naive client: first send one interval after open (as
    # wsyaml's `every`), and with phases spread evenly over the interval (the ideal).
    minimal = [b.minimal, "--connections", str(vus), "--duration", str(seconds), "--mode", "every"]
    naive = timer_lateness(b, lambda url: b.measured(
        minimal + ["--url", url + "/"], "minimal-every", seconds + 30), seconds)
    spread = timer_lateness(b, lambda url: b.measured(
        minimal + ["--url", url + "/", "--spread"], "minimal-every-spread", seconds + 30), seconds)
    row = {
        "timers": vus, "seconds": seconds,
        "baseline_fires": base["fires"], "baseline_cpu_s": base_cpu,
        "baseline_us_per_fire": 1e6 * base_cpu / max(base["fires"], 1),
        "baseline_lateness_p50_us": base["lateness_p50_us"],
        "baseline_lateness_p99_us": base["lateness_p99_us"],
        "wsyaml_fires_estimated": fires, "wsyaml_cpu_s": fire_cpu,
        "wsyaml_cpu_s_no_fires": idle_cpu,
        "wsyaml_us_per_fire": 1e6 * (fire_cpu - idle_cpu) / fires,
        "wsyaml_lateness_p50_us": lateness["lateness_p50_us"],
        "wsyaml_lateness_p99_us": lateness["lateness_p99_us"],
        "wsyaml_lateness_max_us": lateness["lateness_max_us"],
        "wsyaml_lateness_samples": lateness["samples"],
        "minimal_lateness_p50_us": naive["lateness_p50_us"],
        "minimal_lateness_p99_us": naive["lateness_p99_us"],
        "minimal_lateness_max_us": naive["lateness_max_us"],
        "spread_lateness_p50_us": spread["lateness_p50_us"],
        "spread_lateness_p99_us": spread["lateness_p99_us"],
        "spread_lateness_max_us": spread["lateness_max_us"],
        "loadavg": loadavg(),
    }
    row["cpu_runs_s"] = {"baseline": [round(c, 3) for c, _ in bases],
                         "wsyaml_1s": [round(c, 3) for c in fire_cpus],
                         "wsyaml_1h": [round(c, 3) for c in idle_cpus]}
    row["cpu_met"] = row["wsyaml_us_per_fire"] <= row["baseline_us_per_fire"]
    row["lateness_met"] = lateness["samples"] > 0 and row["wsyaml_lateness_p99_us"] <= 2000
    print("  timer_baseline (no I/O):       %.2f us/fire, lateness p50 %d us p99 %d us" % (
        row["baseline_us_per_fire"], base["lateness_p50_us"], base["lateness_p99_us"]))
    print("  wsyaml (every: 1s):            %.2f us/fire, lateness p50 %d us p99 %d us"
          " (max %d us, %d samples, measured at the sink)" % (
              row["wsyaml_us_per_fire"], row["wsyaml_lateness_p50_us"],
              row["wsyaml_lateness_p99_us"], row["wsyaml_lateness_max_us"],
              row["wsyaml_lateness_samples"]))
    print("  minimal (steady_timer + send): lateness p50 %d us p99 %d us (max %d us, at the sink)"
          % (naive["lateness_p50_us"], naive["lateness_p99_us"], naive["lateness_max_us"]))
    print("  minimal, phases spread:        lateness p50 %d us p99 %d us (max %d us, at the sink)"
          % (spread["lateness_p50_us"], spread["lateness_p99_us"], spread["lateness_max_us"]))
    print("  load average %s" % row["loadavg"], flush=True)
    return row


WARMUP_MS = 3000  # lateness is steady-state: the ramp-up (VU starts, handshakes) is left out


def timer_lateness(b, client, seconds):
    """Runs client(url) — a client that sends on each timer fire — against wsbench_sink, which
    reports how late the arrivals are against each connection's fixed-rate schedule."""
    sink = b.spawn([b.sink, "--interval-ms", "1000", "--port", "0", "--skip", "1",
                    "--warmup-ms", str(WARMUP_MS)], "sink", stdout_pipe=True)
    try:
        line = read_line(sink, 15) or ""
        port = int(re.search(r":(\d+)\s*$", line).group(1))
        client("ws://127.0.0.1:%d" % port)
        return last_json(b.stop(sink))
    finally:
        b.stop(sink, signal.SIGKILL)


# ---- (d) connection rate ---------------------------------------------------------------------

def connection_rate(b, concurrency, seconds):
    server, port = b.start_server()
    target = "ws://127.0.0.1:%d" % port
    try:
        out, m_cpu, _ = b.measured(
            [b.minimal, "--url", target + "/", "--connections", str(concurrency), "--duration",
             str(seconds), "--mode", "churn"], "minimal-churn", seconds + 30)
        m = last_json(out)
        time.sleep(1)
        result, w_cpu, _ = b.run_wsyaml(
            os.path.join(SCENARIOS, "churn.yaml"), target,
            ["--vus", str(concurrency), "--duration", "%ds" % seconds, "--threads", "1"],
            "wsyaml-churn", seconds + 60)
    finally:
        b.stop(server)
    w_sessions = counter(result, "ws_sessions")
    row = {
        "concurrency": concurrency, "seconds": seconds,
        "minimal_per_s": m["opened"] / seconds, "minimal_us_per_conn": 1e6 * m_cpu / max(m["opened"], 1),
        "minimal_failed": m["failed"],
        "wsyaml_per_s": w_sessions / seconds, "wsyaml_us_per_conn": 1e6 * w_cpu / max(w_sessions, 1),
        "wsyaml_errors": counter(result, "ws_errors"),
    }
    row["ratio"] = row["wsyaml_per_s"] / max(row["minimal_per_s"], 1e-9)
    print("  minimal %.0f conn/s (%.1f us CPU each), wsyaml %.0f conn/s (%.1f us CPU each),"
          " ratio %.2f" % (row["minimal_per_s"], row["minimal_us_per_conn"], row["wsyaml_per_s"],
                           row["wsyaml_us_per_conn"], row["ratio"]), flush=True)
    return row


def section(title):
    print("%s (load average %s):" % (title, loadavg()), flush=True)


def verdicts(report):
    """The issue's targets, each with the figure measured and whether it is met."""
    out = []
    for r in report.get("throughput", []):
        out.append(("throughput %d conns: wsyaml msgs/CPU-s >= 0.8x minimal" % r["connections"],
                    "%.2fx (wsyaml CPU per message %.2fx the floor's)" % (
                        r["ratio"], r["wsyaml_x_floor"]), r["met"]))
    for r in report.get("memory", []):
        if r["tool"] == "wsyaml" and "met" in r:
            out.append(("memory %d conns: <= 10 KB per idle connection, VU included"
                        % r["connections"], "%.2f KB private (%.2f KB with code pages)" % (
                            r["client_anon_kb_per_conn_with_vu"],
                            r["client_kb_per_conn_with_vu"]), r["met"]))
    if report.get("memory") and any(r["connections"] >= 100000 and r["opened"] >= 100000
                                    for r in report["memory"] if r["tool"] == "wsyaml"):
        out.append(("100k connections held", "yes", True))
    t = report.get("timers")
    if t:
        out.append(("timers: CPU per fire <= one steady_timer per VU",
                    "%.2f vs %.2f us" % (t["wsyaml_us_per_fire"], t["baseline_us_per_fire"]),
                    t["cpu_met"]))
        out.append(("timers: lateness p99 <= 2 ms (at the sink)",
                    "%.2f ms (naive client %.2f ms; machine floor: timer_baseline %.2f ms)" % (
                        t["wsyaml_lateness_p99_us"] / 1000, t["minimal_lateness_p99_us"] / 1000,
                        t["baseline_lateness_p99_us"] / 1000),
                    t["lateness_met"]))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True, help="build directory with the binaries")
    parser.add_argument("--full", action="store_true", help="also 100k idle connections")
    parser.add_argument("--only", default="abcd", help="sections to run, e.g. ab")
    parser.add_argument("--seconds", type=int, default=5, help="throughput/churn run length")
    parser.add_argument("--timer-seconds", type=int, default=12)
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args()
    if args.timer_seconds < 3 + WARMUP_MS // 1000 or args.seconds < 1:
        parser.error("--timer-seconds must leave time after the %d s warm-up" % (WARMUP_MS // 1000))
    b = Bench(args.build, tempfile.mkdtemp(prefix="wsyaml-bench-"))
    report = {"machine": machine(), "log_dir": b.log_dir}
    print("machine: %(nproc)d cores (%(cpu)s), %(memory_gib)s GiB, kernel %(kernel)s, "
          "open files %(nofile_hard)d, %(ephemeral_ports)d ephemeral ports, load %(loadavg_start)s"
          % report["machine"])
    print("logs: " + b.log_dir, flush=True)
    started = time.monotonic()
    if "a" in args.only:
        section("(a) echo throughput, client CPU per message (one worker thread) against the"
                " floor (wsbench_floor: plain sockets, epoll)")
        report["throughput"] = throughput(b, [1, 50, 500], args.seconds)
        report["machine"]["loadavg_after_a"] = loadavg()
    if "b" in args.only:
        section("(b) idle memory per connection")
        counts = [1000, 10000] + ([100000] if args.full else [])
        report["memory"] = memory(b, counts, 120)
        report["machine"]["loadavg_after_b"] = loadavg()
    if "c" in args.only:
        section("(c) timers: 10k VUs with every: 1s")
        report["timers"] = timers(b, 10000, args.timer_seconds)
    if "d" in args.only:
        section("(d) connection rate (connect, close on open, again; 50 at a time)")
        report["connection_rate"] = connection_rate(b, 50, args.seconds)
        report["machine"]["loadavg_after_d"] = loadavg()
    report["machine"]["loadavg_end"] = loadavg()
    report["targets"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in verdicts(report)]
    print("targets:")
    for t in report["targets"]:
        print("  %-4s %-62s %s" % ("MET" if t["met"] else "NOT", t["target"], t["measured"]))
    report["wall_s"] = round(time.monotonic() - started, 1)
    print("done in %.0f s, load %s" % (report["wall_s"], report["machine"]["loadavg_end"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        print("figures: " + args.json)


if __name__ == "__main__":
    sys.exit(main())
