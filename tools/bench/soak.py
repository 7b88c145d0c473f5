#!/usr/bin/python3
"""A soak watched live (issue 14, "Done when"): tools/bench/scenarios/soak.yaml for --minutes
(60 by default) against `wsyaml serve echo`, with every live output on and their real
consumers attached for the whole run:

  --out prometheus=   scraped every 5 s by Debian's prometheus (own temporary TSDB)
  --out influxdb=     written to Debian's influxd 1.x (own temporary data directory)
  --dashboard=        a WebSocket client reads the page's live updates (counted)
  --out result=, --report

Every 30 s it samples wsyaml's RSS and CPU, what Prometheus has (messages sent, scrapes) and
the dashboard updates received. At the end it compares what each consumer holds with the
result file: InfluxDB's sums per metric exactly; Prometheus's last scrape to within the last
scrape interval; one dashboard update a second. It prints the samples as a table and a JSON
line; loopback only, every process bounded by a timeout.

    tools/bench/soak.py --build build [--minutes 60] [--sample 30]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import SCENARIOS, Bench, counter, cpu_seconds, free_port, loadavg, rss_kib  # noqa: E402,E501


def http_json(url, data=None, timeout=5):
    try:
        with urllib.request.urlopen(url, data=data, timeout=timeout) as reply:
            return json.loads(reply.read() or b"null")
    except (OSError, ValueError):
        return None


def start_prometheus(b, work, target_port):
    port = free_port()
    with open(os.path.join(work, "prometheus.yml"), "w") as f:
        f.write("global: {scrape_interval: 5s, scrape_timeout: 4s}\nscrape_configs:\n"
                "  - job_name: wsyaml\n    static_configs: [{targets: ['127.0.0.1:%d']}]\n"
                % target_port)
    proc = b.spawn(["/usr/bin/prometheus", "--config.file=" + os.path.join(work, "prometheus.yml"),
                    "--storage.tsdb.path=" + os.path.join(work, "tsdb"),
                    "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"], "prometheus")
    return proc, port


def prometheus_value(port, promql):
    """The value of an instant query's first sample, or None."""
    answer = http_json("http://127.0.0.1:%d/api/v1/query?query=%s"
                       % (port, urllib.parse.quote(promql)))
    try:
        return float(answer["data"]["result"][0]["value"][1])
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def start_influxd(b, work):
    port = free_port()
    with open(os.path.join(work, "influxdb.conf"), "w") as f:
        f.write('reporting-disabled = true\nbind-address = "127.0.0.1:%d"\n'
                '[meta]\n  dir = "%s/meta"\n[data]\n  dir = "%s/data"\n  wal-dir = "%s/wal"\n'
                '  query-log-enabled = false\n[monitor]\n  store-enabled = false\n'
                '[http]\n  bind-address = "127.0.0.1:%d"\n  log-enabled = false\n'
                '[logging]\n  level = "warn"\n' % (free_port(), work, work, work, port))
    proc = b.spawn(["/usr/bin/influxd", "run", "-config", os.path.join(work, "influxdb.conf")],
                   "influxd")
    return proc, port


def influx_sum(port, measurement, field="value"):
    q = urllib.parse.urlencode({"db": "soak", "q": 'SELECT sum("%s") FROM "%s"'
                                % (field, measurement)})
    answer = http_json("http://127.0.0.1:%d/query?%s" % (port, q))
    try:
        return answer["results"][0]["series"][0]["values"][0][1]
    except (TypeError, KeyError, IndexError):
        return None


