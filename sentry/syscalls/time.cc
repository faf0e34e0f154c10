// Time: clock_gettime/clock_getres, gettimeofday, time from the host's
// clocks; nanosleep/clock_nanosleep sleep the task's host thread.
// CPU-time clocks are not implemented (the app runs in another host
// process): EINVAL.
#include <sys/syscall.h>
#include <sys/time.h>

#include <cerrno>
#include <ctime>

#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

bool HostClock(uint64_t id) {
  switch (static_cast<clockid_t>(id)) {
    case CLOCK_REALTIME:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      return id < 16;
    default:
      return false;
  }
}

SyscallReturn ClockGettime(Task& t, const SyscallArguments& a) {
  if (!HostClock(a[0])) return SyscallReturn::Err(EINVAL);
  struct timespec ts;
  if (clock_gettime(static_cast<clockid_t>(a[0]), &ts) != 0) return SyscallReturn::Err(errno);
  if (!t.mm().CopyOut(a[1], &ts, sizeof(ts)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn ClockGetres(Task& t, const SyscallArguments& a) {
  if (!HostClock(a[0])) return SyscallReturn::Err(EINVAL);
  struct timespec ts;
  if (clock_getres(static_cast<clockid_t>(a[0]), &ts) != 0) return SyscallReturn::Err(errno);
  if (a[1] != 0 && !t.mm().CopyOut(a[1], &ts, sizeof(ts)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Gettimeofday(Task& t, const SyscallArguments& a) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  if (a[0] != 0) {
    struct timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
    if (!t.mm().CopyOut(a[0], &tv, sizeof(tv)).ok()) return SyscallReturn::Err(EFAULT);
  }
  if (a[1] != 0) {
    struct timezone tz = {0, 0};
    if (!t.mm().CopyOut(a[1], &tz, sizeof(tz)).ok()) return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Time(Task& t, const SyscallArguments& a) {
  int64_t now = static_cast<int64_t>(::time(nullptr));
  if (a[0] != 0 && !t.mm().CopyOut(a[0], &now, sizeof(now)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(now);
}

// Sleeps for the app's timespec at `req_addr` (relative), or until the
// absolute time if `abstime`. Not interruptible yet (no signals).
SyscallReturn Sleep(Task& t, clockid_t clock, bool abstime, uint64_t req_addr) {
  struct timespec req;
  if (!t.mm().CopyIn(req_addr, &req, sizeof(req)).ok()) return SyscallReturn::Err(EFAULT);
  if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000) {
    return SyscallReturn::Err(EINVAL);
  }
  int flags = abstime ? TIMER_ABSTIME : 0;
  while (int err = clock_nanosleep(clock, flags, &req, abstime ? nullptr : &req)) {
    if (err != EINTR) return SyscallReturn::Err(err);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Nanosleep(Task& t, const SyscallArguments& a) {
  return Sleep(t, CLOCK_MONOTONIC, false, a[0]);
}

SyscallReturn ClockNanosleep(Task& t, const SyscallArguments& a) {
  clockid_t c = static_cast<clockid_t>(a[0]);
  if (c != CLOCK_REALTIME && c != CLOCK_MONOTONIC && c != CLOCK_BOOTTIME) {
    return SyscallReturn::Err(EINVAL);
  }
  return Sleep(t, c, (a[1] & TIMER_ABSTIME) != 0, a[2]);
}

}  // namespace

void RegisterTime(SyscallTable& t) {
  t.Register(SYS_clock_gettime, ClockGettime);
  t.Register(SYS_clock_getres, ClockGetres);
  t.Register(SYS_gettimeofday, Gettimeofday);
  t.Register(SYS_time, Time);
  t.Register(SYS_nanosleep, Nanosleep);
  t.Register(SYS_clock_nanosleep, ClockNanosleep);
}

}  // namespace sentry::syscalls
