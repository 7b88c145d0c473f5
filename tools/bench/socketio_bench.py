#!/usr/bin/python3
"""Socket.IO against raw frames, same run (issue 13): client CPU per round trip of an
emit/event ping-pong (scenarios/socketio-pingpong.yaml) against a raw frame ping-pong
(scenarios/pingpong.yaml), both against node echo servers (socketio_echo_server.js), in
alternating rounds; then the session's decode/encode ns per message (socketio_bench).
Target: the socket.io round trip costs at most 1.5x the raw one in client CPU.
  tools/bench/socketio_bench.py --build build [--vus 50] [--seconds 5] [--rounds 3]
Needs node and tests/e2e/peers/node/node_modules (tools/setup.sh --tests)."""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

from benchlib import SCENARIOS, Bench, counter, last_json, read_line

HERE = os.path.dirname(os.path.abspath(__file__))


def start_servers(b):
    proc = b.spawn(["node", os.path.join(HERE, "socketio_echo_server.js")], "node-echo",
                   stdout_pipe=True)
    ports = {}
    for _ in range(2):
        match = re.match(r"(\w+) (\d+)$", read_line(proc, 15) or "")
        if not match:
            raise RuntimeError("the node echo servers did not start (see the log)")
        ports[match.group(1)] = int(match.group(2))
    return proc, ports


def run(b, scenario, port, vus, seconds, name):
    result, cpu, _ = b.run_wsyaml(
        os.path.join(SCENARIOS, scenario), "ws://127.0.0.1:%d" % port,
        ["--vus", str(vus), "--duration", "%ds" % seconds, "--threads", "1"], name, seconds + 60)
    errors = counter(result, "ws_errors")
    if errors:
        raise RuntimeError("%s: %d errors (see %s)" % (name, errors, b.log_dir))
    return counter(result, "ws_msgs_received"), cpu


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default="build")
    parser.add_argument("--vus", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    b = Bench(args.build, tempfile.mkdtemp(prefix="socketio-bench-"))
    server, ports = start_servers(b)
    totals = {"raw": [0, 0.0], "socketio": [0, 0.0]}
    try:
        for r in range(args.rounds):
            order = (("raw", "pingpong.yaml"), ("socketio", "socketio-pingpong.yaml"))
            for kind, scenario in order if r % 2 == 0 else reversed(order):
                msgs, cpu = run(b, scenario, ports[kind], args.vus, args.seconds,
                                "%s-%d" % (kind, r))
                totals[kind][0] += msgs
                totals[kind][1] += cpu
                print("round %d %-8s %9d round trips  %6.2f CPU-s  %6.2f us/round trip" %
                      (r, kind, msgs, cpu, 1e6 * cpu / max(msgs, 1)), flush=True)
    finally:
        Bench.stop(server)
    us = {k: 1e6 * v[1] / max(v[0], 1) for k, v in totals.items()}
    ratio = us["socketio"] / us["raw"]
    print("client CPU per round trip: raw %.2f us, socket.io %.2f us, ratio %.2fx (target <= 1.5x)"
          % (us["raw"], us["socketio"], ratio))
    micro = subprocess.run([os.path.join(args.build, "socketio_bench")], capture_output=True,
                           text=True, timeout=300)
    print(micro.stdout, end="")
    print(json.dumps({"raw_us": round(us["raw"], 2), "socketio_us": round(us["socketio"], 2),
                      "ratio": round(ratio, 2), "session": last_json(micro.stdout)}))
    return 0 if ratio <= 1.5 and micro.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
