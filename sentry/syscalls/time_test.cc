// Time, timer and sched handlers called on a test Task: interruptible
// sleeps with restart semantics, itimers and POSIX timers firing from the
// timer thread, CPU-time accounting, sched_*/prctl/sysinfo.
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>

#include <cstring>
#include <memory>
#include <thread>

#include "gtest/gtest.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/testing/no_platform.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/kernel/timers.h"
#include "sentry/mm/testing/fake_address_space.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

using kernel::testing::NoLoader;
using kernel::testing::NoPlatform;

class TimeTest : public ::testing::Test {
 protected:
  TimeTest()
      : mm_(std::move(fake_.mm)),
        kernel_(platform_, *fake_.file, table_, loader_, kernel::UtsInfo{}),
        task_ptr_(kernel_.CreateTaskForTesting(mm_, kernel::Credentials::ForUser(7, 9))),
        task_(*task_ptr_) {
    mm::MmapRequest req;
    req.length = 1 << 16;
    req.prot = PROT_READ | PROT_WRITE;
    auto r = mm_->Mmap(req);
    buf_ = r.ok() ? *r : 0;
  }
  ~TimeTest() override {
    // The test task never exits through the Kernel: stop its timers here.
    absl::MutexLock l(&kernel_.mu());
    kernel::StopProcessTimersLocked(task_.tg());
  }

  int64_t Call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
               uint64_t a4 = 0) {
    SyscallArguments a;
    a.nr = nr;
    uint64_t v[6] = {a0, a1, a2, a3, a4, 0};
    std::memcpy(a.args, v, sizeof(v));
    return table_.Dispatch(task_, a).value;
  }
  template <class T>
  void Put(uint64_t addr, const T& v) {
    ASSERT_TRUE(mm_->CopyOut(addr, &v, sizeof(v)).ok());
  }
  template <class T>
  T Get(uint64_t addr) {
    T v{};
    EXPECT_TRUE(mm_->CopyIn(addr, &v, sizeof(v)).ok());
    return v;
  }
  // Waits up to 2 s for `sig` to be pending for the process; dequeues it.
  bool WaitGroupSignal(int sig, siginfo_t* info) {
    absl::Time end = absl::Now() + absl::Seconds(2);
    while (absl::Now() < end) {
      {
        absl::MutexLock l(&kernel_.mu());
        if (task_.tg().pending.set() & kernel::SigBit(sig)) {
          return task_.tg().pending.Dequeue(~kernel::SigBit(sig), info);
        }
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
    return false;
  }
  // From another thread after `delay`: queue SIGUSR1 and interrupt the task.
  std::thread InterruptLater(absl::Duration delay) {
    return std::thread([this, delay] {
      absl::SleepFor(delay);
      absl::MutexLock l(&kernel_.mu());
      task_.pending().Enqueue(kernel::MakeSigInfo(SIGUSR1, SI_USER));
      task_.Interrupt();
    });
  }

  NoPlatform platform_;
  NoLoader loader_;
  mm::testing::FakeMm fake_;
  std::shared_ptr<mm::MemoryManager> mm_;
  SyscallTable table_;
  kernel::Kernel kernel_;
  std::shared_ptr<kernel::Task> task_ptr_;
  kernel::Task& task_;
  uint64_t buf_ = 0;
};

TEST_F(TimeTest, NanosleepSleeps) {
  Put(buf_, timespec{0, 20000000});
  absl::Time t0 = absl::Now();
  EXPECT_EQ(Call(SYS_nanosleep, buf_, 0), 0);
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(20));
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, buf_, 0), 0);
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_BOOTTIME, 0, buf_, 0), 0);
  // Absolute, on the monotonic clock and in the past.
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  Put(buf_, timespec{now.tv_sec, now.tv_nsec});
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_MONOTONIC, TIMER_ABSTIME, buf_, 0), 0);
  Put(buf_, timespec{1, 0});
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, buf_, 0), 0);
}

