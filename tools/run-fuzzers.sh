#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for SECONDS each, starting from
# the seed corpora in tests/fuzz/corpus. Work (grown corpus, crash
# artifacts) stays under BUILD/fuzz-work. Fails if any target finds a crash.
set -euo pipefail
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
seconds=${2:?usage: run-fuzzers.sh BUILD_DIR SECONDS}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for target in fs9p_decode_fuzzer gofer_dispatch_fuzzer; do
  work=$(realpath -m "$build/fuzz-work/$target")
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -n "$root/tests/fuzz/corpus/$target/"* "$work/corpus/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  if ! FUZZ_WORKDIR="$work" "$build/tests/fuzz/$target" -max_total_time="$seconds" \
      -rss_limit_mb=4096 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/" "$work/corpus" > "$work/log" 2>&1; then
    echo "fuzz: $target FAILED; see $work/log and $work/artifacts/" >&2
    tail -40 "$work/log" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$work/log" | sed "s/^/fuzz: $target /"
  fi
done
rm -rf /tmp/gofer-fuzz.* 2>/dev/null || true
exit $status
