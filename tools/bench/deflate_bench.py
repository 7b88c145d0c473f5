#!/usr/bin/python3
"""permessage-deflate (issue 13): client CPU per message and RSS per idle connection, with
`compression: deflate` against without, both against the same node `ws` echo peer
(tests/e2e/peers/node/deflate_peer.js --compress-all: every message compressed both ways).

    tools/bench/deflate_bench.py --build build [--vus 50] [--seconds 5] [--idle 1000]

Needs node and tests/e2e/peers/node/node_modules (tools/setup.sh --tests). Loopback only;
every process is bounded in time.
"""
import argparse
import json
import os
import re
import signal
import tempfile
import time

from benchlib import Bench, counter, established, read_line, rss_kib, wait_until

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PEER = os.path.join(ROOT, "tests", "e2e", "peers", "node", "deflate_peer.js")
# A 256-byte JSON message, as a chat or market feed would send.
MESSAGE = ('{"type":"quote","symbol":"ACME","bid":101.25,"ask":101.27,"venue":"XNYS",'
           '"ts":1700000000123,"seq":42,"flags":["regular","open"],"note":"'
           + "x" * 96 + '"}')

PINGPONG = """name: deflate-pingpong
target: builtin:echo
load: {vus: 1, duration: 5s, graceful-stop: 0s}
steps:
  - connect:
      url: /
      compression: %s
      steps:
        - send: '%s'
        - on-message:
            do:
              - send: '%s'
"""

# Each VU sleeps (so RSS is sampled with every VU allocated), connects, optionally exchanges
# one message (then zlib's streams exist), and holds the connection.
IDLE = """name: deflate-idle
target: builtin:echo
load: {vus: 1000, duration: 2m, graceful-stop: 0s}
steps:
  - sleep: 4s
  - connect: {url: /, compression: %s}
%s  - wait: {max: 5m}
"""
ONE_MESSAGE = "  - send: '%s'\n  - expect: {within: 5s}\n" % MESSAGE


def start_peer(b):
    proc = b.spawn(["node", PEER, "--compress-all", "--bench"], "peer", stdout_pipe=True)
    match = re.search(r":(\d+)\s*$", read_line(proc, 15) or "")
    if not match:
        raise RuntimeError("the node peer did not start (tools/setup.sh --tests)")
    return proc, int(match.group(1))


def write(b, name, text):
    path = os.path.join(b.log_dir, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def pingpong(b, compression, vus, seconds):
    peer, port = start_peer(b)
    try:
        scenario = write(b, "pingpong-%s.yaml" % compression,
                         PINGPONG % (compression, MESSAGE, MESSAGE))
        result, cpu, _ = b.run_wsyaml(
            scenario, "ws://127.0.0.1:%d" % port,
            ["--vus", str(vus), "--duration", "%ds" % seconds, "--threads", "1"],
            "pingpong-%s" % compression, seconds + 60)
    finally:
        b.stop(peer)
    messages = counter(result, "ws_msgs_received")
    row = {"compression": compression, "messages": messages, "cpu_s": cpu,
           "us_per_msg": 1e6 * cpu / max(messages, 1),
           "data_sent": counter(result, "data_sent"),
           "payload_sent": counter(result, "ws_payload_sent")}
    print("  pingpong %-8s %8d messages, %.2f CPU-s: %.2f us/message, wire %d B for %d B" % (
        compression, messages, cpu, row["us_per_msg"], row["data_sent"], row["payload_sent"]),
        flush=True)
    return row


def idle(b, compression, n, used):
    peer, port = start_peer(b)
    name = "idle-%s%s" % (compression, "-used" if used else "")
    scenario = write(b, name + ".yaml", IDLE % (compression, ONE_MESSAGE if used else ""))
    proc = b.spawn([b.wsyaml, "run", scenario, "--target", "ws://127.0.0.1:%d" % port, "--vus",
                    str(n), "--threads", "1", "--quiet"], name)
    try:
        time.sleep(2.5)  # every VU allocated and asleep; the connects start at 4 s
        before = rss_kib(proc.pid, "RssAnon:")
        wait_until(lambda: established(port) >= n, 90)
        time.sleep(3)  # the one message each, when `used`
        opened = established(port)
        after = rss_kib(proc.pid, "RssAnon:")
        b.stop(proc, signal.SIGINT, timeout=30)
    finally:
        b.stop(proc, signal.SIGKILL)
        b.stop(peer)
    kb = (after - before) * 1024 / 1000 / max(opened, 1)
    print("  idle %-8s%s %5d open: %.2f KB per connection (private RSS)" % (
        compression, " after one message" if used else "", opened, kb), flush=True)
    return {"compression": compression, "after_one_message": used, "opened": opened,
            "kb_per_conn": kb}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", required=True)
    parser.add_argument("--vus", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--idle", type=int, default=1000, help="idle connections")
    parser.add_argument("--json")
    args = parser.parse_args()
    b = Bench(args.build, tempfile.mkdtemp(prefix="wsyaml-deflate-bench-"))
    print("logs: " + b.log_dir, flush=True)
    report = {"message_bytes": len(MESSAGE), "pingpong": [], "idle": []}
    for compression in ("none", "deflate", "none", "deflate"):
        report["pingpong"].append(pingpong(b, compression, args.vus, args.seconds))
    for compression, used in (("none", False), ("deflate", False), ("deflate", True)):
        report["idle"].append(idle(b, compression, args.idle, used))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