TEST_F(TimeTest, SleepErrors) {
  Put(buf_, timespec{0, 1000000000});
  EXPECT_EQ(Call(SYS_nanosleep, buf_, 0), -EINVAL);
  Put(buf_, timespec{-1, 0});
  EXPECT_EQ(Call(SYS_nanosleep, buf_, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_nanosleep, 0, 0), -EFAULT);
  Put(buf_, timespec{0, 1000});
  EXPECT_EQ(Call(SYS_clock_nanosleep, 12345, 0, buf_, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, buf_, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_PROCESS_CPUTIME_ID, 0, buf_, 0), -ENOTSUP);
}

TEST_F(TimeTest, NanosleepInterruptedWritesRemainingAndRestartBlock) {
  Put(buf_, timespec{10, 0});
  std::thread th = InterruptLater(absl::Milliseconds(50));
  absl::Time t0 = absl::Now();
  EXPECT_EQ(Call(SYS_nanosleep, buf_, buf_ + 64), -kernel::kERestartRestartBlock);
  th.join();
  EXPECT_LT(absl::Now() - t0, absl::Seconds(5));
  auto rem = Get<timespec>(buf_ + 64);
  EXPECT_TRUE(rem.tv_sec >= 8 && rem.tv_sec <= 9) << rem.tv_sec;
  EXPECT_TRUE(rem.tv_nsec >= 0 && rem.tv_nsec < 1000000000);
  ASSERT_TRUE(task_.restart_block != nullptr);
  // The task still has a signal to handle: the restarted sleep is
  // interrupted again and keeps the same deadline.
  Put(buf_ + 64, timespec{0, 0});
  EXPECT_EQ(task_.restart_block(task_).value, -kernel::kERestartRestartBlock);
  rem = Get<timespec>(buf_ + 64);
  EXPECT_TRUE(rem.tv_sec >= 8 && rem.tv_sec <= 9) << rem.tv_sec;
}

TEST_F(TimeTest, AbsoluteSleepInterruptedIsNoHand) {
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  Put(buf_, timespec{now.tv_sec + 10, now.tv_nsec});
  std::thread th = InterruptLater(absl::Milliseconds(30));
  EXPECT_EQ(Call(SYS_clock_nanosleep, CLOCK_REALTIME, TIMER_ABSTIME, buf_, buf_ + 64),
            -kernel::kERestartNoHand);
  th.join();
}

TEST_F(TimeTest, AlarmAndItimer) {
  EXPECT_EQ(Call(SYS_alarm, 100), 0);
  EXPECT_EQ(Call(SYS_alarm, 0), 100);
  EXPECT_EQ(Call(SYS_alarm, 0), 0);
  itimerval it{{0, 10000}, {0, 10000}};
  Put(buf_, it);
  EXPECT_EQ(Call(SYS_setitimer, ITIMER_REAL, buf_, 0), 0);
  siginfo_t info;
  ASSERT_TRUE(WaitGroupSignal(SIGALRM, &info));
  EXPECT_EQ(info.si_code, SI_KERNEL);
  ASSERT_TRUE(WaitGroupSignal(SIGALRM, &info));  // periodic
  EXPECT_EQ(Call(SYS_getitimer, ITIMER_REAL, buf_ + 64), 0);
  auto g = Get<itimerval>(buf_ + 64);
  EXPECT_EQ(g.it_interval.tv_usec, 10000);
  EXPECT_LE(g.it_value.tv_usec, 10000);
  Put(buf_, itimerval{});
  EXPECT_EQ(Call(SYS_setitimer, ITIMER_REAL, buf_, buf_ + 64), 0);
  EXPECT_EQ(Get<itimerval>(buf_ + 64).it_interval.tv_usec, 10000);
  EXPECT_EQ(Call(SYS_getitimer, ITIMER_REAL, buf_ + 64), 0);
  EXPECT_EQ(Get<itimerval>(buf_ + 64).it_value.tv_usec, 0);
  EXPECT_EQ(Call(SYS_setitimer, 99, buf_, 0), -EINVAL);
  Put(buf_, itimerval{{0, 0}, {0, 1000000}});
  EXPECT_EQ(Call(SYS_setitimer, ITIMER_REAL, buf_, 0), -EINVAL);
  // ITIMER_VIRTUAL counts wall time: it fires too.
  Put(buf_, itimerval{{0, 0}, {0, 5000}});
  EXPECT_EQ(Call(SYS_setitimer, ITIMER_VIRTUAL, buf_, 0), 0);
  ASSERT_TRUE(WaitGroupSignal(SIGVTALRM, &info));
}