def read_dashboard(port, stop, seen):
    """Holds the dashboard's WebSocket, counting the frames of its updates (server frames are
    unmasked: a 2-byte header, then 2 or 8 bytes of length)."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                s.sendall(b"GET /live HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                buffer = b""
                while b"\r\n\r\n" not in buffer:
                    data = s.recv(4096)
                    if not data:
                        raise OSError("closed during the handshake")
                    buffer += data
                buffer = buffer.split(b"\r\n\r\n", 1)[1]
                while not stop.is_set():
                    while len(buffer) >= 2:
                        size, start = buffer[1] & 0x7F, 2
                        if size == 126:
                            size, start = int.from_bytes(buffer[2:4], "big"), 4
                        elif size == 127:
                            size, start = int.from_bytes(buffer[2:10], "big"), 10
                        if len(buffer) < start + size:
                            break
                        if buffer[0] & 0x0F in (1, 2):
                            seen["dashboard_updates"] += 1
                        buffer = buffer[start + size:]
                    data = s.recv(1 << 16)
                    if not data:
                        break
                    buffer += data
        except OSError:
            stop.wait(1.0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default="build")
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--sample", type=float, default=30, help="seconds between samples")
    args = parser.parse_args()
    for tool in ("/usr/bin/prometheus", "/usr/bin/influxd"):
        if not os.access(tool, os.X_OK):
            sys.exit("soak.py needs %s (tools/setup.sh --tests installs it)" % tool)
    work = tempfile.mkdtemp(prefix="wsyaml-soak-")
    b = Bench(os.path.abspath(args.build), work)
    server, server_port = b.start_server()
    metrics_port, dashboard_port = free_port(), free_port()
    prometheus, prometheus_port = start_prometheus(b, work, metrics_port)
    influxd, influx_port = start_influxd(b, work)
    time.sleep(2)
    result_file = os.path.join(work, "result.json")
    seconds = int(args.minutes * 60)
    cmd = [b.wsyaml, "run", os.path.join(SCENARIOS, "soak.yaml"), "--target",
           "ws://127.0.0.1:%d" % server_port, "--duration", "%ds" % seconds, "-q",
           "--out", "result=" + result_file,
           "--out", "prometheus=127.0.0.1:%d" % metrics_port,
           "--out", "influxdb=http://127.0.0.1:%d/soak" % influx_port,
           "--dashboard=127.0.0.1:%d" % dashboard_port,
           "--report", os.path.join(work, "report.html")]
    run = b.spawn(cmd, "wsyaml", stdout_pipe=True)
    stop, seen = threading.Event(), {"dashboard_updates": 0}
    watcher = threading.Thread(target=read_dashboard, args=(dashboard_port, stop, seen),
                               daemon=True)
    watcher.start()
    samples, started = [], time.monotonic()
    print("%8s %9s %9s %12s %12s %9s %s" % ("elapsed", "RSS MiB", "CPU %", "sent (prom)",
                                             "dash upd", "scrapes", "load"), flush=True)
    last_cpu, last_t = 0.0, started
    deadline = started + seconds + 120
    while run.poll() is None and time.monotonic() < deadline:
        time.sleep(args.sample)
        now, cpu = time.monotonic(), cpu_seconds(run.pid)
        sample = {"elapsed_s": round(now - started), "rss_mib": round(rss_kib(run.pid) / 1024, 1),
                  "cpu_pct": round(100 * (cpu - last_cpu) / (now - last_t), 1),
                  "prom_sent": prometheus_value(prometheus_port, "sum(wsyaml_ws_msgs_sent_total)"),
                  "dashboard_updates": seen["dashboard_updates"],
                  "scrapes": prometheus_value(prometheus_port, "count_over_time(up[1d])")}
        last_cpu, last_t = cpu, now
        if run.poll() is None:
            samples.append(sample)
            print("%8d %9.1f %9.1f %12s %12d %9s %s" % (
                sample["elapsed_s"], sample["rss_mib"], sample["cpu_pct"], sample["prom_sent"],
                sample["dashboard_updates"], sample["scrapes"], loadavg()), flush=True)
    summary_text = Bench.stop(run, timeout=60)
    stop.set()
    run.bench_log.seek(0)
    log_text = run.bench_log.read()
    with open(os.path.join(work, "summary.txt"), "w") as f:
        f.write(summary_text)
    with open(result_file) as f:
        result = json.load(f)
    metrics = ("ws_msgs_sent", "ws_msgs_received", "ws_sessions", "iterations")
    report = {
        "minutes": args.minutes, "exit_code": run.returncode,
        "result": {m: counter(result, m) for m in metrics},
        "influxdb": {m: influx_sum(influx_port, m) for m in metrics},
        # The series go stale once wsyaml exits: the last value each series had.
        "prometheus_last_sent": prometheus_value(
            prometheus_port, "sum(max_over_time(wsyaml_ws_msgs_sent_total[1d]))"),
        "prometheus_scrapes": prometheus_value(prometheus_port, "count_over_time(up[1d])"),
        "prometheus_scrapes_ok": prometheus_value(prometheus_port, "sum_over_time(up[1d])"),
        "dashboard_updates": seen["dashboard_updates"],
        "rss_mib_first_last_max": [samples[0]["rss_mib"], samples[-1]["rss_mib"],
                                   max(s["rss_mib"] for s in samples)] if samples else None,
        "influxdb_line": next((line for line in log_text.splitlines()
                               if line.startswith("influxdb:")), None),
    }
    for proc in (prometheus, influxd, server):
        Bench.stop(proc, sig=2)
    print(json.dumps(report))
    print("files kept in", work)
    exact = all(report["influxdb"][m] == report["result"][m] for m in metrics)
    return 0 if run.returncode == 0 and exact else 1


if __name__ == "__main__":
    sys.exit(main())
