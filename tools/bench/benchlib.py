"""Process plumbing for bench.py: the Bench runner (bounded child processes, ports, logs) and
the measurements it reads (CPU, RSS, established sockets, machine facts)."""
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "scenarios")


class Bench:
    def __init__(self, build, log_dir):
        self.wsyaml = os.path.join(build, "wsyaml")
        self.minimal = os.path.join(build, "wsbench_minimal")
        self.floor = os.path.join(build, "wsbench_floor")
        self.sink = os.path.join(build, "wsbench_sink")
        self.timer_baseline = os.path.join(build, "timer_baseline")
        self.log_dir = log_dir
        self.log_index = 0
        self.prefix = []  # put before every measured command (perf_profile.py: perf)

    # ---- processes -------------------------------------------------------------------------

    def log_file(self, name):
        self.log_index += 1
        return open(os.path.join(self.log_dir, "%02d-%s.log" % (self.log_index, name)), "w+")

    def spawn(self, cmd, name, stdout_pipe=False):
        """Starts a process; stderr (and stdout unless piped) go to a log file."""
        log = self.log_file(name)
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        out = subprocess.PIPE if stdout_pipe else log
        proc = subprocess.Popen(cmd, stdout=out, stderr=log, text=True)
        proc.bench_log = log
        return proc

    def measured(self, cmd, name, timeout):
        """Runs cmd to its end (killed after timeout s); returns (stdout, cpu_s, wall_s).
        CPU seconds come from wait4, so they cover the whole process and all its threads."""
        return self.measured_all([(cmd, name)], timeout)[0]

    def measured_all(self, commands, timeout):
        """Runs [(cmd, name)] side by side to their ends (all killed after timeout s); returns
        [(stdout, cpu_s, wall_s)] in the same order, CPU from each process's wait4."""
        procs = []
        start = time.monotonic()
        for cmd, name in commands:
            cmd = self.prefix + cmd
            out = tempfile.TemporaryFile("w+")
            log = self.log_file(name)
            log.write("$ " + " ".join(cmd) + "\n")
            log.flush()
            procs.append((subprocess.Popen(cmd, stdout=out, stderr=log, text=True), out, log))
        killer = threading.Timer(timeout, lambda: [p.kill() for p, _, _ in procs])
        killer.start()
        results = []
        for proc, out, log in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            wall = time.monotonic() - start
            cpu = usage.ru_utime + usage.ru_stime
            out.seek(0)
            text = out.read()
            log.write(text)
            log.write("\n[exit %d, cpu %.3f s, wall %.3f s]\n" % (proc.returncode, cpu, wall))
            log.close()
            results.append((text, cpu, wall))
        killer.cancel()
        return results

    @staticmethod
    def stop(proc, sig=signal.SIGTERM, timeout=15):
        """Signals proc and waits (kills after timeout); returns its remaining stdout."""
        if getattr(proc, "bench_done", False):
            return ""
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            out, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        proc.bench_done = True
        return out or ""

    def start_server(self, procs=1, addresses=None):
        """wsyaml serve echo --threads 1; returns (proc, port)."""
        cmd = [self.wsyaml, "serve", "echo", "--port", "0", "--threads", "1",
               "--procs", str(procs)]
        for address in addresses or []:
            cmd += ["--address", address]
        proc = self.spawn(cmd, "serve", stdout_pipe=True)
        line = read_line(proc, 15)
        match = re.search(r":(\d+)\s*$", line or "")
        if not match:
            raise RuntimeError("server did not start: %r" % line)
        return proc, int(match.group(1))

    def run_wsyaml(self, scenario, url, args, name, timeout):
        """wsyaml run ... --out json; returns (result json, cpu_s, wall_s)."""
        result = os.path.join(self.log_dir, "%s.json" % name)
        cmd = [self.wsyaml, "run", scenario, "--target", url, "--quiet",
               "--out", "result=" + result] + args
        _, cpu, wall = self.measured(cmd, name, timeout)
        with open(result) as f:
            return json.load(f), cpu, wall


def read_line(proc, timeout):
    """One stdout line of proc, or None after timeout seconds."""
    box = []
    reader = threading.Thread(target=lambda: box.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0].strip() if box else None


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError("no JSON line in %r" % text[-300:])


def counter(result, metric):
    """Sum of a counter over all its tag sets in a wsyaml result file."""
    return sum(m.get("sum", 0) for m in result["metrics"] if m["metric"] == metric)


def rss_kib(pid, field="VmRSS:"):
    """A /proc status field of pid and of its descendants (a --procs server's children), in
    KiB: VmRSS (every resident page) or RssAnon (private memory: without the code pages of
    the binary and its libraries, which every process running them shares)."""
    total = 0
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field):
                    total += int(line.split()[1])
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                for child in f.read().split():
                    total += rss_kib(int(child), field)
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def cpu_seconds(pid):
    """User + system CPU seconds of pid and of its descendants so far (/proc/PID/stat)."""
    total = 0.0
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                for child in f.read().split():
                    total += cpu_seconds(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def established(port):
    """Client-side established TCP connections to a loopback port."""
    out = subprocess.run(["ss", "-Htn", "state", "established", "( dport = :%d )" % port],
                         capture_output=True, text=True, timeout=30).stdout
    return sum(1 for line in out.splitlines() if line.strip())


def wait_until(predicate, timeout, step=0.25):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine():
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        ports = f.read().split()
    import resource
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": os.uname().release,
        "cpu": cpu_model(),
        "nofile_hard": resource.getrlimit(resource.RLIMIT_NOFILE)[1],
        "ephemeral_ports": int(ports[1]) - int(ports[0]) + 1,
        "loadavg_start": loadavg(),
    }


def median_spread(values):
    """(median, min, max) of repeated measurements: on this shared machine one run says little,
    so the scripts repeat and report the middle and the range."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return median, ordered[0], ordered[-1]


def free_port():
    """A loopback TCP port that was free a moment ago (for flags that need a fixed port)."""
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"
