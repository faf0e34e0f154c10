#!/usr/bin/env bash
# run_diff.sh SENTRY SCRIPT [SCRIPTS_DIR]: runs /scripts/SCRIPT with busybox sh
# natively (chroot into a fresh busybox rootfs, in new PID/mount/UTS
# namespaces with /proc and /dev mounted, as a container runtime would) and
# in the Sentry over the same rootfs served by the gofer (memory overlay),
# then compares stdout and the exit status. Prints a diff on mismatch.
set -euo pipefail
sentry=$1
script=$2
here=$(cd "$(dirname "$0")" && pwd)
scripts=${3:-$here/scripts}
work=$(mktemp -d /tmp/bbdiff.XXXXXX)
[ -n "${KEEP:-}" ] || trap 'umount -R "$work/native/proc" "$work/native/dev" 2>/dev/null || true; rm -rf "$work"' EXIT
"$here/make_rootfs.sh" "$work/native" "$scripts"
"$here/make_rootfs.sh" "$work/sandbox" "$scripts"
env_args=(env -i PATH=/bin HOME=/root TERM=dumb LANG=C)

set +e
unshare --pid --fork --mount --uts --ipc sh -c '
  set -e
  r=$1; shift
  mount --make-rprivate /
  mount -t proc proc "$r/proc"
  mount -t devtmpfs devtmpfs "$r/dev" 2>/dev/null || mount --rbind /dev "$r/dev"
  hostname sandbox
  exec chroot "$r" "$@"' sh "$work/native" "${env_args[@]}" /bin/sh "/scripts/$script" \
  > "$work/native.out" 2> "$work/native.err" < /dev/null
native_rc=$?
"$sentry" --root "$work/sandbox" --hostname sandbox --env PATH=/bin --env HOME=/root \
  --env TERM=dumb --env LANG=C -- /bin/sh "/scripts/$script" \
  > "$work/sandbox.out" 2> "$work/sandbox.err" < /dev/null
sandbox_rc=$?
set -e

expect=$(sed -n 's/^# expect-exit: //p' "$scripts/$script")
if [ "$native_rc" -ne "${expect:-0}" ]; then
  echo "native run exited $native_rc, not ${expect:-0}: the script itself is broken"
  cat "$work/native.err"; exit 1
fi
ok=1
if ! diff -u "$work/native.out" "$work/sandbox.out" > "$work/diff"; then
  echo "stdout differs (native vs sandbox):"; cat "$work/diff"; ok=0
fi
if [ "$native_rc" -ne "$sandbox_rc" ]; then
  echo "exit status differs: native $native_rc, sandbox $sandbox_rc"; ok=0
fi
if [ $ok -eq 0 ]; then
  echo "--- sandbox stderr:"; head -50 "$work/sandbox.err"; exit 1
fi
echo "same output ($(wc -l < "$work/native.out") lines) and exit status $native_rc"
