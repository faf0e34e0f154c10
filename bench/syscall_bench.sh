#!/usr/bin/env bash
# syscall_bench.sh BUILD: runs syscall_bench natively and under the Sentry
# (ptrace platform) and prints ns/op side by side, with the ratio to one
# intercepted getpid in the sandbox (issue #5's goals are stated in it).
set -euo pipefail
build=${1:-build}
bin="$build/bench/syscall_bench"
sentry="$build/sentry/boot/sentry"
native=$("$bin" /tmp/syscall_bench.$$)
rmdir /tmp/syscall_bench.$$ 2>/dev/null || true
sandbox=$("$sentry" -- "$bin" /tmp)
join <(echo "$native" | sort) <(echo "$sandbox" | sort) | awk -v order="getpid open+close stat pread_4k pread_1m pipe_write+read_64 epoll_wait_ready" '
  { n[$1] = $2; s[$1] = $3 }
  END {
    printf "%-22s %10s %12s %8s %12s\n", "name", "native", "ptrace", "x native", "x getpid"
    split(order, names, " ")
    for (i = 1; i <= length(names); i++) {
      k = names[i]; if (!(k in n)) continue
      printf "%-22s %10d %12d %8.1f %12.2f\n", k, n[k], s[k], s[k] / (n[k] ? n[k] : 1), s[k] / s["getpid"]
    }
  }'
echo "(sandbox files live in the Sentry's root: tmpfs until the gofer root is the default)"
