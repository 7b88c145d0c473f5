#!/usr/bin/env bash
# The whole test suite, as CI runs it: install the test packages, build every target (Release,
# warnings as errors), run every test, then the same tests under AddressSanitizer +
# UndefinedBehaviorSanitizer, then the compiler fuzzer for a bounded time.
#   tools/test.sh                 # everything
#   tools/test.sh --quick         # Release build and tests only
#   FUZZ_SECONDS=60 tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
[[ ${1:-} == --quick ]] && quick=1

tools/setup.sh --tests
(cd build && ctest --output-on-failure -j1)
((quick)) && exit 0

echo "== sanitizers (ASan + UBSan) =="
# -O1 without debug info: the sanitizers need no more, and it halves the build on 2 cores.
BUILD_DIR=build-asan BUILD_TYPE=None CMAKE_ARGS="-DWSYAML_SANITIZE=ON -DCMAKE_CXX_FLAGS=-O1" \
  tools/setup.sh --tests
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  WSYAML_SANITIZED=1 ctest --output-on-failure -j1)

echo "== compiler fuzzer =="
CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSYAML_FUZZ=ON \
  -DWSYAML_TESTS=OFF -DWSYAML_WERROR=ON -DWSYAML_FUZZ_SECONDS="${FUZZ_SECONDS:-60}" >/dev/null
cmake --build build-fuzz --target run_compiler_fuzz -j"$(nproc)" 2>&1 | tail -n 4
echo "fuzz: ${FUZZ_SECONDS:-60} s without a crash"
