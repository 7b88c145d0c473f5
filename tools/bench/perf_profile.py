#!/usr/bin/python3
"""Where a ping-pong client's CPU goes, beside the floor (docs/performance.md, "The floor").

Runs the clients of bench section (a) (wsbench_floor, wsbench_minimal, wsyaml) at N
connections against `wsyaml serve echo --threads 1`, each twice: under `perf stat` for the
system calls per round trip, and under `perf record --call-graph dwarf` for the CPU. The
samples are sorted into buckets: a kernel sample under the system call it is in, or under
"sleep/wake-up" when it is the return from a context switch (finish_task_switch: blocking in
epoll_wait and being woken); a user-space sample under what its leaf does (allocation,
shared_ptr counts, mutexes, system call wrappers, code) and the layer that asked for it (the
first frame up the stack in our engine, websocketpp or Asio). CPU per round trip here is
samples / frequency, the same for every client. Bounded: 6 runs of --seconds each.

    tools/bench/perf_profile.py --build build [--connections 50] [--seconds 5] [--clients wsyaml]
    tools/bench/perf_profile.py --script P.txt --messages N   # bucket an existing `perf script`
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the runner of section (a): servers, clients, logs)

SYSCALLS = ("sendmsg", "sendto", "recvfrom", "recvmsg", "epoll_wait", "epoll_pwait", "epoll_ctl",
            "timerfd_settime", "futex", "write", "read")

FRAME = re.compile(r"\s*[0-9a-f]+ (.*?)(?: \(([^()]*)\))?\s*$")

# Leaf symbols of user-space samples: what the CPU was doing, whoever asked for it.
LEAF_KINDS = (
    ("allocation", re.compile(r"malloc|_int_free|cfree|\bfree\b|operator new|operator delete|"
                              r"tcache|malloc_consolidate|unlink_chunk")),
    ("shared_ptr counts", re.compile(r"_Sp_counted_base|__shared_count|shared_ptr|weak_ptr")),
    ("mutex", re.compile(r"mutex|lll_lock|lll_unlock")),
    ("syscall wrappers", re.compile(r"__libc_recv|__libc_send|asynccancel|epoll_wait|^__send$|"
                                    r"^__recv$|syscall|__libc_write|__libc_read")),
    ("clock", re.compile(r"clock_gettime|__vdso")),
    ("memcpy/memset", re.compile(r"memcpy|memmove|memset|memcmp|strlen")),
)

# Layers: the first frame up the stack (templates stripped) that matches one names the layer.
LAYERS = (
    ("engine: metrics", re.compile(r"wsyaml::metrics::")),
    ("engine: VU (match, render, steps)", re.compile(r"wsyaml::engine::Vu::|"
                                                     r"wsyaml::engine::.*(Eval|Render|Match)")),
    ("engine: scheduler", re.compile(r"wsyaml::engine::.*(Scheduler|TimerQueue)")),
    ("engine: transport link", re.compile(r"wsyaml::engine::")),
    ("websocketpp", re.compile(r"^websocketpp::")),
    ("asio", re.compile(r"^asio::")),
    ("bench client", re.compile(r"Floor::|Bench::|^main$")),
)

# The libc wrapper a kernel sample entered through, when the kernel stack stops short of it.
WRAPPERS = {"__libc_sendmsg": "sendmsg", "__libc_recv": "recv", "__send": "send",
            "__libc_send": "send", "epoll_wait": "epoll_wait", "__libc_recvmsg": "recvmsg",
            "__libc_write": "write", "__libc_read": "read"}


def strip_templates(symbol):
    """The symbol without template arguments, so a websocketpp function instantiated with our
    config counts as websocketpp: "a::b<x::y<z>>::c" -> "a::b::c"."""
    out, depth = [], 0
    for ch in symbol:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def samples(path):
    """Yields [(symbol, dso), ...] leaf first, per sample of `perf script -F comm,tid,ip,sym,dso`."""
    frames = None
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                continue
            if not line.startswith("\t"):
                if frames:
                    yield frames
                frames = []
                continue
            match = FRAME.match(line)
            if match and frames is not None:
                frames.append((match.group(1), match.group(2) or "?"))
    if frames:
        yield frames


def kernel_bucket(frames):
    """Where a kernel sample is: sleep/wake-up, a system call by name, or something else."""
    if frames[0][0].startswith("finish_task_switch"):
        return "kernel: sleep/wake-up (context switch)"
    for symbol, dso in frames:
        match = re.match(r"__(?:x64|se)_sys_(\w+)", symbol)
        if match:
            return "kernel: " + {"recvfrom": "recv", "sendto": "send"}.get(match.group(1),
                                                                          match.group(1))
        if "kernel" not in dso:
            if symbol in WRAPPERS:
                return "kernel: " + WRAPPERS[symbol]
            return "kernel: page faults etc."
    return "kernel: interrupts and other"


def user_bucket(frames):
    """'user: layer / what' of a user-space sample."""
    leaf = frames[0][0]
    what = next((name for name, pattern in LEAF_KINDS if pattern.search(leaf)), "code")
    for symbol, _ in frames:
        bare = strip_templates(symbol)
        for name, pattern in LAYERS:
            if pattern.search(bare):
                return "user: %s / %s" % (name, what)
    return "user: start-up and other / " + what


def bucket_profile(script_path):
    """(buckets, leaf symbols, samples) of a perf script file."""
    buckets, leaves, total = collections.Counter(), collections.Counter(), 0
    for frames in samples(script_path):
        total += 1
        kernel = "kernel" in frames[0][1]
        buckets[kernel_bucket(frames) if kernel else user_bucket(frames)] += 1
        leaves[("[k] " if kernel else "[.] ") + strip_templates(frames[0][0])[:90]] += 1
    return buckets, leaves, total


def print_profile(script_path, hz, messages, top):
    buckets, leaves, total = bucket_profile(script_path)
    kernel = sum(n for name, n in buckets.items() if name.startswith("kernel"))
    per_rt = lambda n: 1e6 * n / hz / max(messages, 1)
    print("    %d samples = %.3f CPU-s = %.2f us per round trip; kernel %.1f%%, user %.1f%%" % (
        total, total / hz, per_rt(total), 100.0 * kernel / max(total, 1),
        100.0 * (total - kernel) / max(total, 1)))
    for name, n in buckets.most_common(top):
        print("      %5.1f%%  %6.3f us/rt  %s" % (100.0 * n / total, per_rt(n), name))
    print("    top leaf symbols:")
    for name, n in leaves.most_common(top):
        print("      %5.1f%%  %s" % (100.0 * n / total, name))
    sys.stdout.flush()


def syscall_counts(stat_path):
    """{event: count} from `perf stat -x,` output."""
    counts = {}
    with open(stat_path) as f:
        for line in f:
            fields = line.strip().split(",")
            if len(fields) > 2 and fields[0].isdigit():
                counts[fields[2].split(":")[-1].replace("sys_enter_", "")] = int(fields[0])
    return counts


def profile_client(b, name, run, target, n, seconds, hz, top):
    stat = os.path.join(b.log_dir, "%s-stat.txt" % name)
    events = ",".join("syscalls:sys_enter_" + s for s in SYSCALLS) + ",context-switches"
    b.prefix = ["perf", "stat", "-x,", "-o", stat, "-e", events, "--"]
    msgs, _ = run(b, target, n, seconds)
    counts = syscall_counts(stat)
    print("  %s: %d round trips under perf stat; per round trip: %s" % (name, msgs, ", ".join(
        "%s %.2f" % (k, v / max(msgs, 1)) for k, v in sorted(counts.items()) if v)))
    data = os.path.join(b.log_dir, "%s.data" % name)
    b.prefix = ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(hz), "--call-graph",
                "dwarf,16384", "-o", data, "--"]
    msgs, _ = run(b, target, n, seconds)
    b.prefix = []
    script = os.path.join(b.log_dir, "%s.txt" % name)
    with open(script, "w") as out:
        subprocess.run(["perf", "script", "-i", data, "-F", "comm,tid,ip,sym,dso"], stdout=out,
                       stderr=subprocess.DEVNULL, check=True, timeout=300)
    os.remove(data)  # tens of MB each; the script text is kept
    print("  %s: %d round trips under perf record (load %s)" % (name, msgs, bench.loadavg()))
    print_profile(script, hz, msgs, top)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", help="build directory with the binaries")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--hz", type=int, default=1999, help="samples per CPU-second")
    parser.add_argument("--clients", default="floor,minimal,wsyaml")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--script", help="only bucket this `perf script` output")
    parser.add_argument("--messages", type=int, default=0, help="with --script: round trips")
    args = parser.parse_args()
    if args.script:
        print_profile(args.script, args.hz, args.messages, args.top)
        return 0
    if not args.build or not 1 <= args.seconds <= 60:
        parser.error("--build is required and --seconds must be 1-60")
    b = bench.Bench(args.build, tempfile.mkdtemp(prefix="wsyaml-profile-"))
    print("logs: %s; load %s" % (b.log_dir, bench.loadavg()), flush=True)
    clients = dict(bench.CLIENTS)
    server, port = b.start_server()
    try:
        for name in args.clients.split(","):
            profile_client(b, name, clients[name], "ws://127.0.0.1:%d" % port, args.connections,
                           args.seconds, args.hz, args.top)
    finally:
        b.stop(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
