// timers.h: a process's timers: the three interval timers (setitimer,
// alarm) and POSIX timers (timer_create...), plus the per-process
// scheduling facts the sched_* calls record (nice, affinity).
//
// One ProcessTimers per ThreadGroup (ThreadGroup::timers), created lazily
// by ForLocked. Expirations run on a host thread owned by the set, started
// when the first timer is armed; it sends the signals with the Kernel's
// SendGroupSignalLocked / SendTaskSignalLocked.
//
// Locking: the set's own mutex (mu_) guards the timers. Order:
// Kernel::mu() -> ProcessTimers::mu_. The expiry thread never blocks on
// Kernel::mu() while holding mu_ (it releases mu_ and acquires Kernel::mu()
// by TryLock polling that re-checks stop_), so StopLocked (called by
// Kernel::ProcessExitedLocked under Kernel::mu()) and the destructor (which
// joins the thread, possibly under Kernel::mu()) cannot deadlock with it.
//
// Lifetime rule: once StopLocked ran, the thread never touches the Kernel
// or the ThreadGroup again. Every process that ran exits through
// ProcessExitedLocked before the Kernel is destroyed; tests that arm timers
// on CreateTaskForTesting tasks must call StopLocked (or disarm) before the
// Kernel goes away.
//
// Clocks: POSIX timers keep their expiry as a reading of their own clock
// (CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME); the interval timers use
// CLOCK_MONOTONIC. ITIMER_VIRTUAL and ITIMER_PROF are approximated by wall
// time (the app runs in another host process; its CPU time is not metered).
#ifndef SENTRY_KERNEL_TIMERS_H_
#define SENTRY_KERNEL_TIMERS_H_

#include <signal.h>
#include <time.h>

#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sentry/errno.h"

namespace sentry::kernel {

class Kernel;
struct ThreadGroup;

// The reading of a host clock (REALTIME/MONOTONIC/BOOTTIME...) as a
// duration since that clock's epoch.
absl::Duration ClockNow(clockid_t clock);

// A timer's value: time to the next expiry (zero: disarmed) and period.
struct TimerValue {
  absl::Duration value;
  absl::Duration interval;
};

// struct sigevent as timer_create takes it (already validated).
struct TimerEvent {
  int notify = SIGEV_SIGNAL;  // SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID
  int signo = SIGALRM;
  uint64_t value = 0;  // sigval
  int tid = 0;         // SIGEV_THREAD_ID target
  bool value_is_id = false;  // no sigevent given: the value is the timer id
};

class ProcessTimers {
 public:
  ProcessTimers(Kernel& kernel, ThreadGroup& tg);
  ~ProcessTimers();
  ProcessTimers(const ProcessTimers&) = delete;
  ProcessTimers& operator=(const ProcessTimers&) = delete;

  // `tg`'s timer set, created if needed. Kernel::mu() held.
  static ProcessTimers& ForLocked(Kernel& kernel, ThreadGroup& tg);

  // The process exited: every timer is disarmed and never fires again.
  // Kernel::mu() held (or the Kernel no longer used by anyone else).
  void StopLocked();

  // --- interval timers: which = ITIMER_REAL / ITIMER_VIRTUAL / ITIMER_PROF ---
  TimerValue GetITimer(int which);
  // Arms (value > 0) or disarms; returns the old value.
  TimerValue SetITimer(int which, TimerValue v);

  // --- POSIX timers ---
  // A new timer id (lowest free, from 0), or EAGAIN.
  ErrnoOr<int> Create(clockid_t clock, const TimerEvent& ev);
  ErrnoResult Delete(int id);
  // `v.value` is relative, or an absolute reading of the timer's clock if
  // `abstime`. Returns the old value.
  ErrnoOr<TimerValue> Settime(int id, bool abstime, TimerValue v);
  ErrnoOr<TimerValue> Gettime(int id);
  ErrnoOr<int> Getoverrun(int id);
  // Deletes every POSIX timer (execve).
  void DeletePosixTimers();

  // --- scheduling facts (sched.cc); guarded by Kernel::mu() ---
  int nice = 0;
  // Per-thread CPU affinity (bit per CPU); absent: every CPU.
  std::map<int, std::vector<uint64_t>> affinity;
  // Per-thread scheduling policy (SCHED_OTHER when absent; only the
  // non-real-time policies can be set) and timer slack in ns (PR_SET_TIMERSLACK;
  // absent: Linux's default 50 us).
  std::map<int, int> policy;
  std::map<int, uint64_t> timerslack;
  // Highest process CPU times reported so far (keeps getrusage/times
  // monotonic across the approximation's jumps). Kernel::mu().
  absl::Duration cpu_user_hwm, cpu_sys_hwm;

 private:
  struct Timer {
    clockid_t clock = CLOCK_MONOTONIC;
    bool armed = false;
    absl::Duration expiry;  // clock reading of the next expiry
    absl::Duration interval;
    // POSIX timers:
    TimerEvent ev;
    int64_t overrun_pending = 0;  // expirations not yet signalled
    int64_t overrun_last = 0;     // si_overrun of the last signal
  };
  static constexpr int kMaxPosixTimers = 4096;

  TimerValue ValueLocked(const Timer& t) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ArmLocked(Timer& t, absl::Duration expiry, absl::Duration interval)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Time until the earliest expiry (InfiniteDuration if none).
  absl::Duration NextWaitLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Kernel::mu() and mu_ held, not stopped: signals every expired timer.
  void FireExpiredLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Advances an expired timer past now; returns the skipped periods.
  static int64_t RearmLocked(Timer& t, absl::Duration now);
  void Loop();
  // Acquires Kernel::mu() unless stop_ is set first (then false).
  bool LockKernel() ABSL_LOCKS_EXCLUDED(mu_);

  Kernel& kernel_;
  ThreadGroup& tg_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;  // bumped when timers change
  Timer itimers_[3] ABSL_GUARDED_BY(mu_);
  std::map<int, Timer> posix_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;  // started (under mu_) when a timer is first armed
};

// Kernel::ProcessExitedLocked's hook: stops `tg`'s timers if it has any.
void StopProcessTimersLocked(ThreadGroup& tg);

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_TIMERS_H_
