// Time: clock_gettime/clock_getres, gettimeofday, time from the host's
// clocks; CPU-time clocks from the Sentry's approximate accounting
// (time_util.h); nanosleep/clock_nanosleep block the task (Task::Block) so
// signals interrupt them, with Linux's restart rules.
#include <sys/syscall.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/kernel/timers.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {

CpuTimes ThreadCpuTimesLocked(kernel::Task& t) { return {t.utime(), t.stime()}; }

CpuTimes ProcessCpuTimesLocked(kernel::Kernel& k, kernel::ThreadGroup& tg) {
  CpuTimes c{tg.utime, tg.stime};
  for (kernel::Task* t : tg.tasks) {
    CpuTimes tc = ThreadCpuTimesLocked(*t);
    c.user += tc.user;
    c.sys += tc.sys;
  }
  // A thread's user time dips when one of its syscalls ends (wall - sys):
  // never report less than before.
  kernel::ProcessTimers& pt = kernel::ProcessTimers::ForLocked(k, tg);
  pt.cpu_user_hwm = c.user = std::max(c.user, pt.cpu_user_hwm);
  pt.cpu_sys_hwm = c.sys = std::max(c.sys, pt.cpu_sys_hwm);
  return c;
}

CpuTimes ChildrenCpuTimesLocked(kernel::ThreadGroup& tg) {
  return {tg.children_utime, tg.children_stime};
}

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

// CPU-time clocks: CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID and
// the clock ids of clock_getcpuclockid/pthread_getcpuclockid
// ((~pid << 3) | type, bit 2 = per thread). EINVAL for an unknown one.
ErrnoOr<absl::Duration> CpuClockNow(Task& t, clockid_t c) {
  absl::MutexLock l(&t.kernel().mu());
  if (c == CLOCK_PROCESS_CPUTIME_ID) return ProcessCpuTimesLocked(t.kernel(), t.tg()).total();
  if (c == CLOCK_THREAD_CPUTIME_ID) return ThreadCpuTimesLocked(t).total();
  if (c >= 0 || (c & 3) == 3) return Errno(EINVAL);
  int pid = ~(c >> 3);
  bool thread = (c & 4) != 0;
  if (thread) {
    kernel::Task* target = pid == 0 ? &t : t.kernel().TaskLocked(pid);
    if (target == nullptr || &target->tg() != &t.tg()) return Errno(EINVAL);
    return ThreadCpuTimesLocked(*target).total();
  }
  kernel::ThreadGroup* tg = pid == 0 ? &t.tg() : t.kernel().ThreadGroupLocked(pid);
  if (tg == nullptr || tg->zombie) return Errno(EINVAL);
  return ProcessCpuTimesLocked(t.kernel(), *tg).total();
}

bool CpuClock(int64_t id) {
  return id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID ||
         (id < 0 && id >= INT32_MIN);
}

