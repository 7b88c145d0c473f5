#!/usr/bin/env bash
# The whole test suite, as CI runs it: install the test packages, build every target (Release,
# warnings as errors), run every test, then the same tests under AddressSanitizer +
# UndefinedBehaviorSanitizer, then the compiler fuzzer for a bounded time.
#   tools/test.sh                 # everything
#   tools/test.sh --quick         # Release build and tests only
#   FUZZ_SECONDS=60 tools/test.sh
#
# The tests mostly wait on sockets and timers (the Release suite: ~15 CPU-s in ~150 s), so each
# suite runs while the next build compiles: Release tests beside the ASan build, ASan tests
# beside the fuzzer's build and run. The compilers run under `nice` so the tests' processes
# get a core when they need one and their timing stays what it is on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ ${1:-} == --quick ]] && quick=1
fuzz_seconds=${FUZZ_SECONDS:-60}
logs=$(mktemp -d)
# On a failure, stops a suite still running in the background.
cleanup() {
  local pid_file
  for pid_file in "$logs"/*.pid; do
    if [[ -f $pid_file ]]; then kill "$(cat "$pid_file")" 2>/dev/null || true; fi
  done
  rm -rf "$logs"
}
trap cleanup EXIT

# start_suite NAME DIR [ENV...]: runs DIR's ctest in the background, its output to a log.
start_suite() {
  local name=$1 dir=$2
  shift 2
  (cd "$dir" && exec env "$@" ctest --output-on-failure -j1) >"$logs/$name.log" 2>&1 &
  echo $! >"$logs/$name.pid"
}

# finish_suite NAME: waits for the suite, prints its output, fails if it failed.
finish_suite() {
  local rc=0
  wait "$(cat "$logs/$1.pid")" || rc=$?
  rm "$logs/$1.pid"
  echo "== $1 tests =="
  cat "$logs/$1.log"
  return "$rc"
}

tools/setup.sh --tests
if ((quick)); then
  (cd build && ctest --output-on-failure -j1)
  exit 0
fi
start_suite release build

echo "== sanitizers (ASan + UBSan): building while the Release tests run =="
# -O1 without debug info: the sanitizers need no more, and it halves the build on 2 cores.
BUILD_DIR=build-asan BUILD_TYPE=None CMAKE_ARGS="-DWSYAML_SANITIZE=ON -DCMAKE_CXX_FLAGS=-O1" \
  nice -n 10 tools/setup.sh --tests
finish_suite release
start_suite asan build-asan ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  WSYAML_SANITIZED=1

echo "== compiler fuzzer: building and running while the ASan tests run =="
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSYAML_FUZZ=ON \
  -DWSYAML_TESTS=OFF -DWSYAML_WERROR=ON -DWSYAML_FUZZ_SECONDS="$fuzz_seconds" >/dev/null
nice -n 10 cmake --build build-fuzz --target compiler_fuzz -j"$(nproc)"
# The fuzzer runs for a fixed time; niced, it takes only what the ASan tests leave idle.
nice -n 19 cmake --build build-fuzz --target run_compiler_fuzz 2>&1 | tail -n 4
echo "fuzz: $fuzz_seconds s without a crash"
finish_suite asan
