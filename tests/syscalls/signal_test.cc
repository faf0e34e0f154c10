// Signals: rt_sigaction flags, masks, pending, delivery order, sigqueue,
// sigtimedwait, sigsuspend, altstack, EINTR and SA_RESTART.
#include <pthread.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/syscalls/test_util.h"

using namespace syscalls_test;

namespace {

volatile sig_atomic_t g_count;
volatile sig_atomic_t g_last_sig;
volatile int g_last_code;
volatile int g_last_value;
volatile pid_t g_last_pid;
int g_order[16];
volatile sig_atomic_t g_order_n;

void CountHandler(int sig) {
  g_count = g_count + 1;
  g_last_sig = sig;
}

void InfoHandler(int sig, siginfo_t* si, void*) {
  g_count = g_count + 1;
  g_last_sig = sig;
  g_last_code = si->si_code;
  g_last_value = si->si_value.sival_int;
  g_last_pid = si->si_pid;
}

void OrderHandler(int sig) {
  if (g_order_n < 16) g_order[g_order_n] = sig;
  g_order_n = g_order_n + 1;
}

void Reset() {
  g_count = 0;
  g_last_sig = 0;
  g_last_code = 0;
  g_last_value = 0;
  g_last_pid = 0;
  g_order_n = 0;
}

void Install(int sig, void (*h)(int), int flags = 0) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(sig, &sa, nullptr), 0);
}

void InstallInfo(int sig, int flags = 0) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = InfoHandler;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(sigaction(sig, &sa, nullptr), 0);
}

TEST(Signal, SigactionReturnsOldAction) {
  SigactionRestorer r(SIGUSR1);
  Install(SIGUSR1, CountHandler, SA_RESTART);
  struct sigaction old;
  ASSERT_OK(sigaction(SIGUSR1, nullptr, &old));
  EXPECT_EQ(old.sa_handler, CountHandler);
  EXPECT_TRUE(old.sa_flags & SA_RESTART);
}

TEST(Signal, SigactionKillStopEinval) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  EXPECT_ERRNO(sigaction(SIGKILL, &sa, nullptr), EINVAL);
  EXPECT_ERRNO(sigaction(SIGSTOP, &sa, nullptr), EINVAL);
  // Querying them is fine.
  EXPECT_OK(sigaction(SIGKILL, nullptr, &sa));
}

TEST(Signal, SigactionInvalidSignalEinval) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  EXPECT_ERRNO(sigaction(0, &sa, nullptr), EINVAL);
  EXPECT_ERRNO(syscall(SYS_rt_sigaction, 65, nullptr, nullptr, 8), EINVAL);
}

TEST(Signal, RtSigactionBadSigsetsizeEinval) {
  EXPECT_ERRNO(syscall(SYS_rt_sigaction, SIGUSR1, nullptr, nullptr, 4), EINVAL);
}

TEST(Signal, RaiseRunsHandlerSynchronously) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, CountHandler);
  ASSERT_OK(raise(SIGUSR1));
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_last_sig, SIGUSR1);
}

TEST(Signal, IgnoredSignalIsDiscarded) {
  // SIGUSR1's default action terminates: ignoring it must not.
  int st = RunInChild([] {
    signal(SIGUSR1, SIG_IGN);
    kill(getpid(), SIGUSR1);
    sigset_t pend;
    sigpending(&pend);
    return sigismember(&pend, SIGUSR1) ? 1 : 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Signal, BlockedIgnoredSignalStaysPendingUntilUnblocked) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  signal(SIGUSR1, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  kill(getpid(), SIGUSR1);
  sigset_t pend;
  sigpending(&pend);
  EXPECT_TRUE(sigismember(&pend, SIGUSR1));  // Linux queues blocked ignored signals
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  sigpending(&pend);
  EXPECT_FALSE(sigismember(&pend, SIGUSR1));
}

TEST(Signal, SaResethandResetsToDefault) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, CountHandler, SA_RESETHAND);
  raise(SIGUSR1);
  EXPECT_EQ(g_count, 1);
  struct sigaction cur;
  sigaction(SIGUSR1, nullptr, &cur);
  EXPECT_EQ(cur.sa_handler, SIG_DFL);
}