SyscallReturn ClockGettime(Task& t, const SyscallArguments& a) {
  struct timespec ts;
  int64_t id = static_cast<int64_t>(a[0]);
  if (CpuClock(static_cast<int32_t>(a[0])) && static_cast<int32_t>(a[0]) == id) {
    ErrnoOr<absl::Duration> d = CpuClockNow(t, static_cast<clockid_t>(id));
    if (!d.ok()) return SyscallReturn::From(d.error());
    ts = AppTimespec(*d);
  } else if (!HostClock(a[0])) {
    return SyscallReturn::Err(EINVAL);
  } else if (clock_gettime(static_cast<clockid_t>(a[0]), &ts) != 0) {
    return SyscallReturn::Err(errno);
  }
  if (!t.mm().CopyOut(a[1], &ts, sizeof(ts)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

// clock_settime(2): the sandbox reads the host's clocks and never sets them:
// a valid request for a settable clock is EPERM (as in a container without
// CAP_SYS_TIME); other clocks are EINVAL, bad values EINVAL.
SyscallReturn ClockSettime(Task& t, const SyscallArguments& a) {
  const auto id = static_cast<int32_t>(a[0]);
  struct timespec ts;
  if (!t.mm().CopyIn(a[1], &ts, sizeof(ts)).ok()) return SyscallReturn::Err(EFAULT);
  if (id != CLOCK_REALTIME) return SyscallReturn::Err(EINVAL);
  if (!ValidTimespec(ts)) return SyscallReturn::Err(EINVAL);
  return SyscallReturn::Err(EPERM);
}

SyscallReturn ClockGetres(Task& t, const SyscallArguments& a) {
  struct timespec ts;
  int64_t id = static_cast<int64_t>(a[0]);
  if (CpuClock(static_cast<int32_t>(a[0])) && static_cast<int32_t>(a[0]) == id) {
    ErrnoOr<absl::Duration> d = CpuClockNow(t, static_cast<clockid_t>(id));
    if (!d.ok()) return SyscallReturn::From(d.error());
    ts = {0, 1};
  } else if (!HostClock(a[0])) {
    return SyscallReturn::Err(EINVAL);
  } else if (clock_getres(static_cast<clockid_t>(a[0]), &ts) != 0) {
    return SyscallReturn::Err(errno);
  }
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

// The clocks nanosleep-style calls and POSIX timers accept.
bool SleepClock(clockid_t c) {
  return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC || c == CLOCK_BOOTTIME;
}

// Sleeps until `clock` reads `deadline`. Interrupted by a signal: an
// absolute sleep restarts only if no handler ran; a relative one writes the
// time left to `rem_addr` (if any) and registers a restart_block that
// continues to the same deadline.
SyscallReturn SleepUntil(Task& t, clockid_t clock, absl::Duration deadline, bool abstime,
                         uint64_t rem_addr) {
  for (;;) {
    absl::Duration left = deadline - kernel::ClockNow(clock);
    if (left <= absl::ZeroDuration()) return SyscallReturn::Ok(0);
    // Block's deadline is on absl's (realtime) clock: convert the time left
    // on `clock`. Re-checked on wake-up, so clock steps only delay.
    ErrnoResult r = t.Block(absl::Now() + left);
    if (r.ok() || r.error().value() == ETIMEDOUT) continue;
    if (t.killed()) return SyscallReturn::Err(EINTR);
    if (abstime) return SyscallReturn::Err(kernel::kERestartNoHand);
    left = deadline - kernel::ClockNow(clock);
    if (left < absl::ZeroDuration()) left = absl::ZeroDuration();
    if (rem_addr != 0) {
      struct timespec rem = AppTimespec(left);
      if (!t.mm().CopyOut(rem_addr, &rem, sizeof(rem)).ok()) return SyscallReturn::Err(EFAULT);
    }
    t.restart_block = [clock, deadline, rem_addr](Task& task) {
      return SleepUntil(task, clock, deadline, false, rem_addr);
    };
    return SyscallReturn::Err(kernel::kERestartRestartBlock);
  }
}

SyscallReturn Sleep(Task& t, clockid_t clock, bool abstime, uint64_t req_addr,
                    uint64_t rem_addr) {
  ErrnoOr<absl::Duration> req = CopyInTimespecDuration(t, req_addr);
  if (!req.ok()) return SyscallReturn::From(req.error());
  absl::Duration deadline = abstime ? *req : kernel::ClockNow(clock) + *req;
  return SleepUntil(t, clock, deadline, abstime, abstime ? 0 : rem_addr);
}

SyscallReturn Nanosleep(Task& t, const SyscallArguments& a) {
  return Sleep(t, CLOCK_MONOTONIC, false, a[0], a[1]);
}

SyscallReturn ClockNanosleep(Task& t, const SyscallArguments& a) {
  clockid_t c = static_cast<clockid_t>(a[0]);
  if (c == CLOCK_PROCESS_CPUTIME_ID) return SyscallReturn::Err(ENOTSUP);
  if (!SleepClock(c)) return SyscallReturn::Err(EINVAL);
  return Sleep(t, c, (a[1] & TIMER_ABSTIME) != 0, a[2], a[3]);
}

}  // namespace

void RegisterTime(SyscallTable& t) {
  t.Register(SYS_clock_gettime, ClockGettime);
  t.Register(SYS_clock_getres, ClockGetres);
  t.Register(SYS_clock_settime, ClockSettime);
  t.Register(SYS_gettimeofday, Gettimeofday);
  t.Register(SYS_time, Time);
  t.Register(SYS_nanosleep, Nanosleep);
  t.Register(SYS_clock_nanosleep, ClockNanosleep);
}

}  // namespace sentry::syscalls
