// time_util.h: app timespecs/timevals <-> absl durations, with Linux's
// validation (EINVAL for tv_nsec outside [0, 1e9) or a negative tv_sec).
#ifndef SENTRY_SYSCALLS_TIME_UTIL_H_
#define SENTRY_SYSCALLS_TIME_UTIL_H_

#include <ctime>

#include "absl/time/time.h"
#include "sentry/errno.h"
#include "sentry/kernel/task.h"

namespace sentry::syscalls {

// A relative timespec at app address `addr`: EFAULT, EINVAL.
inline ErrnoOr<absl::Duration> CopyInTimespecDuration(kernel::Task& t, uint64_t addr) {
  struct timespec ts;
  if (!t.mm().CopyIn(addr, &ts, sizeof(ts)).ok()) return Errno(EFAULT);
  if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return Errno(EINVAL);
  return absl::DurationFromTimespec(ts);
}

}  // namespace sentry::syscalls

#endif  // SENTRY_SYSCALLS_TIME_UTIL_H_