void NestedHandler(int) {
  g_count = g_count + 1;
  if (g_count == 1) raise(SIGUSR1);
  // Without SA_NODEFER the nested raise stays pending until we return.
  g_last_value = g_count;
}

TEST(Signal, HandlerBlocksOwnSignalByDefault) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, NestedHandler);
  raise(SIGUSR1);
  EXPECT_EQ(g_count, 2);
  // The first invocation recorded count 1 before the second ran.
  // (the second invocation overwrote g_last_value with 2)
  EXPECT_EQ(g_last_value, 2);
}

void NodeferHandler(int) {
  g_count = g_count + 1;
  int depth = g_count;
  if (depth == 1) raise(SIGUSR1);
  // With SA_NODEFER the nested handler ran inside us: count is already 2.
  if (depth == 1) g_last_value = g_count;
}

TEST(Signal, SaNodeferAllowsNesting) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, NodeferHandler, SA_NODEFER);
  raise(SIGUSR1);
  EXPECT_EQ(g_count, 2);
  EXPECT_EQ(g_last_value, 2);
}

void MaskCheckHandler(int) {
  sigset_t cur;
  sigprocmask(SIG_SETMASK, nullptr, &cur);
  g_last_value = sigismember(&cur, SIGUSR2) * 10 + sigismember(&cur, SIGUSR1);
}

TEST(Signal, SaMaskBlockedDuringHandler) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = MaskCheckHandler;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  ASSERT_OK(sigaction(SIGUSR1, &sa, nullptr));
  raise(SIGUSR1);
  EXPECT_EQ(g_last_value, 11);
  sigset_t cur;
  sigprocmask(SIG_SETMASK, nullptr, &cur);
  EXPECT_FALSE(sigismember(&cur, SIGUSR2));
}

TEST(Signal, SiginfoFromKill) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  InstallInfo(SIGUSR1);
  kill(getpid(), SIGUSR1);
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_last_code, SI_USER);
  EXPECT_EQ(g_last_pid, getpid());
}

TEST(Signal, SiginfoFromTgkill) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  InstallInfo(SIGUSR1);
  syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_last_code, SI_TKILL);
}

TEST(Signal, SigqueueCarriesValue) {
  SigactionRestorer r(SIGRTMIN);
  Reset();
  InstallInfo(SIGRTMIN);
  union sigval v;
  v.sival_int = 1234;
  ASSERT_OK(sigqueue(getpid(), SIGRTMIN, v));
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_last_code, SI_QUEUE);
  EXPECT_EQ(g_last_value, 1234);
}

TEST(Signal, RtSigqueueinfoCannotForgeSiUserFromOthers) {
  // Sending to oneself with si_code >= 0 is allowed only for self; to
  // another process a non-negative si_code is EPERM.
  pid_t pid = fork();
  if (pid == 0) {
    for (;;) pause();
  }
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGUSR1;
  si.si_code = SI_USER;
  EXPECT_ERRNO(syscall(SYS_rt_sigqueueinfo, pid, SIGUSR1, &si), EPERM);
  kill(pid, SIGKILL);
  int st;
  waitpid(pid, &st, 0);
}

TEST(Signal, RtTgsigqueueinfoToSelfThread) {
  SigactionRestorer r(SIGUSR2);
  Reset();
  InstallInfo(SIGUSR2);
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_signo = SIGUSR2;
  si.si_code = SI_QUEUE;
  si.si_value.sival_int = 77;
  si.si_pid = getpid();
  si.si_uid = getuid();
  ASSERT_OK(syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR2, &si));
  EXPECT_EQ(g_count, 1);
  EXPECT_EQ(g_last_value, 77);
}

TEST(Signal, BlockedSignalIsPendingThenDelivered) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  Reset();
  Install(SIGUSR1, CountHandler);
  sigset_t set, pend;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  ASSERT_OK(sigprocmask(SIG_BLOCK, &set, nullptr));
  raise(SIGUSR1);
  EXPECT_EQ(g_count, 0);
  ASSERT_OK(sigpending(&pend));
  EXPECT_TRUE(sigismember(&pend, SIGUSR1));
  ASSERT_OK(sigprocmask(SIG_UNBLOCK, &set, nullptr));
  EXPECT_EQ(g_count, 1);
  sigpending(&pend);
  EXPECT_FALSE(sigismember(&pend, SIGUSR1));
}

