// Signals: siginfo codes, flags (RESETHAND, NODEFER, ONSTACK, RESTART),
// masks and pending sets, queueing and order, FP state across handlers,
// sigsuspend/sigtimedwait/pause, kill/tkill/tgkill errors, SIGCHLD, default
// actions (terminate, stop/continue, ignore), SIGPIPE, synchronous faults.
#include "check.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <time.h>

static volatile int* volatile bad_ptr = (volatile int*)16;
static pid_t gettid_(void) { return (pid_t)syscall(SYS_gettid); }

static volatile sig_atomic_t hits;
static volatile int last_signo, last_code, last_value, last_pid_ok, last_uid_ok;
static volatile int mask_had_self, mask_had_usr2;
static void info_handler(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  hits++;
  last_signo = si->si_signo == sig ? sig : -1;
  last_code = si->si_code;
  last_value = si->si_value.sival_int;
  last_pid_ok = si->si_pid == getpid();
  last_uid_ok = si->si_uid == getuid();
  sigset_t cur;
  sigprocmask(SIG_BLOCK, NULL, &cur);
  mask_had_self = sigismember(&cur, sig);
  mask_had_usr2 = sigismember(&cur, SIGUSR2);
}

static int set_handler(int sig, void (*fn)(int, siginfo_t*, void*), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = fn;
  sa.sa_flags = SA_SIGINFO | flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

static int order[16];
static volatile int norder;
static void order_handler(int sig) {
  if (norder < 16) order[norder++] = sig;
}

// Alternate stack.
static char altstack[65536] __attribute__((aligned(16)));
static volatile int on_alt, alt_flag_onstack;
static void alt_handler(int sig) {
  (void)sig;
  char local;
  on_alt = &local >= altstack && &local < altstack + sizeof(altstack);
  stack_t cur;
  sigaltstack(NULL, &cur);
  alt_flag_onstack = (cur.ss_flags & SS_ONSTACK) != 0;
}

// Clobbers every xmm register.
static void sse_clobber_handler(int sig) {
  (void)sig;
  __asm__ volatile(
      "pcmpeqd %%xmm0, %%xmm0\n pcmpeqd %%xmm1, %%xmm1\n pcmpeqd %%xmm2, %%xmm2\n"
      "pcmpeqd %%xmm3, %%xmm3\n pcmpeqd %%xmm4, %%xmm4\n pcmpeqd %%xmm5, %%xmm5\n"
      "pcmpeqd %%xmm6, %%xmm6\n pcmpeqd %%xmm7, %%xmm7\n pcmpeqd %%xmm8, %%xmm8\n"
      "pcmpeqd %%xmm9, %%xmm9\n pcmpeqd %%xmm10, %%xmm10\n pcmpeqd %%xmm11, %%xmm11\n"
      "pcmpeqd %%xmm12, %%xmm12\n pcmpeqd %%xmm13, %%xmm13\n pcmpeqd %%xmm14, %%xmm14\n"
      "pcmpeqd %%xmm15, %%xmm15\n" ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
      "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  volatile double d = 3.0;
  d = d * 7.25;
  (void)d;
}

#define LD(i) "movdqu " #i "*16(%[in]), %%xmm" #i "\n"
#define ST(i) "movdqu %%xmm" #i ", " #i "*16(%[out])\n"
static int sse_preserved_across_signal(void) {
  unsigned char in[16][16], out[16][16];
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) in[i][j] = (unsigned char)(i * 16 + j + 1);
  memset(out, 0, sizeof(out));
  long rax = SYS_tgkill;
  long rdi = getpid(), rsi = gettid_(), rdx = SIGUSR2;
  __asm__ volatile(LD(0) LD(1) LD(2) LD(3) LD(4) LD(5) LD(6) LD(7) LD(8) LD(9) LD(10) LD(11)
                       LD(12) LD(13) LD(14) LD(15) "syscall\n" ST(0) ST(1) ST(2) ST(3) ST(4) ST(5)
                           ST(6) ST(7) ST(8) ST(9) ST(10) ST(11) ST(12) ST(13) ST(14) ST(15)
                   : "+a"(rax)
                   : [in] "r"(in), [out] "r"(out), "D"(rdi), "S"(rsi), "d"(rdx)
                   : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
                     "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14",
                     "xmm15");
  if (rax != 0) printf("sse: tgkill returned %ld\n", rax);
  for (int i = 0; i < 16; i++)
    if (memcmp(in[i], out[i], 16) != 0) printf("sse: xmm%d differs\n", i);
  return rax == 0 && memcmp(in, out, sizeof(in)) == 0;
}

// Synchronous faults.
static sigjmp_buf jb;
static volatile int f_signo, f_code;
static void* volatile f_addr;
static void fault_handler(int sig, siginfo_t* si, void* uc) {
  (void)uc;
  f_signo = sig;
  f_code = si->si_code;
  f_addr = si->si_addr;
  siglongjmp(jb, 1);
}
extern char fpe_insn[], ill_insn[], ill_skip_insn[];
static int do_div(int a, int b) {
  int q;
  __asm__ volatile(
      "cltd\n"
      ".globl fpe_insn\nfpe_insn: idivl %2\n"
      : "=a"(q)
      : "a"(a), "r"(b)
      : "rdx");
  return q;
}
static void do_ud2(void) { __asm__ volatile(".globl ill_insn\nill_insn: ud2\n"); }
static volatile int skipped;
static void skip_handler(int sig, siginfo_t* si, void* ucv) {
  (void)sig;
  ucontext_t* uc = ucv;
  skipped = si->si_addr == (void*)ill_skip_insn &&
            uc->uc_mcontext.gregs[REG_RIP] == (greg_t)ill_skip_insn;
  uc->uc_mcontext.gregs[REG_RIP] += 2;  // step over ud2
  uc->uc_mcontext.gregs[REG_RBX] = 77;  // and change a register
}
static long ud2_skip(void) {
  long rbx = 1;
  __asm__ volatile(".globl ill_skip_insn\nill_skip_insn: ud2\n" : "+b"(rbx)::"memory");
  return rbx;
}

// A helper thread keeps sending `sig` to the main thread until told to stop.
static pid_t main_tid;
static atomic_int pester_stop, pester_sig, pester_write_fd;
static void* pester(void* arg) {
  (void)arg;
  int sent = 0;
  while (!atomic_load(&pester_stop)) {
    syscall(SYS_tgkill, getpid(), main_tid, atomic_load(&pester_sig));
    usleep(5000);
    if (++sent == 5 && atomic_load(&pester_write_fd) >= 0) {
      if (write(atomic_load(&pester_write_fd), "R", 1) != 1) return NULL;
      break;
    }
  }
  return NULL;
}

static int child_status(pid_t pid) {
  int ws;
  if (waitpid(pid, &ws, 0) != pid) return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int main(void) {
  check_init();
  main_tid = gettid_();
  sigset_t empty, set, old;
  sigemptyset(&empty);

  // siginfo for kill / tgkill / sigqueue / rt_sigqueueinfo.
  CHECK("sigaction_siginfo", set_handler(SIGUSR1, info_handler, 0) == 0);
  hits = 0;
  kill(getpid(), SIGUSR1);
  CHECK("kill_delivered", hits == 1 && last_signo == SIGUSR1);
  CHECK("kill_si_code_si_user", last_code == SI_USER);
  CHECK("kill_si_pid_uid", last_pid_ok && last_uid_ok);
  CHECK("handler_mask_has_self", mask_had_self == 1);
  syscall(SYS_tgkill, getpid(), gettid_(), SIGUSR1);
  CHECK("tgkill_si_code_si_tkill", hits == 2 && last_code == SI_TKILL);
  syscall(SYS_tkill, gettid_(), SIGUSR1);
  CHECK("tkill_si_code_si_tkill", hits == 3 && last_code == SI_TKILL);
  union sigval sv = {.sival_int = 1234};
  CHECK("sigqueue", sigqueue(getpid(), SIGUSR1, sv) == 0);
  CHECK("sigqueue_si_queue_value", hits == 4 && last_code == SI_QUEUE && last_value == 1234);
  siginfo_t qi;
  memset(&qi, 0, sizeof(qi));
  qi.si_signo = SIGUSR1;
  qi.si_code = SI_QUEUE;
  qi.si_pid = getpid();
  qi.si_uid = getuid();
  qi.si_value.sival_int = 5678;
  CHECK("rt_sigqueueinfo", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, &qi) == 0);
  CHECK("rt_sigqueueinfo_value", hits == 5 && last_code == SI_QUEUE && last_value == 5678);
  qi.si_value.sival_int = 91;
  CHECK("rt_tgsigqueueinfo", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid_(), SIGUSR1, &qi) == 0 &&
                                 hits == 6 && last_value == 91);
  raise(SIGUSR1);
  CHECK("raise_is_tkill", hits == 7 && last_code == SI_TKILL);

  // sa_mask and SA_NODEFER.
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGUSR2);
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  CHECK("sa_mask_applied_in_handler", mask_had_usr2 == 1 && mask_had_self == 1);
  sigprocmask(SIG_BLOCK, NULL, &set);
  CHECK("mask_restored_after_handler", !sigismember(&set, SIGUSR2) && !sigismember(&set, SIGUSR1));
  set_handler(SIGUSR1, info_handler, SA_NODEFER);
  raise(SIGUSR1);
  CHECK("sa_nodefer_self_not_masked", mask_had_self == 0);

  // SA_RESETHAND: one delivery, then SIG_DFL.
  set_handler(SIGUSR1, info_handler, SA_RESETHAND);
  hits = 0;
  raise(SIGUSR1);
  struct sigaction cur;
  sigaction(SIGUSR1, NULL, &cur);
  CHECK("sa_resethand_delivered", hits == 1);
  CHECK("sa_resethand_now_default", cur.sa_handler == SIG_DFL);
  CHECK("sa_resethand_self_still_masked", mask_had_self == 1);

  // sigaction errors and oldact.
  CHECK_ERR("sigaction_sigkill_einval", sigaction(SIGKILL, &sa, NULL), EINVAL);
  CHECK_ERR("sigaction_sigstop_einval", sigaction(SIGSTOP, &sa, NULL), EINVAL);
  CHECK_ERR("sigaction_0_einval", syscall(SYS_rt_sigaction, 0, NULL, &cur, 8), EINVAL);
  CHECK_ERR("sigaction_65_einval", syscall(SYS_rt_sigaction, 65, NULL, &cur, 8), EINVAL);
  CHECK_ERR("rt_sigaction_bad_sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &cur, 4), EINVAL);
  CHECK("sigaction_query_sigkill_ok", sigaction(SIGKILL, NULL, &cur) == 0 && cur.sa_handler == SIG_DFL);
  set_handler(SIGUSR1, info_handler, SA_RESTART);
  sigaction(SIGUSR1, NULL, &cur);
  CHECK("sigaction_oldact_flags", (cur.sa_flags & (SA_SIGINFO | SA_RESTART)) == (SA_SIGINFO | SA_RESTART) &&
                                      cur.sa_sigaction == info_handler);

  // Blocking, pending, coalescing and queueing.
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  CHECK("sigprocmask_block", sigprocmask(SIG_BLOCK, &set, &old) == 0);
  CHECK("sigprocmask_old_empty", !sigismember(&old, SIGUSR1));
  hits = 0;
  raise(SIGUSR1);
  raise(SIGUSR1);
  sigset_t pend;
  sigpending(&pend);
  CHECK("blocked_not_delivered", hits == 0);
  CHECK("sigpending_has_it", sigismember(&pend, SIGUSR1) && !sigismember(&pend, SIGUSR2));
  sigprocmask(SIG_UNBLOCK, &set, &old);
  CHECK("sigprocmask_old_has_usr1", sigismember(&old, SIGUSR1));
  CHECK("standard_signal_coalesced", hits == 1);
  sigpending(&pend);
  CHECK("sigpending_cleared", !sigismember(&pend, SIGUSR1));
  sigfillset(&set);
  sigprocmask(SIG_SETMASK, &set, &old);
  sigprocmask(SIG_SETMASK, NULL, &set);
  CHECK("cannot_block_kill_stop", !sigismember(&set, SIGKILL) && !sigismember(&set, SIGSTOP) &&
                                      sigismember(&set, SIGTERM));
  sigprocmask(SIG_SETMASK, &old, NULL);
  CHECK_ERR("sigprocmask_bad_how_einval", sigprocmask(12345, &set, NULL), EINVAL);
  CHECK_ERR("rt_sigprocmask_bad_size_einval", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &old, 4), EINVAL);

  // Delivery order: lowest number first; RT signals queue.
  struct sigaction osa;
  memset(&osa, 0, sizeof(osa));
  osa.sa_handler = order_handler;
  int sigs[4] = {SIGUSR1, SIGUSR2, SIGRTMIN, SIGRTMIN + 1};
  sigemptyset(&set);
  for (int i = 0; i < 4; i++) sigaddset(&set, sigs[i]);
  // Each handler masks all four so handlers don't nest (nested frames would
  // run the last-delivered signal first).
  osa.sa_mask = set;
  for (int i = 0; i < 4; i++) sigaction(sigs[i], &osa, NULL);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGRTMIN + 1);
  raise(SIGRTMIN);
  raise(SIGRTMIN);
  raise(SIGUSR2);
  raise(SIGRTMIN);
  raise(SIGUSR1);
  norder = 0;
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  CHECK("delivery_count_rt_queued", norder == 6);
  CHECK("delivery_order", order[0] == SIGUSR1 && order[1] == SIGUSR2 && order[2] == SIGRTMIN &&
                              order[3] == SIGRTMIN && order[4] == SIGRTMIN && order[5] == SIGRTMIN + 1);

  // Ignored signals are discarded, even when pending.
  signal(SIGUSR2, SIG_IGN);
  raise(SIGUSR2);
  CHECK("ignored_signal_nothing", 1);
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  signal(SIGUSR1, SIG_IGN);
  sigpending(&pend);
  CHECK("ignoring_discards_pending", !sigismember(&pend, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &set, NULL);

  // sigaltstack + SA_ONSTACK.
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack), .ss_flags = 0};
  stack_t oss;
  CHECK("sigaltstack_set", sigaltstack(&ss, &oss) == 0);
  CHECK("sigaltstack_old_disabled", oss.ss_flags == SS_DISABLE);
  sigaltstack(NULL, &oss);
  CHECK("sigaltstack_query", oss.ss_sp == altstack && oss.ss_size == sizeof(altstack) && oss.ss_flags == 0);
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = alt_handler;
  sa.sa_flags = SA_ONSTACK;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
  CHECK("sa_onstack_runs_on_altstack", on_alt == 1);
  CHECK("sigaltstack_ss_onstack_inside", alt_flag_onstack == 1);
  sa.sa_flags = 0;
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR2);
  CHECK("no_sa_onstack_normal_stack", on_alt == 0 && alt_flag_onstack == 0);
  stack_t small = {.ss_sp = altstack, .ss_size = 512, .ss_flags = 0};
  CHECK_ERR("sigaltstack_too_small_enomem", sigaltstack(&small, NULL), ENOMEM);
  small.ss_flags = 0x1234;
  small.ss_size = sizeof(altstack);
  CHECK_ERR("sigaltstack_bad_flags_einval", sigaltstack(&small, NULL), EINVAL);
  ss.ss_flags = SS_DISABLE;
  CHECK("sigaltstack_disable", sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &oss) == 0 &&
                                   oss.ss_flags == SS_DISABLE);

  // FP/SSE state survives a handler that clobbers it.
  signal(SIGUSR2, sse_clobber_handler);
  CHECK("sse_registers_preserved", sse_preserved_across_signal());
  volatile double x = 1.0 / 3.0;
  raise(SIGUSR2);
  CHECK("double_preserved", x * 3.0 == 1.0);

  // sigsuspend: a pending blocked signal is delivered, then the mask returns.
  set_handler(SIGUSR1, info_handler, 0);
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGUSR1);
  hits = 0;
  CHECK_ERR("sigsuspend_eintr", sigsuspend(&empty), EINTR);
  CHECK("sigsuspend_handler_ran", hits == 1);
  sigprocmask(SIG_BLOCK, NULL, &old);
  CHECK("sigsuspend_mask_restored", sigismember(&old, SIGUSR1));

  // sigtimedwait / sigwaitinfo (SIGUSR1 blocked).
  struct timespec ts10 = {0, 10 * 1000 * 1000};
  siginfo_t wi;
  CHECK_ERR("sigtimedwait_timeout_eagain", sigtimedwait(&set, &wi, &ts10), EAGAIN);
  struct timespec bad = {0, 1000000000};
  CHECK_ERR("sigtimedwait_bad_timespec_einval", sigtimedwait(&set, &wi, &bad), EINVAL);
  sv.sival_int = 42;
  sigqueue(getpid(), SIGUSR1, sv);
  CHECK("sigtimedwait_returns_signal", sigtimedwait(&set, &wi, &ts10) == SIGUSR1);
  CHECK("sigtimedwait_info", wi.si_signo == SIGUSR1 && wi.si_code == SI_QUEUE && wi.si_value.sival_int == 42);
  kill(getpid(), SIGUSR1);
  CHECK("sigwaitinfo", sigwaitinfo(&set, &wi) == SIGUSR1 && wi.si_code == SI_USER);
  struct timespec zero = {0, 0};
  CHECK_ERR("sigtimedwait_zero_poll_eagain", sigtimedwait(&set, &wi, &zero), EAGAIN);
  CHECK("no_handler_ran_for_waited", hits == 1);
  sigprocmask(SIG_UNBLOCK, &set, NULL);

  // pause() interrupted by a signal from another thread.
  pthread_t th;
  atomic_store(&pester_stop, 0);
  atomic_store(&pester_sig, SIGUSR1);
  atomic_store(&pester_write_fd, -1);
  pthread_create(&th, NULL, pester, NULL);
  CHECK_ERR("pause_eintr", pause(), EINTR);
  atomic_store(&pester_stop, 1);
  pthread_join(th, NULL);

  // Blocking read on an empty pipe: EINTR without SA_RESTART, restarted with it.
  int p[2];
  CHECK("pipe", pipe(p) == 0);
  set_handler(SIGUSR1, info_handler, 0);
  atomic_store(&pester_stop, 0);
  pthread_create(&th, NULL, pester, NULL);
  char c;
  CHECK_ERR("read_eintr_without_restart", read(p[0], &c, 1), EINTR);
  atomic_store(&pester_stop, 1);
  pthread_join(th, NULL);
  set_handler(SIGUSR1, info_handler, SA_RESTART);
  hits = 0;
  atomic_store(&pester_stop, 0);
  atomic_store(&pester_write_fd, p[1]);
  pthread_create(&th, NULL, pester, NULL);
  CHECK("read_restarted_with_sa_restart", read(p[0], &c, 1) == 1 && c == 'R');
  pthread_join(th, NULL);
  CHECK("sa_restart_handler_ran", hits >= 1);
  close(p[0]);
  close(p[1]);

  // kill/tkill/tgkill errors.
  CHECK("kill_sig0_self", kill(getpid(), 0) == 0);
  CHECK_ERR("kill_65_einval", kill(getpid(), 65), EINVAL);
  CHECK_ERR("kill_negative_sig_einval", kill(getpid(), -1), EINVAL);
  CHECK_ERR("tgkill_65_einval", syscall(SYS_tgkill, getpid(), gettid_(), 65), EINVAL);
  CHECK_ERR("tgkill_tid0_einval", syscall(SYS_tgkill, getpid(), 0, SIGUSR1), EINVAL);
  CHECK_ERR("tkill_tid_neg_einval", syscall(SYS_tkill, -5, SIGUSR1), EINVAL);
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  child_status(dead);
  CHECK_ERR("kill_reaped_esrch", kill(dead, 0), ESRCH);
  CHECK_ERR("tkill_reaped_esrch", syscall(SYS_tkill, dead, SIGUSR1), ESRCH);
  CHECK_ERR("tgkill_wrong_tgid_esrch", syscall(SYS_tgkill, dead, gettid_(), 0), ESRCH);
  CHECK_ERR("rt_sigqueueinfo_65_einval", syscall(SYS_rt_sigqueueinfo, getpid(), 65, &qi), EINVAL);

  // SIGCHLD with si_status; zombie until waited.
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  pid_t ch = fork();
  if (ch == 0) _exit(7);
  CHECK("sigchld_received", sigwaitinfo(&set, &wi) == SIGCHLD);
  CHECK("sigchld_info", wi.si_code == CLD_EXITED && wi.si_status == 7 && wi.si_pid == ch);
  CHECK("sigchld_child_is_zombie", kill(ch, 0) == 0);
  CHECK("sigchld_wait_status", child_status(ch) == 7);
  ch = fork();
  if (ch == 0) {
    raise(SIGTERM);
    _exit(1);
  }
  CHECK("sigchld_killed_info", sigwaitinfo(&set, &wi) == SIGCHLD && wi.si_code == CLD_KILLED &&
                                   wi.si_status == SIGTERM);
  int ws;
  CHECK("default_sigterm_kills", waitpid(ch, &ws, 0) == ch && WIFSIGNALED(ws) && WTERMSIG(ws) == SIGTERM);
  sigprocmask(SIG_UNBLOCK, &set, NULL);

  // Stop / continue. The child waits for a byte after it continues, so its
  // exit cannot replace the "continued" state before the parent sees it.
  int go[2];
  CHECK("stop_pipe", pipe(go) == 0);
  ch = fork();
  if (ch == 0) {
    char b;
    close(go[1]);
    raise(SIGSTOP);
    _exit(read(go[0], &b, 1) == 1 ? 3 : 4);
  }
  close(go[0]);
  CHECK("wuntraced_stopped", waitpid(ch, &ws, WUNTRACED) == ch && WIFSTOPPED(ws) && WSTOPSIG(ws) == SIGSTOP);
  CHECK("sigcont_sent", kill(ch, SIGCONT) == 0);
  CHECK("wcontinued_continued", waitpid(ch, &ws, WCONTINUED) == ch && WIFCONTINUED(ws));
  CHECK("release_child", write(go[1], "x", 1) == 1);
  close(go[1]);
  CHECK("after_continue_exit_3", child_status(ch) == 3);
  // SIGKILL a stopped child.
  ch = fork();
  if (ch == 0) {
    raise(SIGSTOP);
    _exit(3);
  }
  waitpid(ch, &ws, WUNTRACED);
  kill(ch, SIGKILL);
  CHECK("sigkill_stopped_child", child_status(ch) == 128 + SIGKILL);
  // Default-ignored SIGCHLD and SIGURG/SIGWINCH don't kill.
  ch = fork();
  if (ch == 0) {
    raise(SIGCHLD);
    raise(SIGURG);
    raise(SIGWINCH);
    _exit(4);
  }
  CHECK("default_ignored_signals", child_status(ch) == 4);
  // Default SIGUSR1 kills.
  ch = fork();
  if (ch == 0) {
    signal(SIGUSR1, SIG_DFL);
    raise(SIGUSR1);
    _exit(4);
  }
  CHECK("default_sigusr1_kills", child_status(ch) == 128 + SIGUSR1);
  // SIGCHLD = SIG_IGN: children are reaped automatically; wait gives ECHILD.
  ch = fork();
  if (ch == 0) {
    signal(SIGCHLD, SIG_IGN);
    pid_t g = fork();
    if (g == 0) _exit(0);
    errno = 0;
    pid_t w = waitpid(-1, &ws, 0);
    _exit(w == -1 && errno == ECHILD ? 0 : 1);
  }
  CHECK("sigchld_ign_autoreap_echild", child_status(ch) == 0);

  // SIGPIPE: default kills; handled -> EPIPE.
  ch = fork();
  if (ch == 0) {
    int q[2];
    if (pipe(q) != 0) _exit(2);
    close(q[0]);
    signal(SIGPIPE, SIG_DFL);
    if (write(q[1], "x", 1) < 0) _exit(5);
    _exit(6);
  }
  CHECK("sigpipe_default_kills", child_status(ch) == 128 + SIGPIPE);
  set_handler(SIGPIPE, info_handler, 0);
  CHECK("pipe2", pipe(p) == 0);
  close(p[0]);
  hits = 0;
  CHECK_ERR("write_closed_pipe_epipe", write(p[1], "x", 1), EPIPE);
  CHECK("sigpipe_handler_ran", hits == 1 && last_signo == SIGPIPE);
  close(p[1]);

  // Synchronous faults in handlers; siglongjmp out restores the mask.
  set_handler(SIGSEGV, fault_handler, 0);
  set_handler(SIGFPE, fault_handler, 0);
  set_handler(SIGILL, fault_handler, 0);
  set_handler(SIGBUS, fault_handler, 0);
  if (sigsetjmp(jb, 1) == 0) {
    *bad_ptr = 1;
    CHECK("segv_raised", 0);
  }
  CHECK("segv_null_info", f_signo == SIGSEGV && f_code == SEGV_MAPERR && f_addr == (void*)16);
  sigprocmask(SIG_BLOCK, NULL, &old);
  CHECK("siglongjmp_restored_mask", !sigismember(&old, SIGSEGV));
  if (sigsetjmp(jb, 1) == 0) {
    volatile int zero_div = 0;
    do_div(5, zero_div);
    CHECK("fpe_raised", 0);
  }
  CHECK("fpe_intdiv_info", f_signo == SIGFPE && f_code == FPE_INTDIV && f_addr == (void*)fpe_insn);
  if (sigsetjmp(jb, 1) == 0) {
    do_ud2();
    CHECK("ill_raised", 0);
  }
  CHECK("ill_illopn_info", f_signo == SIGILL && f_code == ILL_ILLOPN && f_addr == (void*)ill_insn);
  set_handler(SIGILL, skip_handler, 0);
  CHECK("handler_edits_ucontext", ud2_skip() == 77 && skipped == 1);
  // A fault with the signal blocked kills the process.
  ch = fork();
  if (ch == 0) {
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigprocmask(SIG_BLOCK, &set, NULL);
    *bad_ptr = 1;
    _exit(1);
  }
  CHECK("blocked_segv_kills", child_status(ch) == 128 + SIGSEGV);
  ch = fork();
  if (ch == 0) {
    signal(SIGSEGV, SIG_IGN);
    *bad_ptr = 1;
    _exit(1);
  }
  CHECK("ignored_segv_kills", child_status(ch) == 128 + SIGSEGV);

  return check_exit();
}
