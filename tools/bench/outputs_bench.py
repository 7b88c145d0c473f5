#!/usr/bin/python3
"""The outputs cost little (issue 14): messages per client CPU-second of the pingpong scenario
with every output on against none, in the same run, repeated.

Each run is tools/bench/scenarios/pingpong.yaml (--vus V --threads 1, S seconds) against a
fresh `wsyaml serve echo --threads 1`, whose frame count (printed when it stops) is the
message count of both kinds, so the two are counted alike. Client CPU is user + system time
from wait4 (start-up and the writing of every file at the end included).

  off  --quiet --no-summary, no --out, no files
  on   the summary, --out result=, --out prometheus= (scraped once a second here, as a
       Prometheus server would), --dashboard= (a WebSocket client reads its updates), --report,
       --junit, --summary-export, and the outputs `wsyaml run --help` lists among json=, csv=
       and influxdb= (influxdb at a closed port: it must drop points, not stall)

Runs alternate (off, on, on, off, ...); the script prints the median and range of each and the
ratio of the medians, target >= 0.9x, and the median of each round's on/off ratio (the two
runs of a round share the machine's load of the moment). --instructions adds user-space
instructions per message under cachegrind, which the machine's load does not move. Every
process is bounded by a timeout; loopback only.

    tools/bench/outputs_bench.py --build build [--vus 50] [--seconds 5] [--rounds 5]
        [--instructions]
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SCENARIOS, Bench, free_port, last_json, loadavg, median_spread  # noqa: E402
from instructions import IREFS  # noqa: E402


def optional_outputs(b, log_dir):
    """--out flags of the outputs this build has among json, csv and influxdb."""
    help_text = subprocess.run([b.wsyaml, "run", "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    flags = []
    for kind, value in (("json", os.path.join(log_dir, "k6.json")),
                        ("csv", os.path.join(log_dir, "k6.csv")),
                        ("influxdb", "http://127.0.0.1:%d/wsyaml" % free_port())):
        if kind + "=" in help_text:
            flags += ["--out", "%s=%s" % (kind, value)]
    return flags


def on_flags(log_dir, prometheus_port, dashboard_port, optional):
    path = lambda name: os.path.join(log_dir, name)  # noqa: E731
    return (["--quiet", "--out", "result=" + path("result.json"),
             "--out", "prometheus=127.0.0.1:%d" % prometheus_port,
             "--dashboard=127.0.0.1:%d" % dashboard_port, "--report", path("report.html"),
             "--junit", path("junit.xml"), "--summary-export", path("summary.json")] + optional)


def watch(prometheus_port, dashboard_port, stop, seen):
    """What a team's tools do during the run: scrape /metrics every second, and hold a
    dashboard WebSocket reading its updates (counted in seen). Failures (not up yet, gone)
    are retried."""
    def scrape():
        while not stop.wait(1.0):
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/metrics" % prometheus_port,
                                       timeout=2).read()
                seen["scrapes"] += 1
            except OSError:
                pass

    def dashboard():
        while not stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", dashboard_port), timeout=2) as s:
                    s.sendall(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                              b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    while not stop.is_set():
                        data = s.recv(65536)
                        if not data:
                            break
                        seen["dashboard_bytes"] += len(data)
            except OSError:
                stop.wait(0.2)

    threads = [threading.Thread(target=f, daemon=True) for f in (scrape, dashboard)]
    for t in threads:
        t.start()
    return threads


def one_run(b, vus, seconds, flags, watched, seen):
    """(messages echoed by the server, client CPU seconds) of one pingpong run."""
    server, port = b.start_server()
    stop = threading.Event()
    threads = watch(*watched, stop, seen) if watched else []
    try:
        cmd = [b.wsyaml, "run", os.path.join(SCENARIOS, "pingpong.yaml"), "--target",
               "ws://127.0.0.1:%d" % port, "--vus", str(vus), "--duration", "%ds" % seconds,
               "--threads", "1"] + flags
        _, cpu, _ = b.measured(cmd, "on" if watched else "off", seconds * 10 + 60)
    finally:
        stop.set()
        counts = last_json(b.stop(server, sig=2))
    for t in threads:
        t.join(5)
    return counts["frames_out"], cpu


def instructions(b, vus, optional):
    """User-space instructions per message (cachegrind) of off and on over a long run minus a
    short one: what each second of a run costs, outputs included, without start-up and the
    files written at the end. Under valgrind the message rate is far lower while the outputs'
    once-a-second work is not, so this overstates the outputs' share."""
    per_msg = {}
    for kind in ("off", "on"):
        counts = []
        for seconds in (3, 9):
            log = os.path.join(b.log_dir, "instr-%s-%ds.cachegrind" % (kind, seconds))
            b.prefix = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                        "--cachegrind-out-file=/dev/null", "--log-file=" + log]
            watched = (free_port(), free_port()) if kind == "on" else None
            flags = (on_flags(b.log_dir, watched[0], watched[1], optional) if watched
                     else ["--quiet", "--no-summary"])
            try:
                msgs, _ = one_run(b, vus, seconds, flags, watched, {"scrapes": 0,
                                                                    "dashboard_bytes": 0})
            finally:
                b.prefix = []
            with open(log) as f:
                counts.append((int(IREFS.search(f.read()).group(1).replace(",", "")), msgs))
        (i1, m1), (i2, m2) = counts
        per_msg[kind] = (i2 - i1) / max(m2 - m1, 1)
    print("  instructions per message (cachegrind, 9 s run minus 3 s run): off %.0f, on %.0f,"
          " off / on %.3fx" % (per_msg["off"], per_msg["on"], per_msg["off"] / per_msg["on"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, help="build directory with wsyaml")
    parser.add_argument("--vus", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="also cachegrind counts")
    args = parser.parse_args()
    b = Bench(args.build, tempfile.mkdtemp(prefix="wsyaml-outputs-"))
    optional = optional_outputs(b, b.log_dir)
    print("outputs bench: pingpong %d VUs, %d s, %d rounds; optional outputs: %s; load %s;"
          " logs %s" % (args.vus, args.seconds, args.rounds, " ".join(optional[1::2]) or "none",
                        loadavg(), b.log_dir), flush=True)
    per_cpu = {"off": [], "on": []}
    seen = {"scrapes": 0, "dashboard_bytes": 0}
    for r in range(args.rounds):
        for kind in (("off", "on") if r % 2 == 0 else ("on", "off")):
            if kind == "on":
                watched = (free_port(), free_port())
                flags = on_flags(b.log_dir, watched[0], watched[1], optional)
            else:
                watched, flags = None, ["--quiet", "--no-summary"]
            msgs, cpu = one_run(b, args.vus, args.seconds, flags, watched, seen)
            per_cpu[kind].append(msgs / max(cpu, 1e-9))
        print("  round %d: off %.0f, on %.0f messages per CPU-s; %d scrapes and %d dashboard"
              " bytes so far; load %s" % (r + 1, per_cpu["off"][-1], per_cpu["on"][-1],
                                          seen["scrapes"], seen["dashboard_bytes"], loadavg()),
              flush=True)
    stats = {k: median_spread(v) for k, v in per_cpu.items()}
    for k, (med, lo, hi) in stats.items():
        print("  %-3s messages per client CPU-second: median %.0f (min %.0f, max %.0f)" % (
            k, med, lo, hi))
    ratio = stats["on"][0] / stats["off"][0]
    print("  on / off (medians): %.3fx  %s (target >= 0.9x); load %s" % (
        ratio, "MET" if ratio >= 0.9 else "NOT MET", loadavg()))
    # The two runs of a round ran back to back, under about the same load from elsewhere.
    paired = median_spread([a / b for a, b in zip(per_cpu["on"], per_cpu["off"])])
    print("  on / off per round: median %.3fx (min %.3f, max %.3f)" % paired)
    if args.instructions:
        instructions(b, args.vus, optional)


if __name__ == "__main__":
    main()