TEST(Signal, StandardSignalsCoalesce) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  Reset();
  Install(SIGUSR1, CountHandler);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(SIGUSR1);
  raise(SIGUSR1);
  raise(SIGUSR1);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  EXPECT_EQ(g_count, 1);
}

TEST(Signal, RealtimeSignalsQueue) {
  SigactionRestorer r(SIGRTMIN + 1);
  SigmaskRestorer m;
  Reset();
  Install(SIGRTMIN + 1, CountHandler);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  union sigval v = {};
  for (int i = 0; i < 3; i++) sigqueue(getpid(), SIGRTMIN + 1, v);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  EXPECT_EQ(g_count, 3);
}

TEST(Signal, RealtimeDeliveredLowestFirst) {
  int a = SIGRTMIN + 2, b = SIGRTMIN + 4;
  SigactionRestorer ra(a), rb(b);
  SigmaskRestorer m;
  Reset();
  // Each handler blocks the other so that they run one after the other
  // instead of nesting (a nested later frame would run first).
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = OrderHandler;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, a);
  sigaddset(&sa.sa_mask, b);
  ASSERT_OK(sigaction(a, &sa, nullptr));
  ASSERT_OK(sigaction(b, &sa, nullptr));
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, a);
  sigaddset(&set, b);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(b);
  raise(a);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  ASSERT_EQ(g_order_n, 2);
  EXPECT_EQ(g_order[0], a);
  EXPECT_EQ(g_order[1], b);
}

TEST(Signal, SameRealtimeSignalFifoValues) {
  int s = SIGRTMIN + 3;
  SigmaskRestorer m;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  for (int i = 1; i <= 3; i++) {
    union sigval v;
    v.sival_int = i * 10;
    sigqueue(getpid(), s, v);
  }
  for (int i = 1; i <= 3; i++) {
    siginfo_t si;
    ASSERT_EQ(sigwaitinfo(&set, &si), s);
    EXPECT_EQ(si.si_value.sival_int, i * 10);
  }
}

TEST(Signal, SigprocmaskCannotBlockKillStop) {
  SigmaskRestorer m;
  sigset_t set, cur;
  sigfillset(&set);
  ASSERT_OK(sigprocmask(SIG_BLOCK, &set, nullptr));
  sigprocmask(SIG_SETMASK, nullptr, &cur);
  EXPECT_FALSE(sigismember(&cur, SIGKILL));
  EXPECT_FALSE(sigismember(&cur, SIGSTOP));
  EXPECT_TRUE(sigismember(&cur, SIGUSR1));
}

TEST(Signal, SigprocmaskInvalidHowEinval) {
  sigset_t set;
  sigemptyset(&set);
  EXPECT_ERRNO(syscall(SYS_rt_sigprocmask, 99, &set, nullptr, 8), EINVAL);
  EXPECT_ERRNO(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, nullptr, 16), EINVAL);
}

TEST(Signal, SigprocmaskSetmaskAndUnblock) {
  SigmaskRestorer m;
  sigset_t set, cur;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGUSR2);
  ASSERT_OK(sigprocmask(SIG_SETMASK, &set, nullptr));
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  ASSERT_OK(sigprocmask(SIG_UNBLOCK, &set, nullptr));
  sigprocmask(SIG_SETMASK, nullptr, &cur);
  EXPECT_FALSE(sigismember(&cur, SIGUSR1));
  EXPECT_TRUE(sigismember(&cur, SIGUSR2));
}

TEST(Signal, RtSigpendingBadSizeEinval) {
  char buf[16];
  EXPECT_ERRNO(syscall(SYS_rt_sigpending, buf, 16), EINVAL);
}

TEST(Signal, SigtimedwaitReturnsPending) {
  SigmaskRestorer m;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  kill(getpid(), SIGUSR1);
  siginfo_t si;
  struct timespec ts = {0, 0};
  EXPECT_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
  EXPECT_EQ(si.si_signo, SIGUSR1);
  EXPECT_EQ(si.si_code, SI_USER);
  EXPECT_EQ(si.si_pid, getpid());
}

