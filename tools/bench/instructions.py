#!/usr/bin/python3
"""Instructions per round trip of two wsyaml builds, measured in the same run.

CPU seconds on a shared 2-core machine move by 30% from run to run; instruction counts do
not. Each build runs tools/bench/scenarios/pingpong.yaml (one worker thread) against one
`wsyaml serve echo` under valgrind's cachegrind (no cache simulation, user-space
instructions only), twice: for SHORT and LONG seconds. The difference of the two counts over
the difference of the two message counts is the cost of one round trip, without start-up and
exit. Kernel time (the system calls) is not in it: both builds make the same calls per
message. Every process is bounded by a timeout; the target is loopback only.

    tools/bench/instructions.py --baseline OLD_BUILD_DIR --build NEW_BUILD_DIR
        [--connections 1 50 500] [--short 3] [--long 9]
        [--scenario pingpong.yaml] [--baseline-scenario pingpong.yaml]

With --baseline-scenario, the two runs may differ in scenario instead of build (the same
build twice): e.g. pingpong-logic.yaml against pingpong-json.yaml is the cost of a `where`
and a `check` per message (issue 12).

Issue 10's "at least 10% better at 500 connections" is this ratio (docs/performance.md).
"""
import argparse
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SCENARIOS, Bench, counter  # noqa: E402

IREFS = re.compile(r"I\s+refs:\s+([\d,]+)")


def instructions_and_messages(b, label, url, n, seconds, scenario):
    """(user-space instructions, round trips) of one pingpong run under cachegrind."""
    name = "%s-%d-%ds" % (label, n, seconds)
    result, _, _ = b.run_wsyaml(os.path.join(SCENARIOS, scenario), url,
                                ["--vus", str(n), "--duration", "%ds" % seconds,
                                 "--threads", "1"], name, seconds * 10 + 120)
    with open(os.path.join(b.log_dir, "%02d-%s.log" % (b.log_index, name))) as log:
        match = IREFS.search(log.read())
    if not match:
        raise RuntimeError("no instruction count for " + name)
    return int(match.group(1).replace(",", "")), counter(result, "ws_msgs_received")


def per_round_trip(b, build, label, url, n, short, long_, scenario):
    b.wsyaml = os.path.join(build, "wsyaml")
    i1, m1 = instructions_and_messages(b, label, url, n, short, scenario)
    i2, m2 = instructions_and_messages(b, label, url, n, long_, scenario)
    if m2 <= m1:
        raise RuntimeError("the longer run sent no more messages: %d vs %d" % (m2, m1))
    return (i2 - i1) / (m2 - m1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", required=True, help="build dir of the old wsyaml")
    parser.add_argument("--build", required=True, help="build dir of the new wsyaml")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 50, 500])
    parser.add_argument("--short", type=int, default=3)
    parser.add_argument("--long", type=int, default=9)
    parser.add_argument("--scenario", default="pingpong.yaml", help="under tools/bench/scenarios")
    parser.add_argument("--baseline-scenario", default=None, help="default: --scenario")
    args = parser.parse_args()
    base_scenario = args.baseline_scenario or args.scenario
    log_dir = tempfile.mkdtemp(prefix="wsyaml-instr-")
    b = Bench(args.build, log_dir)
    server, port = b.start_server()
    b.prefix = ["valgrind", "--tool=cachegrind", "--cache-sim=no",
                "--cachegrind-out-file=/dev/null"]
    url = "ws://127.0.0.1:%d" % port
    print("instructions per round trip (cachegrind, user space; logs in %s):" % log_dir)
    try:
        for n in args.connections:
            old = per_round_trip(b, args.baseline, "baseline", url, n, args.short, args.long,
                                 base_scenario)
            new = per_round_trip(b, args.build, "build", url, n, args.short, args.long,
                                 args.scenario)
            print("  %4d conns: baseline %7.0f, build %7.0f, build/baseline %.2fx (%+.0f%%)" %
                  (n, old, new, new / old, (new / old - 1) * 100), flush=True)
    finally:
        Bench.stop(server)


if __name__ == "__main__":
    main()