TEST_F(TimeTest, PosixTimerSignalAndOverrun) {
  struct sigevent sev;
  std::memset(&sev, 0, sizeof(sev));
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN;
  sev.sigev_value.sival_int = 777;
  Put(buf_, sev);
  ASSERT_EQ(Call(SYS_timer_create, CLOCK_MONOTONIC, buf_, buf_ + 128), 0);
  int id = Get<int>(buf_ + 128);
  EXPECT_EQ(id, 0);
  Put(buf_ + 256, itimerspec{{0, 5000000}, {0, 5000000}});
  ASSERT_EQ(Call(SYS_timer_settime, id, 0, buf_ + 256, 0), 0);
  siginfo_t info;
  ASSERT_TRUE(WaitGroupSignal(SIGRTMIN, &info));
  EXPECT_EQ(info.si_code, SI_TIMER);
  EXPECT_EQ(info.si_value.sival_int, 777);
  EXPECT_EQ(info.si_timerid, id);
  // Not dequeued for a while: the expirations are counted as overruns.
  absl::SleepFor(absl::Milliseconds(60));
  ASSERT_TRUE(WaitGroupSignal(SIGRTMIN, &info));
  ASSERT_TRUE(WaitGroupSignal(SIGRTMIN, &info));
  EXPECT_GE(info.si_overrun, 3);
  EXPECT_EQ(Call(SYS_timer_getoverrun, id), info.si_overrun);
  EXPECT_EQ(Call(SYS_timer_gettime, id, buf_ + 512), 0);
  auto cur = Get<itimerspec>(buf_ + 512);
  EXPECT_EQ(cur.it_interval.tv_nsec, 5000000);
  // Disarm and read the old value.
  Put(buf_ + 256, itimerspec{});
  ASSERT_EQ(Call(SYS_timer_settime, id, 0, buf_ + 256, buf_ + 512), 0);
  EXPECT_EQ(Get<itimerspec>(buf_ + 512).it_interval.tv_nsec, 5000000);
  EXPECT_EQ(Call(SYS_timer_gettime, id, buf_ + 512), 0);
  EXPECT_EQ(Get<itimerspec>(buf_ + 512).it_value.tv_nsec, 0);
  EXPECT_EQ(Call(SYS_timer_delete, id), 0);
  EXPECT_EQ(Call(SYS_timer_delete, id), -EINVAL);
  EXPECT_EQ(Call(SYS_timer_gettime, 0x7777, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_timer_getoverrun, 0x7777), -EINVAL);
  EXPECT_EQ(Call(SYS_timer_settime, 0x7777, 0, buf_ + 256, 0), -EINVAL);
}