TEST(Signal, SigtimedwaitTimeoutEagain) {
  SigmaskRestorer m;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  struct timespec ts = {0, 20 * 1000 * 1000};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  EXPECT_ERRNO(sigtimedwait(&set, nullptr, &ts), EAGAIN);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double el = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  EXPECT_GE(el, 0.019);
}

TEST(Signal, SigtimedwaitInvalidTimeoutEinval) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  struct timespec ts = {0, 1000000000};
  EXPECT_ERRNO(sigtimedwait(&set, nullptr, &ts), EINVAL);
}

TEST(Signal, SigtimedwaitWokenByOtherThread) {
  SigmaskRestorer m;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  std::thread t([] {
    // The new thread inherits the mask; the signal is process-directed.
    kill(getpid(), SIGUSR2);
  });
  siginfo_t si;
  struct timespec ts = {10, 0};
  EXPECT_EQ(sigtimedwait(&set, &si, &ts), SIGUSR2);
  t.join();
}

TEST(Signal, SigsuspendWaitsAndRestoresMask) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  Reset();
  Install(SIGUSR1, CountHandler);
  sigset_t set, empty, cur;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(SIGUSR1);
  sigemptyset(&empty);
  EXPECT_ERRNO(sigsuspend(&empty), EINTR);
  EXPECT_EQ(g_count, 1);
  sigprocmask(SIG_SETMASK, nullptr, &cur);
  EXPECT_TRUE(sigismember(&cur, SIGUSR1));
}

TEST(Signal, PauseReturnsEintr) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, CountHandler);  // inherited: no window without a handler
  pid_t pid = fork();
  if (pid == 0) {
    errno = 0;
    int r = pause();
    _exit(r == -1 && errno == EINTR && g_count >= 1 ? 0 : 1);
  }
  int st = 0;
  // Keep signalling until the child leaves pause (it may not be there yet).
  while (waitpid(pid, &st, WNOHANG) == 0) {
    kill(pid, SIGUSR1);
    sched_yield();
  }
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Signal, SigsuspendWokenByThreadSignal) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  Reset();
  Install(SIGUSR1, CountHandler);
  sigset_t set, empty;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  pthread_t self = pthread_self();
  std::thread t([self] { pthread_kill(self, SIGUSR1); });
  sigemptyset(&empty);
  EXPECT_ERRNO(sigsuspend(&empty), EINTR);
  EXPECT_EQ(g_count, 1);
  t.join();
}

TEST(Signal, ReadInterruptedEintrWithoutRestart) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, CountHandler, 0);
  int fds[2];
  ASSERT_OK(pipe(fds));
  pthread_t self = pthread_self();
  std::atomic<bool> stop{false};
  std::thread t([&] {
    // Keep signalling until the reader returned (no sleep-based sync).
    while (!stop.load()) {
      pthread_kill(self, SIGUSR1);
      sched_yield();
    }
  });
  char c;
  EXPECT_ERRNO(read(fds[0], &c, 1), EINTR);
  stop = true;
  t.join();
  close(fds[0]);
  close(fds[1]);
}

TEST(Signal, ReadRestartedWithSaRestart) {
  SigactionRestorer r(SIGUSR1);
  Reset();
  Install(SIGUSR1, CountHandler, SA_RESTART);
  int fds[2];
  ASSERT_OK(pipe(fds));
  pthread_t self = pthread_self();
  std::thread t([&] {
    // Signal several times, then write: the read must not see EINTR.
    for (int i = 0; i < 5; i++) {
      pthread_kill(self, SIGUSR1);
      sched_yield();
    }
    (void)!write(fds[1], "z", 1);
  });
  char c = 0;
  EXPECT_EQ(read(fds[0], &c, 1), 1);
  EXPECT_EQ(c, 'z');
  t.join();
  EXPECT_GE(g_count, 1);  // pending standard signals coalesce
  close(fds[0]);
  close(fds[1]);
}

