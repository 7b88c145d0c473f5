#!/usr/bin/python3
"""150,000 connections as 8 segments on one machine (issue 15), merged into one summary.

One process may hold 20,000 open files here and one (source, destination) address pair about
28,000 ephemeral ports, so the test runs as 8 `wsyaml run --segment i/8` processes of
tools/bench/scenarios/scale.yaml (each VU holds one connection and sends a frame every 10 s;
20 s ramp-up, 30 s held, 10 s ramp-down; --ramp and --hold set the first two), all beginning
together (`--start-at`), against one `wsyaml serve echo --procs 10` (about 15,000 sockets per
server process). Each segment has source addresses of its own (`--local-address`, two by
default: 127.0.0.2-3 for segment 0, and so on). Two, because with one the kernel's port
choice at bind() slows to a crawl past 14,116 ports, half the range (docs/performance.md).
While they run the script counts established connections (`ss`) and samples each process's
memory; at the end it merges the 8 result files with `wsyaml merge` and prints the whole
run's key summary lines. Every process is bounded by a timeout; loopback only.

    tools/bench/scale_bench.py --build build [--vus 150000] [--segments 8]
        [--server-procs 10] [--ramp 20] [--hold 30]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SCENARIOS, Bench, cpu_seconds, established, loadavg, rss_kib  # noqa: E402

RAMP_DOWN = 10  # scenarios/scale.yaml's last stage
KEY_LINES = re.compile(r"^\s*(ws_sessions|ws_open|ws_connecting|ws_errors|ws_msgs_sent|"
                       r"ws_msgs_received|vus_max|data_received|data_sent)\b")
TAIL = re.compile(r"^\s*(ERRORS|CLOSE CODES)")  # these sections are printed whole


def sources(i, args):
    """Segment i's own source addresses: --sources-per-segment of them from 127.0.0.2 on."""
    first = 2 + i * args.sources_per_segment
    last = first + args.sources_per_segment - 1
    return "127.0.0.%d" % first if first == last else "127.0.0.%d-127.0.0.%d" % (first, last)


def start_segments(b, args, port, start_in):
    """The n segment processes (Popen), each writing seg-i.json in the log directory."""
    scenario = os.path.join(b.log_dir, "scale.yaml")
    with open(os.path.join(SCENARIOS, "scale.yaml")) as f, open(scenario, "w") as g:
        g.write(f.read().replace("150000", str(args.vus)).replace(
            "duration: 20s", "duration: %ds" % args.ramp).replace(
            "duration: 30s", "duration: %ds" % args.hold))
    procs = []
    for i in range(args.segments):
        result = os.path.join(b.log_dir, "seg-%d.json" % i)
        cmd = [b.wsyaml, "run", scenario, "--target", "ws://127.0.0.1:%d" % port,
               "--segment", "%d/%d" % (i, args.segments),
               "--procs", "1", "--threads", "1", "--local-address", sources(i, args),
               "--start-at", "+%ds" % start_in, "--no-thresholds", "--no-summary", "--quiet",
               "--out", "result=" + result]
        procs.append(b.spawn(cmd, "segment-%d" % i))
    return procs


def watch(procs, server, port, args, start_in, cpu):
    """Samples established connections and memory until every segment exits (or the
    deadline; cpu gets each one's CPU seconds); returns what it saw."""
    seen = {"peak_established": 0, "all_open_after_s": None, "client_rss_kib": [],
            "client_anon_kib": [], "server_rss_kib": 0}
    begin = time.monotonic() + start_in
    deadline = begin + args.ramp + args.hold + RAMP_DOWN + 90
    last_print = 0
    while not reap(procs, cpu) and time.monotonic() < deadline:
        now = established(port)
        if time.monotonic() - last_print >= 5:
            last_print = time.monotonic()
            print("  t=%+5.1f s: %6d established; load %s" % (
                last_print - begin, now, loadavg()), flush=True)
        if now > seen["peak_established"]:
            seen["peak_established"] = now
            seen["client_rss_kib"] = [rss_kib(p.pid) for p in procs]
            seen["client_anon_kib"] = [rss_kib(p.pid, "RssAnon:") for p in procs]
            seen["server_rss_kib"] = rss_kib(server.pid)
        if now >= args.vus and seen["all_open_after_s"] is None:
            seen["all_open_after_s"] = time.monotonic() - begin
            print("  all %d open %.1f s after the common start; load %s" % (
                now, seen["all_open_after_s"], loadavg()), flush=True)
        time.sleep(1)
    return seen


