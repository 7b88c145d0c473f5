#!/usr/bin/env bash
# Installs what wsyaml needs from Debian 12 (only what is missing), then configures and builds
# a Release build into build/. Idempotent and non-interactive.
#   tools/setup.sh            # build packages + the wsyaml binary in build/ (README command 1)
#   tools/setup.sh --tests    # also the test packages (gtest, valijson, python, clang, chromium,
#                             # rabbitmq-server, podman, prometheus, influxdb, node and the npm peers
#                             # of tests/e2e/peers/node)
#                             # and every target, warnings as errors (what tools/test.sh runs)
#   BUILD_DIR=x BUILD_TYPE=Debug CMAKE_ARGS="..." tools/setup.sh [--tests]
set -euo pipefail
cd "$(dirname "$0")/.."
tests=0
[[ ${1:-} == --tests ]] && tests=1

packages=(
  cmake g++ make pkg-config
  libyaml-cpp-dev libwebsocketpp-dev libasio-dev nlohmann-json3-dev libcli11-dev libssl-dev libre2-dev zlib1g-dev
)
if ((tests)); then
  packages+=(
    libgtest-dev libgmock-dev libvalijson-dev
    python3 python3-websockets openssl
    clang libclang-rt-14-dev
    rabbitmq-server
    podman dpkg-dev
    prometheus
    influxdb
  )
  # Node.js may come with the machine (a newer one than Debian's); install Debian's if not.
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
  if [[ ${WSYAML_WITH_BROWSER:-1} == 1 ]]; then packages+=(chromium); fi
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ((tests)); then
  # The official Socket.IO and graphql-ws servers and node's ws: the real peers of the
  # protocol tests (no lock file: it would name a registry host).
  # playwright-core drives Debian's chromium for the dashboard test (no browser download).
  # kubernetes-models validates the `wsyaml k8s` manifests against Kubernetes' OpenAPI schema.
  # Installs when any dependency of package.json is missing.
  missing_npm=$(cd tests/e2e/peers/node && node -e '
    const deps = Object.keys(require("./package.json").dependencies);
    console.log(deps.filter((d) => !require("fs").existsSync("node_modules/" + d)).join(" "))')
  if [[ -n $missing_npm ]]; then
    (cd tests/e2e/peers/node && npm install --no-audit --no-fund --no-package-lock --silent)
  fi
fi

build_dir=${BUILD_DIR:-build}
build_type=${BUILD_TYPE:-Release}
options=()
if ((tests)); then
  options=(-DWSYAML_TESTS=ON -DWSYAML_WERROR=ON)
elif [[ ! -f $build_dir/CMakeCache.txt ]]; then
  # A first build for a user: no tests, so no test packages. A build dir that tools/test.sh
  # configured keeps its tests (only the wsyaml target is built below).
  options=(-DWSYAML_TESTS=OFF)
fi
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE="$build_type" "${options[@]}" ${CMAKE_ARGS:-} >/dev/null
if ((tests)); then
  cmake --build "$build_dir" -j"$(nproc)"
else
  cmake --build "$build_dir" -j"$(nproc)" --target wsyaml
fi
echo "setup: built $build_dir/wsyaml ($build_type)"
