// Clocks and sleeps: clock_gettime/getres for every clock, nanosleep,
// clock_nanosleep (relative/absolute, EINTR remainder), gettimeofday, time,
// clock_settime errors.
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include <atomic>
#include <thread>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

double Ts(const struct timespec& t) { return t.tv_sec + t.tv_nsec / 1e9; }
double Mono() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return Ts(t);
}

const clockid_t kClocks[] = {CLOCK_REALTIME,        CLOCK_MONOTONIC,        CLOCK_PROCESS_CPUTIME_ID,
                             CLOCK_THREAD_CPUTIME_ID, CLOCK_MONOTONIC_RAW,  CLOCK_REALTIME_COARSE,
                             CLOCK_MONOTONIC_COARSE, CLOCK_BOOTTIME};

TEST(Time, ClockGettimeAllClocksValid) {
  for (clockid_t c : kClocks) {
    struct timespec t = {-1, -1};
    ASSERT_EQ(clock_gettime(c, &t), 0) << "clock " << c;
    EXPECT_GE(t.tv_sec, 0) << c;
    EXPECT_GE(t.tv_nsec, 0) << c;
    EXPECT_LT(t.tv_nsec, 1000000000) << c;
  }
}

TEST(Time, ClockGetresAllClocks) {
  for (clockid_t c : kClocks) {
    struct timespec r = {-1, -1};
    ASSERT_EQ(clock_getres(c, &r), 0) << c;
    EXPECT_EQ(r.tv_sec, 0) << c;
    EXPECT_GT(r.tv_nsec, 0) << c;
    EXPECT_LE(r.tv_nsec, 10000000) << c;  // <= 10 ms (coarse clocks: a tick)
  }
}

TEST(Time, ClockGetresNullOk) {
  EXPECT_EQ(clock_getres(CLOCK_MONOTONIC, nullptr), 0);
}

TEST(Time, ClockGettimeInvalidClockEinval) {
  struct timespec t;
  EXPECT_ERRNO(syscall(SYS_clock_gettime, 100, &t), EINVAL);
  EXPECT_ERRNO(syscall(SYS_clock_getres, 100, &t), EINVAL);
}

TEST(Time, ClockGettimeBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, (void*)8), EFAULT);
}

TEST(Time, MonotonicNeverGoesBackwards) {
  struct timespec prev, cur;
  clock_gettime(CLOCK_MONOTONIC, &prev);
  for (int i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &cur);
    ASSERT_GE(Ts(cur), Ts(prev));
    prev = cur;
  }
}

TEST(Time, BoottimeAtLeastMonotonic) {
  struct timespec m, b;
  clock_gettime(CLOCK_MONOTONIC, &m);
  clock_gettime(CLOCK_BOOTTIME, &b);
  EXPECT_GE(Ts(b) + 0.001, Ts(m));
}

TEST(Time, RealtimeMatchesGettimeofdayAndTime) {
  struct timespec ts;
  struct timeval tv;
  clock_gettime(CLOCK_REALTIME, &ts);
  ASSERT_EQ(gettimeofday(&tv, nullptr), 0);
  time_t t = syscall(SYS_time, nullptr);
  EXPECT_NEAR(Ts(ts), tv.tv_sec + tv.tv_usec / 1e6, 2.0);
  EXPECT_NEAR((double)t, Ts(ts), 2.0);
  EXPECT_GT(ts.tv_sec, 1600000000);  // after 2020
}

TEST(Time, TimeStoresIntoPointer) {
  time_t out = 0;
  time_t r = syscall(SYS_time, &out);
  EXPECT_EQ(r, out);
}

TEST(Time, ProcessCpuClockAdvancesWithWork) {
  struct timespec a, b;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
  volatile unsigned long x = 0;
  double start = Mono();
  do {
    for (int i = 0; i < 100000; i++) x = x + i;
  } while (Mono() - start < 0.05);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
  EXPECT_GT(Ts(b), Ts(a));
}

TEST(Time, ThreadCpuClockIsPerThread) {
  // A fresh thread's CPU clock starts near zero, below the main thread's.
  volatile unsigned long x = 0;
  double start = Mono();
  do {
    for (int i = 0; i < 100000; i++) x = x + i;
  } while (Mono() - start < 0.05);
  struct timespec mine, theirs;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mine);
  std::thread([&] { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &theirs); }).join();
  EXPECT_LT(Ts(theirs), Ts(mine));
}

TEST(Time, PthreadCpuClockOfOtherThread) {
  clockid_t cid;
  ASSERT_EQ(pthread_getcpuclockid(pthread_self(), &cid), 0);
  struct timespec t;
  EXPECT_EQ(clock_gettime(cid, &t), 0);
  EXPECT_GT(Ts(t), 0.0);
}

TEST(Time, ClockSettimeMonotonicEinval) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  EXPECT_ERRNO(clock_settime(CLOCK_MONOTONIC, &t), EINVAL);
}

TEST(Time, ClockSettimeInvalidValueEinval) {
  struct timespec t = {0, 2000000000};
  EXPECT_ERRNO(clock_settime(CLOCK_REALTIME, &t), EINVAL);
}

TEST(Time, NanosleepSleepsAtLeast) {
  struct timespec req = {0, 30 * 1000 * 1000};
  double a = Mono();
  ASSERT_EQ(nanosleep(&req, nullptr), 0);
  EXPECT_GE(Mono() - a, 0.029);
}

TEST(Time, NanosleepZeroReturnsImmediately) {
  struct timespec req = {0, 0};
  EXPECT_EQ(nanosleep(&req, nullptr), 0);
}