TEST_F(TimeTest, PosixTimerVariants) {
  // No sigevent: SIGALRM with the id as value; absolute expiry.
  ASSERT_EQ(Call(SYS_timer_create, CLOCK_REALTIME, 0, buf_ + 128), 0);
  int id = Get<int>(buf_ + 128);
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  Put(buf_ + 256, itimerspec{{0, 0}, {now.tv_sec, now.tv_nsec}});
  ASSERT_EQ(Call(SYS_timer_settime, id, TIMER_ABSTIME, buf_ + 256, 0), 0);
  siginfo_t info;
  ASSERT_TRUE(WaitGroupSignal(SIGALRM, &info));
  EXPECT_EQ(info.si_code, SI_TIMER);
  EXPECT_EQ(info.si_value.sival_int, id);
  // SIGEV_THREAD_ID: to the task.
  struct sigevent sev;
  std::memset(&sev, 0, sizeof(sev));
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGUSR2;
  sev._sigev_un._tid = task_.tid();
  Put(buf_, sev);
  ASSERT_EQ(Call(SYS_timer_create, CLOCK_BOOTTIME, buf_, buf_ + 128), 0);
  int id2 = Get<int>(buf_ + 128);
  EXPECT_NE(id2, id);
  Put(buf_ + 256, itimerspec{{0, 0}, {0, 1000000}});
  ASSERT_EQ(Call(SYS_timer_settime, id2, 0, buf_ + 256, 0), 0);
  bool got = false;
  for (int i = 0; i < 2000 && !got; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
    absl::MutexLock l(&kernel_.mu());
    got = (task_.pending().set() & kernel::SigBit(SIGUSR2)) != 0;
  }
  EXPECT_TRUE(got);
  // SIGEV_NONE: never signals, but runs.
  sev.sigev_notify = SIGEV_NONE;
  Put(buf_, sev);
  ASSERT_EQ(Call(SYS_timer_create, CLOCK_MONOTONIC, buf_, buf_ + 128), 0);
  // Errors.
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = 99;
  Put(buf_, sev);
  EXPECT_EQ(Call(SYS_timer_create, CLOCK_MONOTONIC, buf_, buf_ + 128), -EINVAL);
  sev.sigev_signo = SIGUSR1;
  sev.sigev_notify = 77;
  Put(buf_, sev);
  EXPECT_EQ(Call(SYS_timer_create, CLOCK_MONOTONIC, buf_, buf_ + 128), -EINVAL);
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev._sigev_un._tid = 4242;
  Put(buf_, sev);
  EXPECT_EQ(Call(SYS_timer_create, CLOCK_MONOTONIC, buf_, buf_ + 128), -EINVAL);
  EXPECT_EQ(Call(SYS_timer_create, 12345, 0, buf_ + 128), -EINVAL);
  EXPECT_EQ(Call(SYS_timer_create, CLOCK_PROCESS_CPUTIME_ID, 0, buf_ + 128), -EINVAL);
  Put(buf_ + 256, itimerspec{{0, 0}, {0, 1000000000}});
  EXPECT_EQ(Call(SYS_timer_settime, id, 0, buf_ + 256, 0), -EINVAL);
  EXPECT_EQ(Call(SYS_timer_settime, id, 0, 0, 0), -EINVAL);
}

TEST_F(TimeTest, ProcessExitStopsTimers) {
  Put(buf_, itimerval{{0, 2000}, {0, 2000}});
  EXPECT_EQ(Call(SYS_setitimer, ITIMER_REAL, buf_, 0), 0);
  siginfo_t info;
  ASSERT_TRUE(WaitGroupSignal(SIGALRM, &info));
  {
    absl::MutexLock l(&kernel_.mu());
    kernel::StopProcessTimersLocked(task_.tg());
    task_.tg().pending.Discard(kernel::SigBit(SIGALRM));
  }
  absl::SleepFor(absl::Milliseconds(30));
  absl::MutexLock l(&kernel_.mu());
  EXPECT_EQ(task_.tg().pending.set() & kernel::SigBit(SIGALRM), 0u);
}

TEST_F(TimeTest, CpuTime) {
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(Call(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, buf_), 0);
  auto p1 = Get<timespec>(buf_);
  EXPECT_TRUE(p1.tv_sec > 0 || p1.tv_nsec > 0);
  EXPECT_EQ(Call(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, buf_), 0);
  EXPECT_EQ(Call(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, buf_), 0);
  auto p2 = Get<timespec>(buf_);
  EXPECT_GE(p2.tv_sec * 1000000000LL + p2.tv_nsec, p1.tv_sec * 1000000000LL + p1.tv_nsec);
  // clock_getcpuclockid(pid) style ids.
  clockid_t own = static_cast<clockid_t>((~task_.tgid() << 3) | 2);
  EXPECT_EQ(Call(SYS_clock_gettime, static_cast<uint64_t>(static_cast<int64_t>(own)), buf_), 0);
  EXPECT_EQ(Call(SYS_clock_getres, CLOCK_THREAD_CPUTIME_ID, buf_), 0);
  EXPECT_EQ(Get<timespec>(buf_).tv_nsec, 1);
  EXPECT_GT(Call(SYS_times, buf_), 0);
  EXPECT_GT(Call(SYS_times, 0), 0);
  EXPECT_EQ(Call(SYS_getrusage, RUSAGE_SELF, buf_), 0);
  auto ru = Get<rusage>(buf_);
  EXPECT_GT(ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec, 0);
  EXPECT_EQ(Call(SYS_getrusage, RUSAGE_CHILDREN, buf_), 0);
  EXPECT_EQ(Call(SYS_getrusage, RUSAGE_THREAD, buf_), 0);
  EXPECT_EQ(Call(SYS_getrusage, 12345, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_getrusage, RUSAGE_SELF, 0), -EFAULT);
}

