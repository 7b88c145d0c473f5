#!/usr/bin/env bash
# Assembles the container image's filesystem into DIR (default out/rootfs): wsyaml installed by
# `cmake --install` from BUILD_DIR (default build; the wsyaml target must be built), the exact
# shared libraries the binary links (from this Debian 12 machine's packages, found with ldd),
# CA certificates for wss://, and a passwd/group naming the unprivileged user 65532 "wsyaml".
# Nothing else: no shell, no package manager. The Containerfile copies DIR into `scratch`.
#   tools/container/rootfs.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=${1:-out/rootfs}
build_dir=${BUILD_DIR:-build}
rm -rf "$root"
mkdir -p "$root"
cmake --install "$build_dir" --prefix "$root/usr" >/dev/null
binary=$root/usr/bin/wsyaml
# Every library the binary loads, at the path the dynamic loader looks it up.
ldd "$binary" | awk '/=> \// {print $3} /^\t\/lib/ {print $1}' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
fi
mkdir -p "$root/etc" "$root/tmp" "$root/work"
chmod 1777 "$root/tmp"
echo 'wsyaml:x:65532:65532:wsyaml:/work:/nonexistent' >"$root/etc/passwd"
echo 'wsyaml:x:65532:' >"$root/etc/group"
chown 65532:65532 "$root/work"
du -sh "$root" | awk '{print "rootfs: " $1 " in " $2}'
