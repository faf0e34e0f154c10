// Interval timers, alarm and POSIX timers.
#include <sys/time.h>
#include <time.h>

#include <atomic>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

double Mono() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

void Block(int sig, sigset_t* set) {
  sigemptyset(set);
  sigaddset(set, sig);
  sigprocmask(SIG_BLOCK, set, nullptr);
}

int WaitSig(const sigset_t* set, siginfo_t* si, int secs = 10) {
  struct timespec ts = {secs, 0};
  return sigtimedwait(set, si, &ts);
}

struct ItimerGuard {
  int which;
  explicit ItimerGuard(int w) : which(w) {}
  ~ItimerGuard() {
    struct itimerval z = {};
    setitimer(which, &z, nullptr);
  }
};

TEST(Timers, GetitimerInitiallyDisarmed) {
  struct itimerval v;
  for (int w : {ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF}) {
    ASSERT_EQ(getitimer(w, &v), 0);
    EXPECT_EQ(v.it_value.tv_sec, 0);
    EXPECT_EQ(v.it_value.tv_usec, 0);
  }
}

TEST(Timers, GetitimerInvalidWhichEinval) {
  struct itimerval v;
  EXPECT_ERRNO(getitimer(5, &v), EINVAL);
  EXPECT_ERRNO(setitimer((__itimer_which)5, &v, nullptr), EINVAL);
}

TEST(Timers, SetitimerInvalidUsecEinval) {
  struct itimerval v = {};
  v.it_value.tv_usec = 1000000;
  EXPECT_ERRNO(setitimer(ITIMER_REAL, &v, nullptr), EINVAL);
}

TEST(Timers, SetitimerReturnsOldValue) {
  ItimerGuard g(ITIMER_REAL);
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGALRM, &set);
  struct itimerval v = {}, old = {};
  v.it_value.tv_sec = 100;
  ASSERT_EQ(setitimer(ITIMER_REAL, &v, nullptr), 0);
  v.it_value.tv_sec = 200;
  ASSERT_EQ(setitimer(ITIMER_REAL, &v, &old), 0);
  EXPECT_LE(old.it_value.tv_sec, 100);
  EXPECT_GE(old.it_value.tv_sec, 95);
  ASSERT_EQ(getitimer(ITIMER_REAL, &old), 0);
  EXPECT_GE(old.it_value.tv_sec, 195);
}

TEST(Timers, ItimerRealDeliversSigalrm) {
  ItimerGuard g(ITIMER_REAL);
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGALRM, &set);
  struct itimerval v = {};
  v.it_value.tv_usec = 20000;
  double a = Mono();
  ASSERT_EQ(setitimer(ITIMER_REAL, &v, nullptr), 0);
  siginfo_t si;
  ASSERT_EQ(WaitSig(&set, &si), SIGALRM);
  EXPECT_GE(Mono() - a, 0.019);
  EXPECT_EQ(si.si_code, SI_KERNEL);
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_usec, 0);
}

TEST(Timers, ItimerRealPeriodicRearms) {
  ItimerGuard g(ITIMER_REAL);
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGALRM, &set);
  struct itimerval v = {};
  v.it_value.tv_usec = 10000;
  v.it_interval.tv_usec = 10000;
  ASSERT_EQ(setitimer(ITIMER_REAL, &v, nullptr), 0);
  siginfo_t si;
  for (int i = 0; i < 3; i++) ASSERT_EQ(WaitSig(&set, &si), SIGALRM);
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  EXPECT_EQ(cur.it_interval.tv_usec, 10000);
}

TEST(Timers, ItimerVirtualFiresOnCpuUse) {
  ItimerGuard g(ITIMER_VIRTUAL);
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGVTALRM, &set);
  struct itimerval v = {};
  v.it_value.tv_usec = 20000;
  ASSERT_EQ(setitimer(ITIMER_VIRTUAL, &v, nullptr), 0);
  sigset_t pend;
  volatile unsigned long x = 0;
  double start = Mono();
  do {
    for (int i = 0; i < 100000; i++) x = x + i;
    sigpending(&pend);
  } while (!sigismember(&pend, SIGVTALRM) && Mono() - start < 20);
  EXPECT_TRUE(sigismember(&pend, SIGVTALRM));
  siginfo_t si;
  WaitSig(&set, &si, 0);
}

TEST(Timers, ItimerProfFiresOnCpuUse) {
  ItimerGuard g(ITIMER_PROF);
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGPROF, &set);
  struct itimerval v = {};
  v.it_value.tv_usec = 20000;
  ASSERT_EQ(setitimer(ITIMER_PROF, &v, nullptr), 0);
  sigset_t pend;
  volatile unsigned long x = 0;
  double start = Mono();
  do {
    for (int i = 0; i < 100000; i++) x = x + i;
    sigpending(&pend);
  } while (!sigismember(&pend, SIGPROF) && Mono() - start < 20);
  EXPECT_TRUE(sigismember(&pend, SIGPROF));
  siginfo_t si;
  WaitSig(&set, &si, 0);
}