TEST(Signal, SigaltstackRunsHandlerOnAltStack) {
  SigactionRestorer r(SIGUSR1);
  static std::vector<char> stack(SIGSTKSZ * 4);
  stack_t ss = {}, old = {};
  ss.ss_sp = stack.data();
  ss.ss_size = stack.size();
  ASSERT_OK(sigaltstack(&ss, &old));
  static uintptr_t addr;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) {
    int local;
    addr = reinterpret_cast<uintptr_t>(&local);
  };
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, nullptr);
  raise(SIGUSR1);
  uintptr_t lo = reinterpret_cast<uintptr_t>(stack.data());
  EXPECT_GE(addr, lo);
  EXPECT_LT(addr, lo + stack.size());
  ss.ss_flags = SS_DISABLE;
  ASSERT_OK(sigaltstack(&ss, nullptr));
}

TEST(Signal, SigaltstackReportsOnstackInsideHandler) {
  SigactionRestorer r(SIGUSR1);
  static std::vector<char> stack(SIGSTKSZ * 4);
  stack_t ss = {};
  ss.ss_sp = stack.data();
  ss.ss_size = stack.size();
  ASSERT_OK(sigaltstack(&ss, nullptr));
  static int flags_in_handler;
  static int modify_err;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) {
    stack_t cur;
    sigaltstack(nullptr, &cur);
    flags_in_handler = cur.ss_flags;
    stack_t n = {};
    n.ss_flags = SS_DISABLE;
    errno = 0;
    modify_err = sigaltstack(&n, nullptr) == -1 ? errno : 0;
  };
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR1, &sa, nullptr);
  raise(SIGUSR1);
  EXPECT_TRUE(flags_in_handler & SS_ONSTACK);
  EXPECT_EQ(modify_err, EPERM);
  stack_t cur;
  sigaltstack(nullptr, &cur);
  EXPECT_EQ(cur.ss_flags, 0);
  ss.ss_flags = SS_DISABLE;
  sigaltstack(&ss, nullptr);
}

TEST(Signal, SigaltstackTooSmallEnomem) {
  static char small[64];
  stack_t ss = {};
  ss.ss_sp = small;
  ss.ss_size = sizeof small;
  EXPECT_ERRNO(sigaltstack(&ss, nullptr), ENOMEM);
}

TEST(Signal, SigaltstackBadFlagsEinval) {
  static std::vector<char> stack(SIGSTKSZ * 2);
  stack_t ss = {};
  ss.ss_sp = stack.data();
  ss.ss_size = stack.size();
  ss.ss_flags = 0x1234;
  EXPECT_ERRNO(sigaltstack(&ss, nullptr), EINVAL);
}

TEST(Signal, SigaltstackDisabledByDefaultInThread) {
  stack_t cur = {};
  std::thread([&] { sigaltstack(nullptr, &cur); }).join();
  EXPECT_TRUE(cur.ss_flags & SS_DISABLE);
}

TEST(Signal, TkillInvalidTidEinval) {
  EXPECT_ERRNO(syscall(SYS_tkill, 0, SIGUSR1), EINVAL);
  EXPECT_ERRNO(syscall(SYS_tgkill, getpid(), -5, SIGUSR1), EINVAL);
}

TEST(Signal, TgkillWrongTgidEsrch) {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  int st;
  waitpid(pid, &st, 0);
  EXPECT_ERRNO(syscall(SYS_tgkill, pid, syscall(SYS_gettid), SIGUSR1), ESRCH);
}

TEST(Signal, ThreadDirectedSignalGoesToThatThread) {
  SigactionRestorer r(SIGUSR1);
  static std::atomic<pid_t> handled_tid;
  handled_tid = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = [](int) { handled_tid = syscall(SYS_gettid); };
  sigaction(SIGUSR1, &sa, nullptr);
  int go[2];
  ASSERT_OK(pipe(go));
  std::atomic<pid_t> tid{0};
  std::thread t([&] {
    tid = syscall(SYS_gettid);
    char c;
    // Blocks until the main thread signalled us and wrote.
    while (read(go[0], &c, 1) < 0 && errno == EINTR) {
    }
  });
  while (tid.load() == 0) sched_yield();
  ASSERT_OK(syscall(SYS_tgkill, getpid(), tid.load(), SIGUSR1));
  while (handled_tid.load() == 0) sched_yield();
  (void)!write(go[1], "x", 1);
  t.join();
  EXPECT_EQ(handled_tid.load(), tid.load());
  close(go[0]);
  close(go[1]);
}

