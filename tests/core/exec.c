// execve: re-executes itself (argv[0], an absolute path) in a mode and
// checks what survives: fds without close-on-exec, ignored signals, the
// blocked mask, pending signals, alarms, pid; argv and envp pass through;
// caught handlers reset. Also exec errors and exec from a thread of a
// multi-threaded process. Children print their own "ok" lines while the
// parent waits, so the output order is fixed.
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

extern char** environ;
static const char* self;

static void on_usr1(int sig) { (void)sig; }

static int run_mode(char* const argv[], char* const envp[]) {
  pid_t p = fork();
  if (p == 0) {
    execve(self, argv, envp);
    _exit(126);
  }
  int ws;
  if (waitpid(p, &ws, 0) != p) return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

static int child_after_exec(int argc, char** argv) {
  CHECK("exec_argc", argc == 5);
  CHECK("exec_argv_words", strcmp(argv[2], "two words") == 0 && strcmp(argv[3], "") == 0);
  CHECK("exec_envp", getenv("CORE_X") && strcmp(getenv("CORE_X"), "y z") == 0 &&
                         getenv("CORE_TEST") == NULL);
  CHECK("exec_same_pid", getpid() == atoi(argv[4]));
  CHECK_ERR("exec_cloexec_fd_closed", fcntl(10, F_GETFD), EBADF);
  CHECK_ERR("exec_pipe2_cloexec_closed", fcntl(12, F_GETFD), EBADF);
  CHECK("exec_plain_fd_open", fcntl(11, F_GETFD) == 0);
  CHECK("exec_plain_fd_usable", write(11, "k", 1) == 1);
  struct sigaction sa;
  sigaction(SIGUSR1, NULL, &sa);
  CHECK("exec_caught_handler_reset", sa.sa_handler == SIG_DFL);
  sigaction(SIGUSR2, NULL, &sa);
  CHECK("exec_ignored_stays_ignored", sa.sa_handler == SIG_IGN);
  sigset_t m, pend;
  sigprocmask(SIG_BLOCK, NULL, &m);
  CHECK("exec_mask_preserved", sigismember(&m, SIGINT) && !sigismember(&m, SIGUSR1));
  sigpending(&pend);
  CHECK("exec_pending_preserved", sigismember(&pend, SIGINT));
  unsigned left = alarm(0);
  CHECK("exec_alarm_preserved", left >= 90 && left <= 100);
  stack_t ss;
  sigaltstack(NULL, &ss);
  CHECK("exec_altstack_reset", ss.ss_flags == SS_DISABLE);
  return check_exit();
}

static void* spinner(void* arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}
static void* exec_from_thread(void* arg) {
  char* argv[] = {(char*)self, "afterthreads", (char*)arg, NULL};
  execve(self, argv, environ);
  _exit(125);
}

int main(int argc, char** argv) {
  check_init();
  self = argv[0];
  if (argc > 1 && strcmp(argv[1], "child") == 0) return child_after_exec(argc, argv);
  if (argc > 2 && strcmp(argv[1], "afterthreads") == 0) {
    CHECK("exec_from_thread_ran", 1);
    CHECK("exec_from_thread_same_pid", getpid() == atoi(argv[2]));
    CHECK("exec_from_thread_tid_is_pid", syscall(SYS_gettid) == getpid());
    return check_exit();
  }
  if (argc > 1 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  CHECK("argv0_absolute", self[0] == '/');

  // Set up state, then fork + exec "child".
  int p[2], q[2];
  CHECK("pipes", pipe(p) == 0 && pipe2(q, O_CLOEXEC) == 0);
  CHECK("fd10_cloexec", dup3(p[1], 10, O_CLOEXEC) == 10);
  CHECK("fd11_plain", dup2(p[1], 11) == 11);
  CHECK("fd12_from_pipe2_cloexec", dup3(q[1], 12, O_CLOEXEC) == 12);
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, SIG_IGN);
  sigset_t m;
  sigemptyset(&m);
  sigaddset(&m, SIGINT);
  sigprocmask(SIG_BLOCK, &m, NULL);
  pid_t c = fork();
  if (c == 0) {
    char pidbuf[32];
    snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
    char* av[] = {(char*)self, "child", "two words", "", pidbuf, NULL};
    char* ev[] = {"CORE_X=y z", "OTHER=1", NULL};
    raise(SIGINT);  // stays pending (blocked) across exec
    alarm(100);
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    execve(self, av, ev);
    _exit(126);
  }
  int ws;
  CHECK("exec_child_status", waitpid(c, &ws, 0) == c && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
  close(10);
  close(11);
  close(12);
  close(p[1]);
  close(q[1]);
  char buf[4];
  CHECK("exec_child_wrote_inherited_fd", read(p[0], buf, sizeof(buf)) == 1 && buf[0] == 'k');
  close(p[0]);
  close(q[0]);
  sigprocmask(SIG_UNBLOCK, &m, NULL);

  // Exit status of the new image.
  char* ex[] = {(char*)self, "exit", "77", NULL};
  CHECK("exec_exit_status", run_mode(ex, environ) == 77);

  // Errors.
  char* nav[] = {"x", NULL};
  CHECK_ERR("execve_enoent", execve("/nonexistent/file", nav, environ), ENOENT);
  CHECK_ERR("execve_empty_path_enoent", execve("", nav, environ), ENOENT);
  CHECK_ERR("execve_bad_path_efault", syscall(SYS_execve, (char*)8, nav, environ), EFAULT);
  CHECK_ERR("execve_bad_argv_efault", syscall(SYS_execve, self, (char**)8, environ), EFAULT);
  CHECK("still_running_after_failed_exec", 1);

  // exec from a non-leader thread of a process with several threads.
  c = fork();
  if (c == 0) {
    static char pidbuf[32];
    snprintf(pidbuf, sizeof(pidbuf), "%d", getpid());
    pthread_t t;
    for (int i = 0; i < 3; i++) pthread_create(&t, NULL, spinner, NULL);
    pthread_create(&t, NULL, exec_from_thread, pidbuf);
    for (;;) pause();
  }
  CHECK("exec_from_thread_status", waitpid(c, &ws, 0) == c && WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
  return check_exit();
}