TEST(Timers, AlarmReturnsRemainingSeconds) {
  EXPECT_EQ(alarm(100), 0u);
  unsigned r = alarm(0);
  EXPECT_GE(r, 99u);
  EXPECT_LE(r, 100u);
  EXPECT_EQ(alarm(0), 0u);
}

TEST(Timers, AlarmSharesItimerReal) {
  ItimerGuard g(ITIMER_REAL);
  alarm(50);
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  EXPECT_GE(cur.it_value.tv_sec, 48);
  EXPECT_LE(cur.it_value.tv_sec, 50);
  alarm(0);
}

TEST(Timers, AlarmDefaultActionKills) {
  int st = RunInChild([] {
    signal(SIGALRM, SIG_DFL);
    struct itimerval v = {};
    v.it_value.tv_usec = 10000;
    setitimer(ITIMER_REAL, &v, nullptr);
    for (;;) pause();
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGALRM);
}

TEST(Timers, ItimersNotInheritedByFork) {
  ItimerGuard g(ITIMER_REAL);
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGALRM, &set);
  alarm(100);
  int st = RunInChild([] {
    struct itimerval cur;
    getitimer(ITIMER_REAL, &cur);
    return cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0 ? 0 : 1;
  });
  EXPECT_TRUE(ExitedOk(st));
  alarm(0);
}

TEST(Timers, TimerCreateSignalDelivery) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGRTMIN, &set);
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN;
  sev.sigev_value.sival_int = 4242;
  timer_t t;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
  struct itimerspec its = {};
  its.it_value.tv_nsec = 10 * 1000 * 1000;
  ASSERT_EQ(timer_settime(t, 0, &its, nullptr), 0);
  siginfo_t si;
  ASSERT_EQ(WaitSig(&set, &si), SIGRTMIN);
  EXPECT_EQ(si.si_code, SI_TIMER);
  EXPECT_EQ(si.si_value.sival_int, 4242);
  EXPECT_EQ(timer_delete(t), 0);
}

TEST(Timers, TimerCreateDefaultSigevIsSigalrm) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGALRM, &set);
  timer_t t;
  ASSERT_EQ(timer_create(CLOCK_REALTIME, nullptr, &t), 0);
  struct itimerspec its = {};
  its.it_value.tv_nsec = 5 * 1000 * 1000;
  ASSERT_EQ(timer_settime(t, 0, &its, nullptr), 0);
  siginfo_t si;
  ASSERT_EQ(WaitSig(&set, &si), SIGALRM);
  EXPECT_EQ(si.si_code, SI_TIMER);
  timer_delete(t);
}

TEST(Timers, TimerGettimeDisarmedIsZero) {
  timer_t t;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_NONE;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
  struct itimerspec cur;
  memset(&cur, 0xff, sizeof cur);
  ASSERT_EQ(timer_gettime(t, &cur), 0);
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  EXPECT_EQ(cur.it_value.tv_nsec, 0);
  timer_delete(t);
}

TEST(Timers, TimerGettimeCountsDown) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGRTMIN + 5, &set);
  timer_t t;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 5;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
  struct itimerspec its = {}, cur, old;
  its.it_value.tv_sec = 100;
  its.it_interval.tv_sec = 7;
  ASSERT_EQ(timer_settime(t, 0, &its, nullptr), 0);
  ASSERT_EQ(timer_gettime(t, &cur), 0);
  EXPECT_LE(cur.it_value.tv_sec, 100);
  EXPECT_GE(cur.it_value.tv_sec, 98);
  EXPECT_EQ(cur.it_interval.tv_sec, 7);
  its = {};
  ASSERT_EQ(timer_settime(t, 0, &its, &old), 0);
  EXPECT_GE(old.it_value.tv_sec, 98);
  ASSERT_EQ(timer_gettime(t, &cur), 0);
  EXPECT_EQ(cur.it_value.tv_sec, 0);
  timer_delete(t);
}

TEST(Timers, TimerSettimeAbsolute) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGRTMIN + 1, &set);
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 1;
  timer_t t;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
  struct itimerspec its = {};
  clock_gettime(CLOCK_MONOTONIC, &its.it_value);
  double target = its.it_value.tv_sec + its.it_value.tv_nsec / 1e9 + 0.02;
  its.it_value.tv_nsec += 20 * 1000 * 1000;
  if (its.it_value.tv_nsec >= 1000000000) {
    its.it_value.tv_sec++;
    its.it_value.tv_nsec -= 1000000000;
  }
  ASSERT_EQ(timer_settime(t, TIMER_ABSTIME, &its, nullptr), 0);
  siginfo_t si;
  ASSERT_EQ(WaitSig(&set, &si), SIGRTMIN + 1);
  EXPECT_GE(Mono(), target - 0.0005);
  timer_delete(t);
}

