// Processes: fork trees with pipes, wait4/waitpid/waitid flavours, exit
// statuses, getppid, sessions and process groups, vfork, clone3, prctl.
#include "check.h"

#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int status_of(pid_t pid) {
  int ws;
  if (waitpid(pid, &ws, 0) != pid) return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

// As PID 1 (the sandbox's init) this process would adopt every orphan of
// the tests, which a process in a host session never does: then the tests
// run in a child and this init only forwards its status and reaps.
static int run_tests(void);

int main(void) {
  check_init();
  if (getpid() != 1) return run_tests();
  pid_t p = fork();
  if (p == 0) return run_tests();
  int ws, status = 1;
  pid_t w;
  while ((w = wait(&ws)) > 0) {
    if (w == p) status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
  }
  return status;
}

static int run_tests(void) {
  int ws;
  CHECK_ERR("wait_no_children_echild", wait(&ws), ECHILD);
  CHECK_ERR("waitpid_wnohang_no_children_echild", waitpid(-1, &ws, WNOHANG), ECHILD);

  // Exit statuses 0..255 round trip.
  int okst = 1;
  int sts[] = {0, 1, 42, 127, 255, 256 + 3};
  for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
    pid_t p = fork();
    if (p == 0) _exit(sts[i]);
    if (status_of(p) != (sts[i] & 0xff)) okst = 0;
  }
  CHECK("exit_statuses", okst);

  // getppid in the child equals our pid.
  pid_t me = getpid();
  pid_t p = fork();
  if (p == 0) _exit(getppid() == me ? 0 : 1);
  CHECK("child_getppid", status_of(p) == 0);
  CHECK("fork_returns_distinct_pid", p > 0 && p != me);

  // A tree: parent -> 3 children -> 2 grandchildren each; every grandchild
  // writes its number into a pipe to its parent, who sums and writes to us.
  int up[2];
  CHECK("pipe", pipe(up) == 0);
  for (int c = 0; c < 3; c++) {
    p = fork();
    if (p == 0) {
      int gp[2];
      if (pipe(gp) != 0) _exit(2);
      for (int g = 0; g < 2; g++) {
        pid_t q = fork();
        if (q == 0) {
          int v = c * 10 + g;
          _exit(write(gp[1], &v, sizeof(v)) == sizeof(v) ? 0 : 3);
        }
      }
      close(gp[1]);
      int sum = 0, v;
      while (read(gp[0], &v, sizeof(v)) == sizeof(v)) sum += v;
      int bad = 0;
      for (int g = 0; g < 2; g++)
        if (wait(&ws) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) bad = 1;
      if (wait(&ws) != -1 || errno != ECHILD) bad = 1;
      _exit(write(up[1], &sum, sizeof(sum)) == sizeof(sum) && !bad ? 0 : 4);
    }
  }
  close(up[1]);
  int total = 0, v, nread = 0;
  while (read(up[0], &v, sizeof(v)) == sizeof(v)) total += v, nread++;
  close(up[0]);
  int good = 1;
  for (int c = 0; c < 3; c++)
    if (wait(&ws) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) good = 0;
  CHECK("tree_data", nread == 3 && total == (0 + 1) + (10 + 11) + (20 + 21));
  CHECK("tree_statuses", good);

  // WNOHANG on a running child returns 0; waitid variants.
  int gate[2];
  CHECK("gate_pipe", pipe(gate) == 0);
  p = fork();
  if (p == 0) {
    char c;
    close(gate[1]);
    _exit(read(gate[0], &c, 1) == 0 ? 9 : 8);
  }
  close(gate[0]);
  CHECK("wnohang_running_0", waitpid(p, &ws, WNOHANG) == 0);
  siginfo_t si;
  memset(&si, 0, sizeof(si));
  CHECK("waitid_wnohang_running", waitid(P_PID, p, &si, WEXITED | WNOHANG) == 0 && si.si_pid == 0);
  close(gate[1]);
  memset(&si, 0, sizeof(si));
  CHECK("waitid_wnowait", waitid(P_PID, p, &si, WEXITED | WNOWAIT) == 0 && si.si_pid == p &&
                              si.si_code == CLD_EXITED && si.si_status == 9);
  memset(&si, 0, sizeof(si));
  CHECK("waitid_wexited", waitid(P_ALL, 0, &si, WEXITED) == 0 && si.si_pid == p &&
                              si.si_signo == SIGCHLD && si.si_status == 9);
  CHECK_ERR("waitid_gone_echild", waitid(P_PID, p, &si, WEXITED), ECHILD);
  CHECK_ERR("waitid_no_options_einval", waitid(P_ALL, 0, &si, 0), EINVAL);
  CHECK_ERR("waitpid_bad_options_einval", waitpid(-1, &ws, 0x40000000 >> 8), EINVAL);
  // wait4 with rusage and __WALL.
  p = fork();
  if (p == 0) _exit(12);
  struct rusage ru;
  CHECK("wait4_wall_rusage", wait4(p, &ws, __WALL, &ru) == p && WEXITSTATUS(ws) == 12);
  // Killed child: waitid CLD_KILLED.
  p = fork();
  if (p == 0) {
    for (;;) pause();
  }
  kill(p, SIGKILL);
  memset(&si, 0, sizeof(si));
  CHECK("waitid_killed", waitid(P_PID, p, &si, WEXITED) == 0 && si.si_code == CLD_KILLED &&
                             si.si_status == SIGKILL);

  // Sessions and process groups (in a child: we may be a group leader).
  p = fork();
  if (p == 0) {
    int r = 0;
    pid_t self = getpid();
    if (getpgid(0) == self) r |= 1;          // not a leader yet
    if (setsid() != self) r |= 2;
    if (getsid(0) != self || getpgid(0) != self || getpgrp() != self) r |= 4;
    if (setsid() != -1 || errno != EPERM) r |= 8;  // already leader
    pid_t c = fork();
    if (c == 0) {
      if (setpgid(0, 0) != 0) _exit(1);
      if (getpgid(0) != getpid() || getsid(0) != self) _exit(2);
      _exit(0);
    }
    int w;
    waitpid(c, &w, 0);
    if (!WIFEXITED(w) || WEXITSTATUS(w) != 0) r |= 16;
    if (setpgid(0, 12345678) != -1) r |= 32;
    if (getsid(999999999) != -1 || errno != ESRCH) r |= 64;
    _exit(r);
  }
  CHECK("setsid_setpgid_getsid", status_of(p) == 0);
  CHECK_ERR("setpgid_negative_einval", setpgid(0, -1), EINVAL);
  CHECK_ERR("getpgid_nonexistent_esrch", getpgid(999999999), ESRCH);
  // setpgid on a child from the parent.
  CHECK("gate_pipe2", pipe(gate) == 0);
  p = fork();
  if (p == 0) {
    char c;
    close(gate[1]);
    (void)read(gate[0], &c, 1);
    _exit(getpgid(0) == getpid() ? 0 : 1);
  }
  close(gate[0]);
  CHECK("setpgid_child", setpgid(p, p) == 0 && getpgid(p) == p);
  close(gate[1]);
  CHECK("setpgid_child_seen", status_of(p) == 0);
  // waitpid(-pgid) waits for that group.
  p = fork();
  if (p == 0) {
    setpgid(0, 0);
    _exit(17);
  }
  setpgid(p, p);
  CHECK("waitpid_by_pgid", waitpid(-p, &ws, 0) == p && WEXITSTATUS(ws) == 17);

  // vfork: the parent waits until _exit; memory is shared meanwhile.
  volatile int shared_var = 1;
  p = vfork();
  if (p == 0) {
    shared_var = 2;
    _exit(5);
  }
  CHECK("vfork_shares_memory", shared_var == 2);
  CHECK("vfork_exit_status", status_of(p) == 5);
  // vfork + execve of a nonexistent program, then of a real one (ourself? no:
  // /proc-free) — exec failure is reported through the shared variable.
  volatile int exec_errno = 0;
  p = vfork();
  if (p == 0) {
    char* argv[] = {"/nonexistent/prog", NULL};
    execve(argv[0], argv, NULL);
    exec_errno = errno;
    _exit(127);
  }
  CHECK("vfork_execve_enoent", exec_errno == ENOENT && status_of(p) == 127);

  // clone3 with exit_signal SIGCHLD behaves like fork.
  struct clone_args ca;
  memset(&ca, 0, sizeof(ca));
  ca.exit_signal = SIGCHLD;
  long c3 = syscall(SYS_clone3, &ca, sizeof(ca));
  if (c3 == 0) _exit(getppid() == me ? 33 : 34);
  CHECK("clone3_fork", c3 > 0 && status_of((pid_t)c3) == 33);
  CHECK_ERR("clone3_small_size_einval", syscall(SYS_clone3, &ca, 8), EINVAL);
  memset(&ca, 0, sizeof(ca));
  ca.flags = CLONE_THREAD;  // without CLONE_SIGHAND|CLONE_VM
  CHECK_ERR("clone3_thread_without_vm_einval", syscall(SYS_clone3, &ca, sizeof(ca)), EINVAL);
  // raw clone: CLONE_PARENT_SETTID writes the child pid.
  pid_t ptid = 0;
  long cr = syscall(SYS_clone, CLONE_PARENT_SETTID | SIGCHLD, NULL, &ptid, NULL, 0);
  if (cr == 0) _exit(44);
  CHECK("clone_parent_settid", cr > 0 && ptid == cr && status_of((pid_t)cr) == 44);

  // prctl.
  char name[32] = {0};
  CHECK("pr_set_name", prctl(PR_SET_NAME, "core-proc-test-long-name") == 0);
  CHECK("pr_get_name_truncated", prctl(PR_GET_NAME, name) == 0 && strcmp(name, "core-proc-test-") == 0);
  p = fork();
  if (p == 0) {
    char n[32] = {0};
    prctl(PR_GET_NAME, n);
    _exit(strcmp(n, "core-proc-test-") == 0 ? 0 : 1);
  }
  CHECK("name_inherited_by_fork", status_of(p) == 0);
  CHECK("pr_get_dumpable", prctl(PR_GET_DUMPABLE) == 1);
  CHECK("pr_set_no_new_privs", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
                                   prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
  CHECK_ERR("pr_set_no_new_privs_bad_arg", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
  CHECK_ERR("prctl_bad_option_einval", prctl(0x7fffffff, 0, 0, 0, 0), EINVAL);
  int pds = -1;
  CHECK("pr_set_pdeathsig", prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0 &&
                                prctl(PR_GET_PDEATHSIG, &pds) == 0 && pds == SIGUSR1);
  CHECK_ERR("pr_set_pdeathsig_bad", prctl(PR_SET_PDEATHSIG, 99), EINVAL);
  prctl(PR_SET_PDEATHSIG, 0);

  // PDEATHSIG: the grandchild gets SIGKILL... reported via a pipe to us.
  int rep[2];
  CHECK("pdeath_pipe", pipe(rep) == 0);
  p = fork();
  if (p == 0) {
    int go[2];
    if (pipe(go) != 0) _exit(1);
    pid_t g = fork();
    if (g == 0) {
      close(rep[0]);
      close(go[1]);
      sigset_t s;
      sigemptyset(&s);
      sigaddset(&s, SIGUSR2);
      sigprocmask(SIG_BLOCK, &s, NULL);
      prctl(PR_SET_PDEATHSIG, SIGUSR2);
      char c;
      if (write(rep[1], "r", 1) != 1) _exit(1);  // ready
      siginfo_t info;
      int sig = sigwaitinfo(&s, &info);
      (void)read(go[0], &c, 1);
      c = sig == SIGUSR2 ? 'D' : 'x';
      (void)write(rep[1], &c, 1);
      _exit(0);
    }
    char c;
    if (read(rep[0], &c, 1) != 1) _exit(1);
    _exit(0);  // dies: grandchild gets SIGUSR2
  }
  close(rep[1]);
  CHECK("pdeath_parent_exit", status_of(p) == 0);
  char rc = 0;
  CHECK("pdeathsig_delivered", read(rep[0], &rc, 1) == 1 && rc == 'D');
  close(rep[0]);

  // PR_SET_CHILD_SUBREAPER: an orphaned grandchild is reparented to us.
  CHECK("pr_set_child_subreaper", prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  int sr = 0;
  CHECK("pr_get_child_subreaper", prctl(PR_GET_CHILD_SUBREAPER, &sr) == 0 && sr == 1);
  CHECK("subreaper_pipe", pipe(rep) == 0);
  p = fork();
  if (p == 0) {
    pid_t g = fork();
    if (g == 0) {
      close(rep[0]);
      // Wait until our parent is gone, then report our new parent.
      while (getppid() != me) usleep(1000);
      _exit(55);
    }
    _exit(0);
  }
  close(rep[1]);
  CHECK("subreaper_middle_exit", status_of(p) == 0);
  // The grandchild (not p) is now our child: wait for any child.
  pid_t w = wait(&ws);
  CHECK("subreaper_reaps_orphan", w > 0 && w != p && WIFEXITED(ws) && WEXITSTATUS(ws) == 55);
  close(rep[0]);
  CHECK_ERR("subreaper_then_echild", wait(&ws), ECHILD);

  return check_exit();
}