TEST_F(TimeTest, Affinity) {
  int64_t n = Call(SYS_sched_getaffinity, 0, 128, buf_);
  ASSERT_GT(n, 0);
  EXPECT_EQ(n % 8, 0);
  EXPECT_EQ(Call(SYS_sched_getaffinity, 0, 1, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_sched_getaffinity, 0, 12, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_sched_getaffinity, 999999, 128, buf_), -ESRCH);
  // Only CPU 0.
  Put(buf_ + 256, uint64_t{1});
  EXPECT_EQ(Call(SYS_sched_setaffinity, 0, 8, buf_ + 256), 0);
  EXPECT_EQ(Call(SYS_sched_getaffinity, 0, 128, buf_), n);
  EXPECT_EQ(Get<uint64_t>(buf_), 1u);
  unsigned cpu = 99;
  Put(buf_ + 300, cpu);
  EXPECT_EQ(Call(SYS_getcpu, buf_ + 300, buf_ + 304, 0), 0);
  EXPECT_EQ(Get<unsigned>(buf_ + 300), 0u);
  EXPECT_EQ(Get<unsigned>(buf_ + 304), 0u);
  EXPECT_EQ(Call(SYS_getcpu, 0, 0, 0), 0);
  Put(buf_ + 256, uint64_t{0});
  EXPECT_EQ(Call(SYS_sched_setaffinity, 0, 8, buf_ + 256), -EINVAL);
  // The host's own affinity is untouched.
  cpu_set_t host;
  ASSERT_EQ(sched_getaffinity(0, sizeof(host), &host), 0);
  EXPECT_EQ(CPU_COUNT(&host), sysconf(_SC_NPROCESSORS_ONLN) > 0 ? CPU_COUNT(&host) : 0);
}

TEST_F(TimeTest, SchedPolicies) {
  EXPECT_EQ(Call(SYS_sched_yield), 0);
  EXPECT_EQ(Call(SYS_sched_getscheduler, 0), SCHED_OTHER);
  EXPECT_EQ(Call(SYS_sched_getscheduler, 999999), -ESRCH);
  EXPECT_EQ(Call(SYS_sched_getscheduler, static_cast<uint64_t>(-1)), -EINVAL);
  EXPECT_EQ(Call(SYS_sched_getparam, 0, buf_), 0);
  EXPECT_EQ(Get<int>(buf_), 0);
  EXPECT_EQ(Call(SYS_sched_getparam, 0, 0), -EINVAL);
  Put(buf_, sched_param{0});
  EXPECT_EQ(Call(SYS_sched_setscheduler, 0, SCHED_OTHER, buf_), 0);
  EXPECT_EQ(Call(SYS_sched_setparam, 0, buf_), 0);
  Put(buf_, sched_param{50});
  EXPECT_EQ(Call(SYS_sched_setscheduler, 0, SCHED_FIFO, buf_), -EPERM);
  EXPECT_EQ(Call(SYS_sched_setscheduler, 0, SCHED_OTHER, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_sched_setscheduler, 0, 12345, buf_), -EINVAL);
  EXPECT_EQ(Call(SYS_sched_get_priority_max, SCHED_FIFO), 99);
  EXPECT_EQ(Call(SYS_sched_get_priority_min, SCHED_RR), 1);
  EXPECT_EQ(Call(SYS_sched_get_priority_max, SCHED_OTHER), 0);
  EXPECT_EQ(Call(SYS_sched_get_priority_max, 12345), -EINVAL);
  // Nice: raw getpriority is 20 - nice; lowering it needs CAP_SYS_NICE.
  EXPECT_EQ(Call(SYS_getpriority, PRIO_PROCESS, 0), 20);
  EXPECT_EQ(Call(SYS_setpriority, PRIO_PROCESS, 0, 5), 0);
  EXPECT_EQ(Call(SYS_getpriority, PRIO_PROCESS, 0), 15);
  EXPECT_EQ(Call(SYS_setpriority, PRIO_PROCESS, 0, 0), -EACCES);
  EXPECT_EQ(Call(SYS_setpriority, PRIO_PROCESS, 0, 100), 0);
  EXPECT_EQ(Call(SYS_getpriority, PRIO_PROCESS, 0), 1);
  EXPECT_EQ(Call(SYS_getpriority, PRIO_PGRP, 0), 1);
  EXPECT_EQ(Call(SYS_getpriority, PRIO_USER, 0), 1);
  EXPECT_EQ(Call(SYS_getpriority, PRIO_PROCESS, 999999), -ESRCH);
  EXPECT_EQ(Call(SYS_getpriority, 77, 0), -EINVAL);
}

