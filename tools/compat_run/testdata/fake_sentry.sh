#!/bin/sh
# A fake "sentry" for compat-run's tests: skips options up to "--" and runs the
# program natively, except that it makes some tests differ:
#   plain_pass                         -> exits 1 (a regression)
#   gtest_fake --gtest_filter=Fake.FailsInSandbox -> exits 1
#   tap                                -> runs with TAP_FAKE_SANDBOX=1 (test 2 fails)
#   plain_fail                         -> exits 0 (fails natively, passes here)
#   crash_segv                         -> the "sentry" itself dies by SIGSEGV
# Like the real Sentry, it exits with 128+N when the program dies by signal N.
while [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done
[ $# -gt 0 ] && shift
case "$(basename "$1")" in
  plain_pass) echo "fake sentry: plain_pass refused" >&2; exit 1 ;;
  plain_fail) exit 0 ;;
  crash_segv) kill -SEGV $$ ;;
  tap) export TAP_FAKE_SANDBOX=1 ;;
  gtest_fake)
    case "$*" in
      *--gtest_filter=Fake.FailsInSandbox*) exit 1 ;;
    esac ;;
esac
"$@"
exit $?