TEST(Time, NanosleepInvalidEinval) {
  struct timespec req = {0, 1000000000};
  EXPECT_ERRNO(nanosleep(&req, nullptr), EINVAL);
  req = {-1, 0};
  EXPECT_ERRNO(nanosleep(&req, nullptr), EINVAL);
  req = {0, -1};
  EXPECT_ERRNO(nanosleep(&req, nullptr), EINVAL);
}

TEST(Time, NanosleepBadPointerEfault) {
  EXPECT_ERRNO(syscall(SYS_nanosleep, (void*)8, nullptr), EFAULT);
}

TEST(Time, NanosleepInterruptedReportsRemaining) {
  SigactionRestorer r(SIGUSR1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) {};
  sigaction(SIGUSR1, &sa, nullptr);
  pthread_t self = pthread_self();
  std::atomic<bool> done{false};
  std::thread t([&] {
    while (!done.load()) {
      pthread_kill(self, SIGUSR1);
      sched_yield();
    }
  });
  struct timespec req = {10, 0}, rem = {0, 0};
  double a = Mono();
  int ret = nanosleep(&req, &rem);
  int err = errno;
  done = true;
  t.join();
  EXPECT_EQ(ret, -1);
  EXPECT_EQ(err, EINTR);
  EXPECT_LT(Mono() - a, 9.0);
  EXPECT_GT(Ts(rem), 1.0);
  EXPECT_LE(Ts(rem), 10.01);
}

TEST(Time, NanosleepRestartedWithSaRestartStillReturnsEintr) {
  // nanosleep is never restarted transparently with a handler: EINTR.
  SigactionRestorer r(SIGUSR1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) {};
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, nullptr);
  pthread_t self = pthread_self();
  std::atomic<bool> done{false};
  std::thread t([&] {
    while (!done.load()) {
      pthread_kill(self, SIGUSR1);
      sched_yield();
    }
  });
  struct timespec req = {10, 0};
  EXPECT_ERRNO(nanosleep(&req, nullptr), EINTR);
  done = true;
  t.join();
}

TEST(Time, ClockNanosleepRelative) {
  struct timespec req = {0, 20 * 1000 * 1000};
  double a = Mono();
  EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, nullptr), 0);
  EXPECT_GE(Mono() - a, 0.019);
}

TEST(Time, ClockNanosleepAbsolute) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  double target = Ts(t) + 0.03;
  t.tv_nsec += 30 * 1000 * 1000;
  if (t.tv_nsec >= 1000000000) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000;
  }
  EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr), 0);
  EXPECT_GE(Mono(), target - 0.0005);
}

TEST(Time, ClockNanosleepAbsoluteInPastReturnsAtOnce) {
  struct timespec t = {0, 0};
  double a = Mono();
  EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr), 0);
  EXPECT_LT(Mono() - a, 1.0);
}

TEST(Time, ClockNanosleepRealtimeAbsolute) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  t.tv_nsec += 10 * 1000 * 1000;
  if (t.tv_nsec >= 1000000000) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000;
  }
  EXPECT_EQ(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &t, nullptr), 0);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  EXPECT_GE(Ts(now) + 0.001, Ts(t));
}

TEST(Time, ClockNanosleepReturnsErrorNotErrno) {
  struct timespec req = {0, 1000000000};
  EXPECT_EQ(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, nullptr), EINVAL);
  req = {0, 1};
  EXPECT_EQ(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, nullptr), EINVAL);
  EXPECT_EQ(clock_nanosleep(100, 0, &req, nullptr), EINVAL);
}

TEST(Time, ClockNanosleepInterruptedAbsoluteNoRemain) {
  SigactionRestorer r(SIGUSR1);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) {};
  sigaction(SIGUSR1, &sa, nullptr);
  pthread_t self = pthread_self();
  std::atomic<bool> done{false};
  std::thread t([&] {
    while (!done.load()) {
      pthread_kill(self, SIGUSR1);
      sched_yield();
    }
  });
  struct timespec when;
  clock_gettime(CLOCK_MONOTONIC, &when);
  when.tv_sec += 10;
  struct timespec rem = {123, 456};
  int r2 = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &when, &rem);
  done = true;
  t.join();
  EXPECT_EQ(r2, EINTR);
  // rem is not written for absolute sleeps.
  EXPECT_EQ(rem.tv_sec, 123);
  EXPECT_EQ(rem.tv_nsec, 456);
}

TEST(Time, GettimeofdayTimezoneNullOk) {
  struct timeval tv;
  EXPECT_EQ(gettimeofday(&tv, nullptr), 0);
  EXPECT_LT(tv.tv_usec, 1000000);
  EXPECT_GE(tv.tv_usec, 0);
}

TEST(Time, SettimeofdayInvalidEinval) {
  struct timeval tv = {0, 1000000};
  EXPECT_ERRNO(settimeofday(&tv, nullptr), EINVAL);
}

TEST(Time, TimesReportsTicks) {
  struct tms t;
  clock_t a = times(&t);
  EXPECT_NE(a, (clock_t)-1);
  EXPECT_GE(t.tms_utime, 0);
  EXPECT_GE(t.tms_stime, 0);
  struct timespec req = {0, 30 * 1000 * 1000};
  nanosleep(&req, nullptr);
  clock_t b = times(&t);
  EXPECT_GE(b - a, 2);  // >= 20 ms at 100 Hz
}

TEST(Time, TimesCountsReapedChildren) {
  pid_t pid = fork();
  if (pid == 0) {
    double start = Mono();
    volatile unsigned long x = 0;
    while (Mono() - start < 0.1) x = x + 1;
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  struct tms t;
  times(&t);
  EXPECT_GT(t.tms_cutime + t.tms_cstime, 0);
}

}  // namespace