TEST(Timers, TimerSettimeAbsoluteInPastFiresImmediately) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGRTMIN + 2, &set);
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 2;
  timer_t t;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
  struct itimerspec its = {};
  its.it_value.tv_sec = 1;  // boot + 1 s: long past
  ASSERT_EQ(timer_settime(t, TIMER_ABSTIME, &its, nullptr), 0);
  siginfo_t si;
  EXPECT_EQ(WaitSig(&set, &si, 5), SIGRTMIN + 2);
  timer_delete(t);
}

TEST(Timers, TimerOverrunCounted) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGRTMIN + 3, &set);
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 3;
  timer_t t;
  ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &t), 0);
  struct itimerspec its = {};
  its.it_value.tv_nsec = 1000000;
  its.it_interval.tv_nsec = 1000000;  // 1 ms period
  ASSERT_EQ(timer_settime(t, 0, &its, nullptr), 0);
  struct timespec nap = {0, 50 * 1000 * 1000};
  nanosleep(&nap, nullptr);  // let it expire many times (not used as sync)
  siginfo_t si;
  ASSERT_EQ(WaitSig(&set, &si), SIGRTMIN + 3);
  // The signal stayed queued once; later expirations are overruns.
  EXPECT_GT(si.si_overrun, 5);
  its = {};
  timer_settime(t, 0, &its, nullptr);
  EXPECT_GE(timer_getoverrun(t), 0);
  timer_delete(t);
}

TEST(Timers, TimerInvalidIdEinval) {
  struct itimerspec its = {};
  EXPECT_ERRNO(syscall(SYS_timer_gettime, 12345, &its), EINVAL);
  EXPECT_ERRNO(syscall(SYS_timer_settime, 12345, 0, &its, nullptr), EINVAL);
  EXPECT_ERRNO(syscall(SYS_timer_getoverrun, 12345), EINVAL);
  EXPECT_ERRNO(syscall(SYS_timer_delete, 12345), EINVAL);
}

TEST(Timers, TimerDeleteTwiceEinval) {
  int id;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_NONE;
  ASSERT_EQ(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id), 0);
  EXPECT_EQ(syscall(SYS_timer_delete, id), 0);
  EXPECT_ERRNO(syscall(SYS_timer_delete, id), EINVAL);
}

TEST(Timers, TimerCreateInvalidClockEinval) {
  int id;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_NONE;
  EXPECT_ERRNO(syscall(SYS_timer_create, 100, &sev, &id), EINVAL);
}

TEST(Timers, TimerCreateInvalidSignalEinval) {
  int id;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = 100;
  EXPECT_ERRNO(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id), EINVAL);
  sev.sigev_notify = 1234;
  sev.sigev_signo = SIGUSR1;
  EXPECT_ERRNO(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id), EINVAL);
}

TEST(Timers, TimerSettimeInvalidValueEinval) {
  int id;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_NONE;
  ASSERT_EQ(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id), 0);
  struct itimerspec its = {};
  its.it_value.tv_nsec = 1000000000;
  EXPECT_ERRNO(syscall(SYS_timer_settime, id, 0, &its, nullptr), EINVAL);
  syscall(SYS_timer_delete, id);
}

TEST(Timers, TimerIdsAreDistinct) {
  int a, b;
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_NONE;
  ASSERT_EQ(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &a), 0);
  ASSERT_EQ(syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &b), 0);
  EXPECT_NE(a, b);
  syscall(SYS_timer_delete, a);
  syscall(SYS_timer_delete, b);
}

TEST(Timers, TimerCpuClockFires) {
  SigmaskRestorer m;
  sigset_t set;
  Block(SIGRTMIN + 4, &set);
  struct sigevent sev = {};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN + 4;
  timer_t t;
  ASSERT_EQ(timer_create(CLOCK_PROCESS_CPUTIME_ID, &sev, &t), 0);
  struct itimerspec its = {};
  its.it_value.tv_nsec = 20 * 1000 * 1000;
  ASSERT_EQ(timer_settime(t, 0, &its, nullptr), 0);
  sigset_t pend;
  volatile unsigned long x = 0;
  double start = Mono();
  do {
    for (int i = 0; i < 100000; i++) x = x + i;
    sigpending(&pend);
  } while (!sigismember(&pend, SIGRTMIN + 4) && Mono() - start < 20);
  EXPECT_TRUE(sigismember(&pend, SIGRTMIN + 4));
  timer_delete(t);
  siginfo_t si;
  WaitSig(&set, &si, 0);
}

}  // namespace
