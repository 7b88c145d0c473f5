#!/usr/bin/python3
"""Segments have no cost (issue 15): client CPU per message of a test run as n segments in n
processes against the same work run without --segment, in the same run, repeated.

The load is tools/bench/scenarios/pingpong.yaml (each VU ping-pongs 32-byte frames) with
--vus V --threads 1 against one `wsyaml serve echo --procs 2 --threads 1`. Each round runs,
in an order rotated from round to round:

  segments   n processes `--segment i/n --start-at +2s` of the V-VU test, side by side
  plain      n processes `--vus V/n`, side by side (the same work per process, no --segment)
  alone      one process `--vus V/n` (issue 15's literal "1 process with --threads 1")

CPU seconds are each process's user + system time from wait4 (start-up, connects and exit
included), summed over the n processes and divided by the messages they received
(ws_msgs_received from their result files). `segments / plain` is the cost of segments: same
processes, same connections per thread, same contention for the two cores, only the flag
differs. `segments / alone` also holds the contention of n clients on a shared 2-core machine.
With --instructions, one segment and one plain process also run alone under cachegrind
(user-space instructions per message, long run minus short run, as instructions.py), which
is immune to the machine's load. Every process is bounded by a timeout; loopback only.

    tools/bench/segments_bench.py --build build [--vus 150] [--segments 3] [--seconds 5]
        [--rounds 5] [--instructions]
"""
import argparse
import itertools
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SCENARIOS, Bench, counter, loadavg, median_spread  # noqa: E402
from instructions import IREFS  # noqa: E402

PINGPONG = os.path.join(SCENARIOS, "pingpong.yaml")
RUN_IDS = itertools.count(1)


def run_side_by_side(b, url, arg_lists, name, seconds):
    """Runs one quiet pingpong process per argument list at once, each writing its result
    file; returns (messages, CPU seconds), both summed over the processes."""
    commands, results = [], []
    for i, args in enumerate(arg_lists):
        result = os.path.join(b.log_dir, "%s-%d-%d.json" % (name, next(RUN_IDS), i))
        commands.append(([b.wsyaml, "run", PINGPONG, "--target", url, "--quiet", "--no-summary",
                          "--threads", "1", "--out", "result=" + result] + args,
                         "%s-%d" % (name, i)))
        results.append(result)
    runs = b.measured_all(commands, seconds * 10 + 60)
    messages = 0
    for result in results:
        with open(result) as f:
            messages += counter(json.load(f), "ws_msgs_received")
    return messages, sum(cpu for _, cpu, _ in runs)


def kinds(vus, n, seconds):
    """The three ways of running the same per-process work: name -> argument lists."""
    duration = ["--duration", "%ds" % seconds]
    share = ["--vus", str(vus // n)] + duration
    return {
        "segments": [["--vus", str(vus), "--segment", "%d/%d" % (i, n), "--no-thresholds",
                      "--start-at", "+2s"] + duration for i in range(n)],
        "plain": [share] * n,
        "alone": [share],
    }


def cpu_rounds(b, url, vus, n, seconds, rounds):
    """us of client CPU per message, each kind's list over the rounds."""
    plan = kinds(vus, n, seconds)
    names = list(plan)
    per_msg = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            msgs, cpu = run_side_by_side(b, url, plan[name], name, seconds)
            per_msg[name].append(1e6 * cpu / max(msgs, 1))
        print("  round %d: %s; load %s" % (r + 1, ", ".join(
            "%s %.2f" % (k, v[-1]) for k, v in per_msg.items()), loadavg()), flush=True)
    return per_msg


def instructions(b, url, args, name, short, long_):
    """User-space instructions per message of one process (cachegrind, long minus short)."""
    counts = []
    for seconds in (short, long_):
        log = os.path.join(b.log_dir, "%s-%ds.cachegrind" % (name, seconds))
        b.prefix = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                    "--cachegrind-out-file=/dev/null", "--log-file=" + log]
        try:
            msgs, _ = run_side_by_side(b, url, [args + ["--duration", "%ds" % seconds]],
                                       "%s-%ds" % (name, seconds), seconds * 10)
        finally:
            b.prefix = []
        with open(log) as f:
            counts.append((int(IREFS.search(f.read()).group(1).replace(",", "")), msgs))
    (i1, m1), (i2, m2) = counts
    return (i2 - i1) / max(m2 - m1, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, help="build directory with wsyaml")
    parser.add_argument("--vus", type=int, default=150)
    parser.add_argument("--segments", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--instructions", action="store_true", help="also cachegrind counts")
    args = parser.parse_args()
    n = args.segments
    b = Bench(args.build, tempfile.mkdtemp(prefix="wsyaml-segments-"))
    server, port = b.start_server(procs=2)
    url = "ws://127.0.0.1:%d" % port
    print("segments bench: %d VUs as %d segments vs %d plain processes of %d VUs, %d s runs,"
          " %d rounds; load %s; logs %s" % (args.vus, n, n, args.vus // n, args.seconds,
                                           args.rounds, loadavg(), b.log_dir), flush=True)
    try:
        per_msg = cpu_rounds(b, url, args.vus, n, args.seconds, args.rounds)
        stats = {k: median_spread(v) for k, v in per_msg.items()}
        for k, (med, lo, hi) in stats.items():
            print("  %-8s client CPU per message: median %.2f us (min %.2f, max %.2f)" % (
                k, med, lo, hi))
        for other in ("plain", "alone"):
            ratio = stats["segments"][0] / stats[other][0]
            print("  segments / %-5s (median CPU per message): %.3fx (%+.1f%%): %s" % (
                other, ratio, (ratio - 1) * 100,
                "MET (at most 5% dearer)" if ratio <= 1.05 else "NOT MET (over 5% dearer)"))
        if args.instructions:
            seg = instructions(b, url, ["--vus", str(args.vus), "--segment", "0/%d" % n,
                                        "--no-thresholds"],
                               "instr-segment", 2, 6)
            plain = instructions(b, url, ["--vus", str(args.vus // n)], "instr-plain", 2, 6)
            print("  instructions per message (cachegrind, user space): segment %.0f, plain"
                  " %.0f, segment / plain %.3fx (%+.1f%%)" % (seg, plain, seg / plain,
                                                              (seg / plain - 1) * 100))
    finally:
        b.stop(server)
    print("done; load %s" % loadavg())


if __name__ == "__main__":
    main()
