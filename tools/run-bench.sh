#!/usr/bin/env bash
# `make bench`: every benchmark binary, one after another (they measure
# wall time: run them on an otherwise idle machine).
set -euo pipefail
build=${1:-build}
shift || true
for b in platform_bench fs9p_bench; do
  if [ -x "$build/bench/$b" ]; then
    echo "== $b"
    "$build/bench/$b" "$@"
    echo
  fi
done
if [ -x "$build/bench/syscall_bench" ] && [ -x "$build/sentry/boot/sentry" ]; then
  echo "== syscall_bench         (ns/op; native beside the Sentry on ptrace)"
  bench/syscall_bench.sh "$build"
fi