TEST_F(TimeTest, Sysinfo) {
  EXPECT_EQ(Call(SYS_sysinfo, buf_), 0);
  auto si = Get<struct sysinfo>(buf_);
  EXPECT_GT(si.uptime, 0);
  EXPECT_GT(si.totalram, 0u);
  EXPECT_EQ(si.mem_unit, 1u);
  EXPECT_EQ(si.procs, 1);
  EXPECT_EQ(Call(SYS_sysinfo, 0), -EFAULT);
}

TEST_F(TimeTest, Prctl) {
  const char long_name[] = "a-very-long-thread-name";
  ASSERT_TRUE(mm_->CopyOut(buf_, long_name, sizeof(long_name)).ok());
  EXPECT_EQ(Call(SYS_prctl, PR_SET_NAME, buf_), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_NAME, buf_ + 64), 0);
  char got[16];
  ASSERT_TRUE(mm_->CopyIn(buf_ + 64, got, 16).ok());
  EXPECT_STREQ(got, "a-very-long-thr");
  EXPECT_EQ(Call(SYS_prctl, PR_SET_NAME, 0), -EFAULT);

  EXPECT_EQ(Call(SYS_prctl, PR_SET_PDEATHSIG, SIGUSR1), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_PDEATHSIG, buf_), 0);
  EXPECT_EQ(Get<int>(buf_), SIGUSR1);
  EXPECT_EQ(Call(SYS_prctl, PR_SET_PDEATHSIG, 99), -EINVAL);
  EXPECT_EQ(task_.pdeath_signal, SIGUSR1);

  EXPECT_EQ(Call(SYS_prctl, PR_GET_DUMPABLE), 1);
  EXPECT_EQ(Call(SYS_prctl, PR_SET_DUMPABLE, 0), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_DUMPABLE), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_SET_DUMPABLE, 2), -EINVAL);

  EXPECT_EQ(Call(SYS_prctl, PR_GET_NO_NEW_PRIVS), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_SET_NO_NEW_PRIVS, 2), -EINVAL);
  EXPECT_EQ(Call(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 1), -EINVAL);
  EXPECT_EQ(Call(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_NO_NEW_PRIVS), 1);

  EXPECT_EQ(Call(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_CHILD_SUBREAPER, buf_), 0);
  EXPECT_EQ(Get<int>(buf_), 1);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_SECCOMP), 0);
  EXPECT_EQ(Call(SYS_prctl, PR_CAPBSET_READ, 0), 1);
  EXPECT_EQ(Call(SYS_prctl, PR_CAPBSET_READ, 1000), -EINVAL);
  EXPECT_EQ(Call(SYS_prctl, PR_GET_TIMERSLACK), 50000);
  EXPECT_EQ(Call(SYS_prctl, 0x7fffffff), -EINVAL);
}

}  // namespace
}  // namespace sentry::syscalls
