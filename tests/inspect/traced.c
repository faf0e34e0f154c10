/* The fixed program whose strace lines strace_test.cc expects. It makes
 * its syscalls directly (no libc wrappers that add calls of their own). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  syscall(SYS_mkdir, "/work", 0755);
  long fd = syscall(SYS_openat, AT_FDCWD, "/work/t.txt", O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
  syscall(SYS_write, fd, "hello\n\tworld\"\x01", 14);
  syscall(SYS_close, fd);
  syscall(SYS_openat, AT_FDCWD, "/nonexistent", O_RDONLY);
  int p[2];
  syscall(SYS_pipe2, p, O_NONBLOCK);
  char buf[64];
  syscall(SYS_read, p[0], buf, sizeof buf);
  syscall(SYS_write, p[1], "0123456789abcdefghijklmnopqrstuvwxyz0123456789", 46);
  syscall(SYS_read, p[0], buf, 4);
  long m = syscall(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  syscall(SYS_munmap, m, 8192);
  unsigned long set = (1ul << (SIGUSR1 - 1)) | (1ul << (SIGTERM - 1));
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 8);
  syscall(SYS_exit_group, 3);
  return 0;
}
