#!/usr/bin/env bash
# `make run`: the gofer serves examples/rootfs (confined, read-only) on a
# unix socket, and the project's own 9P client lists it and reads a file;
# then the Sentry runs Debian's static busybox on the ptrace platform, from
# the host path and then from a copy of examples/rootfs with busybox added,
# served by a gofer the Sentry starts.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/sandbox-run.XXXXXX)
sock="$work/gofer.sock"
"$build/gofer/gofer" --root "$root/examples/rootfs" --ro --socket "$sock" 2>"$work/gofer.log" &
gofer=$!
trap 'kill $gofer 2>/dev/null; wait $gofer 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
[ -S "$sock" ] || { echo "run: gofer did not start:"; cat "$work/gofer.log"; exit 1; }
echo "\$ 9p-ls /            (gofer serving examples/rootfs read-only, confined)"
"$build/tools/9p-ls" --socket "$sock"
echo "\$ 9p-ls /etc"
"$build/tools/9p-ls" --socket "$sock" etc
echo "\$ 9p-ls --cat etc/hostname"
"$build/tools/9p-ls" --socket "$sock" --cat etc/hostname
echo
echo "\$ sentry -- /bin/busybox uname -a      (Debian's static busybox; every syscall stops in the Sentry)"
"$build/sentry/boot/sentry" -- /bin/busybox uname -a
echo '$ sentry -- /bin/busybox echo "hello from the sandbox"'
"$build/sentry/boot/sentry" -- /bin/busybox echo "hello from the sandbox"
echo
# The sample root for the Sentry: examples/rootfs plus Debian's static
# busybox as /bin/busybox (and sh), in a scratch copy.
rootfs="$work/rootfs"
cp -a "$root/examples/rootfs" "$rootfs"
cp /bin/busybox "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/sh"
echo "\$ sentry --root ROOTFS -- /bin/busybox ls -l /etc   (ROOTFS = examples/rootfs + busybox; the Sentry starts its own gofer, execs from it, and writes stay in an in-memory overlay)"
"$build/sentry/boot/sentry" --root "$rootfs" -- /bin/busybox ls -l /etc
echo "\$ sentry --root ROOTFS -- /bin/sh -c 'echo written > /etc/hostname; read x < /etc/hostname; echo \$x; ls /proc/self/fd'"
"$build/sentry/boot/sentry" --root "$rootfs" -- /bin/sh -c 'echo written > /etc/hostname; read x < /etc/hostname; echo "$x"; ls /proc/self/fd'
echo "\$ cat ROOTFS/etc/hostname   (unchanged on the host)"
cat "$rootfs/etc/hostname"
