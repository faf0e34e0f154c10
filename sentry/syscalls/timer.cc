// Interval and POSIX timers, alarm, times, getrusage. The timers live in
// the process's kernel::ProcessTimers (sentry/kernel/timers.h), which sends
// their signals from a Sentry thread. ITIMER_VIRTUAL/ITIMER_PROF count
// wall time (the app's CPU time is not metered).
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/kernel/timers.h"
#include "sentry/syscalls/table.h"
#include "sentry/syscalls/time_util.h"

namespace sentry::syscalls {
namespace {

using kernel::ProcessTimers;
using kernel::TimerValue;

ProcessTimers& Timers(Task& t) {
  absl::MutexLock l(&t.kernel().mu());
  return ProcessTimers::ForLocked(t.kernel(), t.tg());
}

bool ValidWhich(uint64_t which) {
  return which == ITIMER_REAL || which == ITIMER_VIRTUAL || which == ITIMER_PROF;
}

struct itimerval ToItimerval(const TimerValue& v) {
  struct itimerval it;
  it.it_value = AppTimeval(v.value);
  it.it_interval = AppTimeval(v.interval);
  // A running timer never reads as zero.
  if (v.value > absl::ZeroDuration() && it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0) {
    it.it_value.tv_usec = 1;
  }
  return it;
}

SyscallReturn Getitimer(Task& t, const SyscallArguments& a) {
  if (!ValidWhich(a[0])) return SyscallReturn::Err(EINVAL);
  struct itimerval it = ToItimerval(Timers(t).GetITimer(static_cast<int>(a[0])));
  if (!t.mm().CopyOut(a[1], &it, sizeof(it)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn Setitimer(Task& t, const SyscallArguments& a) {
  if (!ValidWhich(a[0])) return SyscallReturn::Err(EINVAL);
  struct itimerval it {};
  // A null new value disarms (Linux's legacy behaviour).
  if (a[1] != 0 && !t.mm().CopyIn(a[1], &it, sizeof(it)).ok()) return SyscallReturn::Err(EFAULT);
  if (!ValidTimeval(it.it_value) || !ValidTimeval(it.it_interval)) {
    return SyscallReturn::Err(EINVAL);
  }
  TimerValue v{absl::DurationFromTimeval(it.it_value), absl::DurationFromTimeval(it.it_interval)};
  TimerValue old = Timers(t).SetITimer(static_cast<int>(a[0]), v);
  if (a[2] != 0) {
    struct itimerval o = ToItimerval(old);
    if (!t.mm().CopyOut(a[2], &o, sizeof(o)).ok()) return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Alarm(Task& t, const SyscallArguments& a) {
  unsigned secs = static_cast<unsigned>(a[0]);
  TimerValue old = Timers(t).SetITimer(ITIMER_REAL, {absl::Seconds(secs), absl::ZeroDuration()});
  if (old.value <= absl::ZeroDuration()) return SyscallReturn::Ok(0);
  // Linux rounds to the nearest second, and never reports 0 for a pending
  // alarm.
  int64_t left = absl::ToInt64Seconds(old.value + absl::Milliseconds(500));
  return SyscallReturn::Ok(left == 0 ? 1 : left);
}

// --- POSIX timers ---

SyscallReturn TimerCreate(Task& t, const SyscallArguments& a) {
  clockid_t clock = static_cast<clockid_t>(a[0]);
  if (static_cast<int64_t>(static_cast<int32_t>(a[0])) != static_cast<int64_t>(a[0]) ||
      (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME)) {
    return SyscallReturn::Err(EINVAL);
  }
  kernel::TimerEvent ev;
  bool default_value = true;
  if (a[1] != 0) {
    struct sigevent sev;
    static_assert(sizeof(sev) == 64);
    if (!t.mm().CopyIn(a[1], &sev, sizeof(sev)).ok()) return SyscallReturn::Err(EFAULT);
    default_value = false;
    ev.value = reinterpret_cast<uint64_t>(sev.sigev_value.sival_ptr);
    ev.signo = sev.sigev_signo;
    switch (sev.sigev_notify) {
      case SIGEV_SIGNAL | SIGEV_THREAD_ID: {
        ev.tid = sev._sigev_un._tid;
        absl::MutexLock l(&t.kernel().mu());
        kernel::Task* target = t.kernel().TaskLocked(ev.tid);
        if (target == nullptr || &target->tg() != &t.tg()) return SyscallReturn::Err(EINVAL);
        ev.notify = SIGEV_THREAD_ID;
        break;
      }
      case SIGEV_SIGNAL:
      case SIGEV_THREAD:  // glibc does SIGEV_THREAD itself; a plain signal here
        ev.notify = SIGEV_SIGNAL;
        break;
      case SIGEV_NONE:
        ev.notify = SIGEV_NONE;
        break;
      default:
        return SyscallReturn::Err(EINVAL);
    }
    if (ev.notify != SIGEV_NONE && !kernel::ValidSignal(ev.signo)) {
      return SyscallReturn::Err(EINVAL);
    }
  }
  // No sigevent: SIGALRM with the timer id as its value.
  ev.value_is_id = default_value;
  ProcessTimers& timers = Timers(t);
  ErrnoOr<int> id = timers.Create(clock, ev);
  if (!id.ok()) return SyscallReturn::From(id.error());
  int32_t kid = *id;
  if (!t.mm().CopyOut(a[2], &kid, sizeof(kid)).ok()) {
    (void)timers.Delete(*id);
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

// A timer_t argument: the kernel's id is an int.
bool TimerId(uint64_t raw, int* id) {
  if (static_cast<int64_t>(raw) < 0 || raw > INT32_MAX) return false;
  *id = static_cast<int>(raw);
  return true;
}

SyscallReturn TimerSettime(Task& t, const SyscallArguments& a) {
  int id;
  if (!TimerId(a[0], &id)) return SyscallReturn::Err(EINVAL);
  if (a[2] == 0) return SyscallReturn::Err(EINVAL);
  ErrnoOr<TimerValue> v = CopyInItimerspec(t, a[2]);
  if (!v.ok()) return SyscallReturn::From(v.error());
  ErrnoOr<TimerValue> old = Timers(t).Settime(id, (a[1] & TIMER_ABSTIME) != 0, *v);
  if (!old.ok()) return SyscallReturn::From(old.error());
  if (a[3] != 0) {
    struct itimerspec o = AppItimerspec(*old);
    if (!t.mm().CopyOut(a[3], &o, sizeof(o)).ok()) return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn TimerGettime(Task& t, const SyscallArguments& a) {
  int id;
  if (!TimerId(a[0], &id)) return SyscallReturn::Err(EINVAL);
  ErrnoOr<TimerValue> v = Timers(t).Gettime(id);
  if (!v.ok()) return SyscallReturn::From(v.error());
  struct itimerspec its = AppItimerspec(*v);
  if (!t.mm().CopyOut(a[1], &its, sizeof(its)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn TimerGetoverrun(Task& t, const SyscallArguments& a) {
  int id;
  if (!TimerId(a[0], &id)) return SyscallReturn::Err(EINVAL);
  ErrnoOr<int> n = Timers(t).Getoverrun(id);
  if (!n.ok()) return SyscallReturn::From(n.error());
  return SyscallReturn::Ok(*n);
}

SyscallReturn TimerDelete(Task& t, const SyscallArguments& a) {
  int id;
  if (!TimerId(a[0], &id)) return SyscallReturn::Err(EINVAL);
  ErrnoResult r = Timers(t).Delete(id);
  if (!r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(0);
}

// --- CPU time accounting ---

constexpr int64_t kClockTicks = 100;  // USER_HZ

clock_t Ticks(absl::Duration d) {
  return static_cast<clock_t>(absl::ToInt64Microseconds(d) / (1000000 / kClockTicks));
}

SyscallReturn Times(Task& t, const SyscallArguments& a) {
  kernel::Kernel& k = t.kernel();
  if (a[0] != 0) {
    struct tms buf;
    {
      absl::MutexLock l(&k.mu());
      CpuTimes self = ProcessCpuTimesLocked(k, t.tg());
      CpuTimes children = ChildrenCpuTimesLocked(t.tg());
      buf.tms_utime = Ticks(self.user);
      buf.tms_stime = Ticks(self.sys);
      buf.tms_cutime = Ticks(children.user);
      buf.tms_cstime = Ticks(children.sys);
    }
    if (!t.mm().CopyOut(a[0], &buf, sizeof(buf)).ok()) return SyscallReturn::Err(EFAULT);
  }
  // Ticks since an arbitrary point: Linux starts near -300 s worth of
  // jiffies; we count from the Sentry's boot plus a day so it is never
  // small or (clock_t)-1.
  return SyscallReturn::Ok(Ticks(absl::Now() - k.boot_time() + absl::Hours(24)));
}

SyscallReturn Getrusage(Task& t, const SyscallArguments& a) {
  int who = static_cast<int>(a[0]);
  CpuTimes c;
  {
    kernel::Kernel& k = t.kernel();
    absl::MutexLock l(&k.mu());
    switch (who) {
      case RUSAGE_SELF:
        c = ProcessCpuTimesLocked(k, t.tg());
        break;
      case RUSAGE_CHILDREN:
        c = ChildrenCpuTimesLocked(t.tg());
        break;
      case RUSAGE_THREAD:
        c = ThreadCpuTimesLocked(t);
        break;
      default:
        return SyscallReturn::Err(EINVAL);
    }
  }
  struct rusage ru;
  std::memset(&ru, 0, sizeof(ru));
  ru.ru_utime = AppTimeval(c.user);
  ru.ru_stime = AppTimeval(c.sys);
  if (!t.mm().CopyOut(a[1], &ru, sizeof(ru)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

}  // namespace

void RegisterTimer(SyscallTable& t) {
  t.Register(SYS_getitimer, Getitimer);
  t.Register(SYS_setitimer, Setitimer);
  t.Register(SYS_alarm, Alarm);
  t.Register(SYS_timer_create, TimerCreate);
  t.Register(SYS_timer_settime, TimerSettime);
  t.Register(SYS_timer_gettime, TimerGettime);
  t.Register(SYS_timer_getoverrun, TimerGetoverrun);
  t.Register(SYS_timer_delete, TimerDelete);
  t.Register(SYS_times, Times);
  t.Register(SYS_getrusage, Getrusage);
}

}  // namespace sentry::syscalls
