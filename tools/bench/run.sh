#!/usr/bin/env bash
# One command for the Load-and-scale benchmarks: builds wsyaml and the baselines (Release,
# into build/), then runs side by side on loopback and prints ratios against baselines
# measured in the same run:
#   (a) echo throughput: wsyaml (--threads 1) vs wsbench_minimal (the ceiling of our stack)
#       vs wsbench_floor (plain sockets and epoll, no WebSocket library) at 1, 50, 500
#       connections, client CPU seconds per message
#   (b) idle memory: RSS per connection, client and server, at 1k and 10k (--full: 100k)
#   (c) timers: 10k VUs with `every: 1s` — CPU per fire vs timer_baseline, lateness p50/p99
#   (d) connection rate: connections per second, wsyaml vs wsbench_minimal
# Every process has a kill timer; the whole run is bounded by `timeout`. About 5 minutes
# (--full adds about 2). See docs/performance.md for the figures and how to read them.
#   tools/bench/run.sh                 # build + (a)-(d)
#   tools/bench/run.sh --full          # also 100k idle connections
#   tools/bench/run.sh --only ab       # some sections
#   BUILD_DIR=build-x tools/bench/run.sh --json out.json
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir=${BUILD_DIR:-build}
if [[ -f $build_dir/CMakeCache.txt ]] &&
  ! grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$build_dir/CMakeCache.txt"; then
  echo "bench: $build_dir is not a Release build; set BUILD_DIR to another directory" >&2
  exit 2
fi
echo "bench: building wsyaml and the baselines (Release) in $build_dir"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)" \
  --target wsyaml wsbench_minimal wsbench_floor wsbench_sink timer_baseline >/dev/null

limit=900
for arg in "$@"; do [[ $arg == --full ]] && limit=1800; done
json=()
[[ " $* " == *" --json "* ]] || json=(--json "$build_dir/bench-results.json")
exec timeout --kill-after=10 "$limit" /usr/bin/python3 tools/bench/bench.py \
  --build "$build_dir" "${json[@]}" "$@"