def reap(procs, cpu, block=False):
    """wait4 on the segments that have not ended: their CPU seconds go into cpu[i] (poll()
    would reap them first and lose the rusage)."""
    for i, p in enumerate(procs):
        if i in cpu:
            continue
        pid, status, usage = os.wait4(p.pid, 0 if block else os.WNOHANG)
        if pid:
            p.returncode = os.waitstatus_to_exitcode(status)
            cpu[i] = usage.ru_utime + usage.ru_stime
    return len(cpu) == len(procs)


def merge(b, segments):
    files = [os.path.join(b.log_dir, "seg-%d.json" % i) for i in range(segments)]
    merged = os.path.join(b.log_dir, "merged.json")
    out = subprocess.run([b.wsyaml, "merge", "-o", merged] + files, capture_output=True,
                         text=True, timeout=120)
    with open(os.path.join(b.log_dir, "merge.log"), "w") as f:
        f.write(out.stdout + out.stderr)
    return out.returncode, out.stdout + out.stderr


def report(seen, cpu, wall, code, summary):
    mib = lambda kib: kib / 1024  # noqa: E731
    print("  peak established (ss, client side): %d" % seen["peak_established"])
    print("  RSS per segment at the peak: %s MiB (private %s MiB); server, all processes:"
          " %.0f MiB" % ("/".join("%.0f" % mib(k) for k in seen["client_rss_kib"]),
                         "/".join("%.0f" % mib(k) for k in seen["client_anon_kib"]),
                         mib(seen["server_rss_kib"])))
    print("  CPU seconds per segment: %s; wall %.1f s (start-at wait included)" % (
        "/".join("%.1f" % cpu[i] for i in sorted(cpu)), wall))
    print("  wsyaml merge exit %d; the merged summary's key lines:" % code)
    tail = False
    for line in summary.splitlines():
        tail = tail or bool(TAIL.match(line))
        if line.strip() and (tail or KEY_LINES.match(line)):
            print("    " + line.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, help="build directory with wsyaml")
    parser.add_argument("--vus", type=int, default=150000)
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--server-procs", type=int, default=10)
    parser.add_argument("--ramp", type=int, default=20, help="ramp-up seconds")
    parser.add_argument("--hold", type=int, default=30, help="seconds held at --vus")
    parser.add_argument("--sources-per-segment", type=int, default=2,
                        help="source addresses per segment (see above)")
    args = parser.parse_args()
    b = Bench(args.build, tempfile.mkdtemp(prefix="wsyaml-scale-"))
    print("scale bench: %d VUs as %d segments (sources 127.0.0.2-%d) against serve echo"
          " --procs %d, ramp-up %d s; load %s; logs %s" % (
              args.vus, args.segments, args.segments * args.sources_per_segment + 1,
              args.server_procs, args.ramp, loadavg(), b.log_dir), flush=True)
    server, port = b.start_server(procs=args.server_procs)
    start_in = 5
    started = time.monotonic()
    procs = start_segments(b, args, port, start_in)
    try:
        cpu = {}
        seen = watch(procs, server, port, args, start_in, cpu)
        wall = time.monotonic() - started
    finally:
        for p in procs:
            if p.returncode is None:
                p.kill()
        reap(procs, cpu, block=True)
        server_cpu = cpu_seconds(server.pid)
        print("  server counts: " + Bench.stop(server, 2).strip())
        print("  server CPU seconds (all processes): %.1f" % server_cpu)
    code, summary = merge(b, args.segments)
    report(seen, cpu, wall, code, summary)
    print("done; load %s" % loadavg())


if __name__ == "__main__":
    main()
