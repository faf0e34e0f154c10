// time_util.h: app timespecs/timevals <-> absl durations, with Linux's
// validation (EINVAL for tv_nsec outside [0, 1e9) or a negative tv_sec),
// and the Sentry's approximate CPU-time accounting.
#ifndef SENTRY_SYSCALLS_TIME_UTIL_H_
#define SENTRY_SYSCALLS_TIME_UTIL_H_

#include <sys/time.h>

#include <ctime>

#include "absl/time/time.h"
#include "sentry/errno.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/timers.h"

namespace sentry::syscalls {

inline bool ValidTimespec(const struct timespec& ts) {
  return ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000;
}
inline bool ValidTimeval(const struct timeval& tv) {
  return tv.tv_sec >= 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000;
}

// A relative timespec at app address `addr`: EFAULT, EINVAL.
inline ErrnoOr<absl::Duration> CopyInTimespecDuration(kernel::Task& t, uint64_t addr) {
  struct timespec ts;
  if (!t.mm().CopyIn(addr, &ts, sizeof(ts)).ok()) return Errno(EFAULT);
  if (!ValidTimespec(ts)) return Errno(EINVAL);
  return absl::DurationFromTimespec(ts);
}

inline struct timespec AppTimespec(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  return absl::ToTimespec(d);
}
inline struct timeval AppTimeval(absl::Duration d) {
  if (d < absl::ZeroDuration()) d = absl::ZeroDuration();
  return absl::ToTimeval(d);
}

// struct itimerspec <-> a timer's value (timer_settime, timerfd_settime).
inline struct itimerspec AppItimerspec(const kernel::TimerValue& v) {
  return {AppTimespec(v.interval), AppTimespec(v.value)};
}
// EFAULT, or EINVAL for an invalid timespec in it.
inline ErrnoOr<kernel::TimerValue> CopyInItimerspec(kernel::Task& t, uint64_t addr) {
  struct itimerspec its;
  if (!t.mm().CopyIn(addr, &its, sizeof(its)).ok()) return Errno(EFAULT);
  if (!ValidTimespec(its.it_value) || !ValidTimespec(its.it_interval)) return Errno(EINVAL);
  return kernel::TimerValue{absl::DurationFromTimespec(its.it_value),
                            absl::DurationFromTimespec(its.it_interval)};
}

// CPU time of a process / thread: user and system parts. Approximate: the
// app runs in another host process, so a thread's user time is the wall
// time it has existed minus the time the Sentry spent in its syscalls
// (Task::utime/stime); sleeping counts as user time. Monotonic.
struct CpuTimes {
  absl::Duration user, sys;
  absl::Duration total() const { return user + sys; }
};
// Kernel::mu() held. Thread: user + sys only grows (user alone may dip by
// one syscall's duration); process: each part only grows.
CpuTimes ThreadCpuTimesLocked(kernel::Task& t);
CpuTimes ProcessCpuTimesLocked(kernel::Kernel& k, kernel::ThreadGroup& tg);
CpuTimes ChildrenCpuTimesLocked(kernel::ThreadGroup& tg);

}  // namespace sentry::syscalls

#endif  // SENTRY_SYSCALLS_TIME_UTIL_H_
