// Time: nanosleep, clock_nanosleep (relative/absolute), alarm, itimers,
// POSIX timers, times, getrusage, clock_getres, bad timespecs, EINTR with
// the remaining time.
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

static long long ns_now(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile sig_atomic_t alrm_hits, rt_hits;
static volatile int rt_code, rt_value;
static void on_alrm(int sig) {
  (void)sig;
  alrm_hits++;
}
static void on_rt(int sig, siginfo_t* si, void* uc) {
  (void)sig;
  (void)uc;
  rt_hits++;
  rt_code = si->si_code;
  rt_value = si->si_value.sival_int;
}

static pid_t main_tid;
static volatile int interrupted_done;
// Signals the main thread every 20 ms until it has returned from its sleep.
static void* interrupter(void* arg) {
  (void)arg;
  while (!interrupted_done) {
    usleep(20000);
    syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
  }
  return NULL;
}
static void on_usr1(int sig) { (void)sig; }

int main(void) {
  check_init();
  main_tid = (pid_t)syscall(SYS_gettid);
  long long t0 = ns_now(CLOCK_MONOTONIC);
  struct timespec req = {0, 30 * 1000 * 1000}, rem;
  CHECK("nanosleep", nanosleep(&req, &rem) == 0);
  CHECK("nanosleep_elapsed", ns_now(CLOCK_MONOTONIC) - t0 >= 30000000LL);
  struct timespec bad = {0, 1000000000};
  CHECK_ERR("nanosleep_bad_nsec_einval", nanosleep(&bad, NULL), EINVAL);
  struct timespec neg = {-1, 0};
  CHECK_ERR("nanosleep_negative_einval", nanosleep(&neg, NULL), EINVAL);
  struct timespec negn = {0, -1};
  CHECK_ERR("nanosleep_negative_nsec_einval", nanosleep(&negn, NULL), EINVAL);
  t0 = ns_now(CLOCK_MONOTONIC);
  CHECK("clock_nanosleep_rel", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL) == 0);
  CHECK("clock_nanosleep_rel_elapsed", ns_now(CLOCK_MONOTONIC) - t0 >= 30000000LL);
  long long target = ns_now(CLOCK_MONOTONIC) + 30000000LL;
  struct timespec abs = {target / 1000000000LL, target % 1000000000LL};
  CHECK("clock_nanosleep_abs", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0);
  CHECK("clock_nanosleep_abs_reached", ns_now(CLOCK_MONOTONIC) >= target);
  target = ns_now(CLOCK_REALTIME) + 20000000LL;
  abs.tv_sec = target / 1000000000LL;
  abs.tv_nsec = target % 1000000000LL;
  CHECK("clock_nanosleep_abs_realtime", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL) == 0 &&
                                            ns_now(CLOCK_REALTIME) >= target);
  abs.tv_sec = 1;
  abs.tv_nsec = 0;
  CHECK("clock_nanosleep_abs_past_immediate", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0);
  CHECK("clock_nanosleep_bad_nsec_einval", clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL);
  CHECK("clock_nanosleep_bad_clock_einval", clock_nanosleep(12345, 0, &req, NULL) == EINVAL);
  CHECK("clock_nanosleep_thread_cputime_unsupported",
        clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL) == EINVAL);

  // nanosleep interrupted by a handled signal: EINTR, remaining time set.
  signal(SIGUSR1, on_usr1);
  pthread_t th;
  interrupted_done = 0;
  pthread_create(&th, NULL, interrupter, NULL);
  struct timespec longreq = {30, 0};
  memset(&rem, 0, sizeof(rem));
  interrupted_done = 0;
  CHECK_ERR("nanosleep_eintr", nanosleep(&longreq, &rem), EINTR);
  interrupted_done = 1;
  pthread_join(th, NULL);
  CHECK("nanosleep_remaining_set", rem.tv_sec > 20 && rem.tv_sec <= 30 && rem.tv_nsec >= 0 &&
                                       rem.tv_nsec < 1000000000);
  interrupted_done = 0;
  pthread_create(&th, NULL, interrupter, NULL);
  CHECK("clock_nanosleep_eintr_returns_errno", clock_nanosleep(CLOCK_MONOTONIC, 0, &longreq, &rem) == EINTR);
  interrupted_done = 1;
  pthread_join(th, NULL);
  CHECK("clock_nanosleep_remaining", rem.tv_sec > 20 && rem.tv_sec <= 30);

  // alarm.
  signal(SIGALRM, on_alrm);
  CHECK("alarm_none_pending", alarm(100) == 0);
  unsigned left = alarm(0);
  CHECK("alarm_returns_remaining", left >= 99 && left <= 100);
  CHECK("alarm_cancelled", alarm(0) == 0);
  alrm_hits = 0;
  alarm(1);
  while (alrm_hits == 0) pause();
  CHECK("alarm_delivered", alrm_hits == 1);

  // setitimer ITIMER_REAL periodic.
  struct itimerval it = {{0, 20000}, {0, 20000}}, oit;
  alrm_hits = 0;
  CHECK("setitimer_real", setitimer(ITIMER_REAL, &it, NULL) == 0);
  while (alrm_hits < 3) pause();
  CHECK("itimer_periodic_3_ticks", alrm_hits >= 3);
  CHECK("getitimer_interval", getitimer(ITIMER_REAL, &oit) == 0 && oit.it_interval.tv_sec == 0 &&
                                  oit.it_interval.tv_usec == 20000 && oit.it_value.tv_usec <= 20000);
  struct itimerval zero = {{0, 0}, {0, 0}};
  CHECK("setitimer_disarm_old", setitimer(ITIMER_REAL, &zero, &oit) == 0 && oit.it_interval.tv_usec == 20000);
  CHECK("getitimer_disarmed", getitimer(ITIMER_REAL, &oit) == 0 && oit.it_value.tv_sec == 0 &&
                                  oit.it_value.tv_usec == 0);
  CHECK_ERR("setitimer_bad_which_einval", setitimer(99, &it, NULL), EINVAL);
  struct itimerval badit = {{0, 0}, {0, 1000000}};
  CHECK_ERR("setitimer_bad_usec_einval", setitimer(ITIMER_REAL, &badit, NULL), EINVAL);
  CHECK("getitimer_virtual", getitimer(ITIMER_VIRTUAL, &oit) == 0 && oit.it_value.tv_sec == 0);

  // POSIX timers.
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = on_rt;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGRTMIN, &sa, NULL);
  struct sigevent sev;
  memset(&sev, 0, sizeof(sev));
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGRTMIN;
  sev.sigev_value.sival_int = 777;
  timer_t tid;
  CHECK("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &tid) == 0);
  struct itimerspec its = {{0, 0}, {0, 20 * 1000 * 1000}}, oits;
  CHECK("timer_gettime_disarmed", timer_gettime(tid, &oits) == 0 && oits.it_value.tv_sec == 0 &&
                                      oits.it_value.tv_nsec == 0);
  rt_hits = 0;
  CHECK("timer_settime", timer_settime(tid, 0, &its, NULL) == 0);
  CHECK("timer_gettime_armed", timer_gettime(tid, &oits) == 0 && oits.it_value.tv_nsec > 0 &&
                                   oits.it_value.tv_nsec <= 20 * 1000 * 1000);
  while (rt_hits == 0) pause();
  CHECK("timer_signal_info", rt_hits == 1 && rt_code == SI_TIMER && rt_value == 777);
  CHECK("timer_oneshot_disarmed", timer_gettime(tid, &oits) == 0 && oits.it_value.tv_nsec == 0 &&
                                      oits.it_value.tv_sec == 0);
  long long t = ns_now(CLOCK_MONOTONIC) + 20000000LL;
  struct itimerspec abs_its = {{0, 0}, {t / 1000000000LL, t % 1000000000LL}};
  CHECK("timer_settime_abstime", timer_settime(tid, TIMER_ABSTIME, &abs_its, NULL) == 0);
  while (rt_hits < 2) pause();
  CHECK("timer_abstime_fired", ns_now(CLOCK_MONOTONIC) >= t);
  struct itimerspec badits = {{0, 0}, {0, 1000000000}};
  CHECK_ERR("timer_settime_bad_nsec_einval", timer_settime(tid, 0, &badits, NULL), EINVAL);
  CHECK("timer_delete", timer_delete(tid) == 0);
  CHECK_ERR("timer_gettime_deleted_einval", syscall(SYS_timer_gettime, 0x7777, &oits), EINVAL);
  CHECK_ERR("timer_create_bad_clock_einval", syscall(SYS_timer_create, 12345, &sev, &tid), EINVAL);
  sev.sigev_signo = 99;
  CHECK_ERR("timer_create_bad_signal_einval", timer_create(CLOCK_MONOTONIC, &sev, &tid), EINVAL);

  // times / getrusage / clock_getres.
  struct tms tm;
  CHECK("times", times(&tm) != (clock_t)-1);
  struct rusage ru;
  CHECK("getrusage_self", getrusage(RUSAGE_SELF, &ru) == 0 && ru.ru_utime.tv_usec < 1000000);
  CHECK("getrusage_children", getrusage(RUSAGE_CHILDREN, &ru) == 0);
  CHECK("getrusage_thread", getrusage(RUSAGE_THREAD, &ru) == 0);
  CHECK_ERR("getrusage_bad_einval", getrusage(12345, &ru), EINVAL);
  struct timespec res;
  CHECK("clock_getres_monotonic", clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 &&
                                      res.tv_nsec > 0 && res.tv_nsec <= 1000000);
  CHECK("clock_getres_realtime", clock_getres(CLOCK_REALTIME, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
  CHECK("clock_getres_null_ok", clock_getres(CLOCK_MONOTONIC, NULL) == 0);
  CHECK_ERR("clock_getres_bad_einval", clock_getres(12345, &res), EINVAL);
  CHECK_ERR("clock_gettime_bad_einval", syscall(SYS_clock_gettime, 12345, &res), EINVAL);
  long long a = ns_now(CLOCK_MONOTONIC), b = ns_now(CLOCK_MONOTONIC);
  CHECK("monotonic_nondecreasing", b >= a);
  CHECK("boottime_ge_monotonic", ns_now(CLOCK_BOOTTIME) >= ns_now(CLOCK_MONOTONIC) - 1000000);
  CHECK("process_cputime", ns_now(CLOCK_PROCESS_CPUTIME_ID) > 0);
  struct timeval tv;
  CHECK("gettimeofday", gettimeofday(&tv, NULL) == 0 && tv.tv_sec > 1600000000);
  CHECK("time_matches_gettimeofday", labs(time(NULL) - tv.tv_sec) <= 2);
  return check_exit();
}