TEST(Signal, ChildInheritsHandlersAndMaskNotPending) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  Install(SIGUSR1, CountHandler);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(SIGUSR1);
  int st = RunInChild([] {
    sigset_t pend, cur;
    sigpending(&pend);
    sigprocmask(SIG_SETMASK, nullptr, &cur);
    struct sigaction sa;
    sigaction(SIGUSR1, nullptr, &sa);
    CHILD_CHECK(!sigismember(&pend, SIGUSR1));
    CHILD_CHECK(sigismember(&cur, SIGUSR1));
    CHILD_CHECK(sa.sa_handler == CountHandler);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
  // Drain our own pending signal.
  siginfo_t si;
  struct timespec ts = {0, 0};
  EXPECT_EQ(sigtimedwait(&set, &si, &ts), SIGUSR1);
}

TEST(Signal, SigchldOnChildExit) {
  SigactionRestorer r(SIGCHLD);
  SigmaskRestorer m;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  pid_t pid = fork();
  if (pid == 0) _exit(3);
  siginfo_t si;
  struct timespec ts = {10, 0};
  ASSERT_EQ(sigtimedwait(&set, &si, &ts), SIGCHLD);
  EXPECT_EQ(si.si_code, CLD_EXITED);
  EXPECT_EQ(si.si_pid, pid);
  EXPECT_EQ(si.si_status, 3);
  int st;
  waitpid(pid, &st, 0);
}

TEST(Signal, SigchldIgnoredAutoReaps) {
  int st = RunInChild([] {
    signal(SIGCHLD, SIG_IGN);
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int s;
    errno = 0;
    // With SIGCHLD ignored children are reaped: wait blocks until the child
    // is gone, then fails with ECHILD.
    CHILD_CHECK(waitpid(pid, &s, 0) == -1 && errno == ECHILD);
    return 0;
  });
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Signal, UcontextHasBlockedMaskAtDelivery) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  static int had_usr2;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = [](int, siginfo_t*, void* uc) {
    had_usr2 = sigismember(&static_cast<ucontext_t*>(uc)->uc_sigmask, SIGUSR2);
  };
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  raise(SIGUSR1);
  EXPECT_EQ(had_usr2, 1);
}

TEST(Signal, SigreturnRestoresModifiedMask) {
  SigactionRestorer r(SIGUSR1);
  SigmaskRestorer m;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = [](int, siginfo_t*, void* uc) {
    sigaddset(&static_cast<ucontext_t*>(uc)->uc_sigmask, SIGUSR2);
  };
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, nullptr);
  raise(SIGUSR1);
  sigset_t cur;
  sigprocmask(SIG_SETMASK, nullptr, &cur);
  EXPECT_TRUE(sigismember(&cur, SIGUSR2));
}

// The child gets a process group of its own: Linux discards SIGTSTP sent to
// an orphaned process group, and the test's own group may be orphaned (a CI
// runner with no job control), which left the child running forever.
TEST(Signal, DefaultActionStopsAndContinues) {
  int fds[2];
  ASSERT_OK(pipe(fds));
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    close(fds[1]);
    char c;
    (void)!read(fds[0], &c, 1);
    _exit(0);
  }
  close(fds[0]);
  setpgid(pid, pid);  // either call wins the race; both ask the same
  int st;
  ASSERT_OK(kill(pid, SIGTSTP));
  ASSERT_EQ(waitpid(pid, &st, WUNTRACED), pid);
  EXPECT_TRUE(WIFSTOPPED(st));
  EXPECT_EQ(WSTOPSIG(st), SIGTSTP);
  kill(pid, SIGCONT);
  close(fds[1]);
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(ExitedOk(st));
}

TEST(Signal, SigkillDeliveredWhileBlocked) {
  int st = RunInChild([] {
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, nullptr);
    raise(SIGKILL);
    return 0;
  });
  ASSERT_TRUE(WIFSIGNALED(st));
  EXPECT_EQ(WTERMSIG(st), SIGKILL);
}

}  // namespace
