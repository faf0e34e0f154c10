// Core semantics whose test needs files the VFS (issue 5) provides:
// memfd_create for a seekable, mappable file, and execve path lookup.
// Kept apart so that the other programs can judge the Sentry today; the
// sandbox run is enabled when the VFS lands.
#include "check.h"  // first: it defines _GNU_SOURCE

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

extern char** environ;

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

int main(void) {
  check_init();
  char buf[16];
  int ws;

  // dup and fork share the file offset.
  int f = memfd_create("off", 0);
  CHECK("memfd", f >= 0);
  CHECK("memfd_write", write(f, "0123456789", 10) == 10);
  int g = dup(f);
  CHECK("dup_shares_offset", lseek(f, 2, SEEK_SET) == 2 && lseek(g, 0, SEEK_CUR) == 2);
  CHECK("read_via_dup_moves_both", read(g, buf, 3) == 3 && memcmp(buf, "234", 3) == 0 &&
                                       lseek(f, 0, SEEK_CUR) == 5);
  pid_t pid = fork();
  if (pid == 0) _exit(lseek(f, 0, SEEK_CUR) == 5 && lseek(f, 7, SEEK_SET) == 7 ? 0 : 1);
  CHECK("fork_shares_offset", waitpid(pid, &ws, 0) == pid && WEXITSTATUS(ws) == 0 &&
                                  lseek(g, 0, SEEK_CUR) == 7);
  close(f);
  close(g);

  // A shared mapping past the end of its (empty) file: SIGBUS BUS_ADRERR.
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_sigaction = fault_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, NULL);
  int mfd = memfd_create("bus", 0);
  char* bm = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
  CHECK("memfd_map", mfd >= 0 && bm != MAP_FAILED);
  if (sigsetjmp(jb, 1) == 0) {
    (void)*(volatile char*)(bm + 8);
    CHECK("bus_raised", 0);
  }
  CHECK("sigbus_adrerr_info", f_signo == SIGBUS && f_code == BUS_ADRERR && f_addr == bm + 8);
  munmap(bm, 4096);
  close(mfd);

  // execve of a directory.
  char* nav[] = {"x", NULL};
  CHECK_ERR("execve_directory_eacces", execve("/", nav, environ), EACCES);
  return check_exit();
}
