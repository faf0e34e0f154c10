/* syscall_bench: ns/op of common syscalls, for one environment (native or
 * under the Sentry); bench/syscall_bench.sh runs it in both and prints them
 * side by side.
 *
 *   syscall_bench [DIR]   DIR: where to create the benchmark files (/tmp)
 *
 * Output: one "name ns_per_op" line per benchmark. Each benchmark runs for
 * about 0.3 s of wall time after a warm-up, so slow environments do fewer
 * iterations rather than take longer. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef void (*op_fn)(void);

static void run(const char* name, op_fn op) {
  for (int i = 0; i < 100; i++) op(); /* warm-up */
  long iters = 0, batch = 16;
  double start = now_ns(), elapsed = 0;
  while (elapsed < 3e8) {
    for (long i = 0; i < batch; i++) op();
    iters += batch;
    elapsed = now_ns() - start;
    if (batch < 4096) batch *= 2;
  }
  printf("%-24s %10.0f\n", name, elapsed / iters);
  fflush(stdout);
}

static char path[4096], big_path[4096];
static int file_fd, big_fd, pipe_fds[2], ep_fd;
static char buf[1 << 20];

static void op_getpid(void) { syscall(SYS_getpid); }
static void op_open_close(void) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror("open"); exit(1); }
  close(fd);
}
static void op_stat(void) {
  struct stat st;
  if (stat(path, &st) != 0) { perror("stat"); exit(1); }
}
static void op_pread_4k(void) {
  if (pread(file_fd, buf, 4096, 0) != 4096) { perror("pread"); exit(1); }
}
static void op_read_1m(void) {
  if (pread(big_fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf) { perror("pread 1M"); exit(1); }
}
static void op_pipe_64(void) {
  if (write(pipe_fds[1], buf, 64) != 64 || read(pipe_fds[0], buf, 64) != 64) {
    perror("pipe"); exit(1);
  }
}
static void op_epoll_ready(void) {
  struct epoll_event ev;
  if (epoll_wait(ep_fd, &ev, 1, 0) != 1) { perror("epoll_wait"); exit(1); }
}

static void make_file(const char* p, size_t size) {
  int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
  if (fd < 0) { perror(p); exit(1); }
  memset(buf, 'x', sizeof buf);
  for (size_t done = 0; done < size;) {
    size_t n = size - done < sizeof buf ? size - done : sizeof buf;
    if (write(fd, buf, n) != (ssize_t)n) { perror("write"); exit(1); }
    done += n;
  }
  close(fd);
}

int main(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : "/tmp";
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/syscall_bench.small", dir);
  snprintf(big_path, sizeof big_path, "%s/syscall_bench.big", dir);
  make_file(path, 8192);
  make_file(big_path, sizeof buf);
  file_fd = open(path, O_RDONLY);
  big_fd = open(big_path, O_RDONLY);
  if (file_fd < 0 || big_fd < 0 || pipe(pipe_fds) != 0) { perror("setup"); return 1; }
  int ready[2];
  if (pipe(ready) != 0 || write(ready[1], "x", 1) != 1) { perror("pipe"); return 1; }
  ep_fd = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN};
  if (ep_fd < 0 || epoll_ctl(ep_fd, EPOLL_CTL_ADD, ready[0], &ev) != 0) {
    perror("epoll"); return 1;
  }
  run("getpid", op_getpid);
  run("open+close", op_open_close);
  run("stat", op_stat);
  run("pread_4k", op_pread_4k);
  run("pread_1m", op_read_1m);
  run("pipe_write+read_64", op_pipe_64);
  run("epoll_wait_ready", op_epoll_ready);
  unlink(path);
  unlink(big_path);
  return 0;
}
