// File descriptors and pipes: dup/dup2/dup3, fcntl, pipe2 flags,
// PIPE_BUF atomicity, blocking and EOF, EPIPE, shared offsets, EMFILE.
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int wake_fd;
static void* late_writer(void* arg) {
  (void)arg;
  usleep(20000);
  if (write(wake_fd, "w", 1) != 1) return (void*)1;
  return NULL;
}

int main(void) {
  check_init();
  int p[2];
  CHECK("pipe", pipe(p) == 0);
  int d = dup(p[0]);
  CHECK("dup_lowest", d > p[1]);
  int low = dup(0);
  close(low);
  CHECK("dup_returns_lowest_free", dup(p[0]) == low);
  close(low);
  CHECK("dup2_same_fd_returns_it", dup2(p[0], p[0]) == p[0]);
  CHECK_ERR("dup2_same_bad_fd_ebadf", dup2(100, 100), EBADF);
  CHECK("dup2_to_50", dup2(p[0], 50) == 50);
  CHECK_ERR("dup3_equal_einval", dup3(p[0], p[0], 0), EINVAL);
  CHECK_ERR("dup3_bad_flags_einval", dup3(p[0], 51, 0x1234), EINVAL);
  CHECK("dup3_cloexec", dup3(p[0], 51, O_CLOEXEC) == 51 && fcntl(51, F_GETFD) == FD_CLOEXEC);
  CHECK("dup2_clears_cloexec", dup2(p[0], 51) == 51 && fcntl(51, F_GETFD) == 0);
  CHECK_ERR("dup_bad_ebadf", dup(1000), EBADF);
  CHECK_ERR("dup2_bad_old_ebadf", dup2(1000, 60), EBADF);
  CHECK_ERR("dup2_newfd_huge_ebadf", dup2(p[0], 1 << 30), EBADF);
  CHECK("fcntl_dupfd_at_least_arg", fcntl(p[0], F_DUPFD, 70) == 70 && fcntl(p[0], F_DUPFD, 70) == 71);
  CHECK("fcntl_dupfd_cloexec", fcntl(p[0], F_DUPFD_CLOEXEC, 70) == 72 && fcntl(72, F_GETFD) == FD_CLOEXEC);
  CHECK_ERR("fcntl_dupfd_negative_einval", fcntl(p[0], F_DUPFD, -1), EINVAL);
  CHECK("fcntl_setfd", fcntl(70, F_SETFD, FD_CLOEXEC) == 0 && fcntl(70, F_GETFD) == FD_CLOEXEC &&
                           fcntl(71, F_GETFD) == 0);
  CHECK_ERR("fcntl_bad_fd_ebadf", fcntl(1000, F_GETFD), EBADF);
  CHECK_ERR("fcntl_bad_cmd_einval", fcntl(p[0], 12345), EINVAL);
  CHECK("close_dups", close(50) == 0 && close(51) == 0 && close(70) == 0 && close(71) == 0 &&
                          close(72) == 0 && close(d) == 0);
  CHECK_ERR("close_twice_ebadf", close(50), EBADF);
  CHECK_ERR("close_negative_ebadf", close(-1), EBADF);

  // F_GETFL/F_SETFL on a pipe.
  CHECK("getfl_rdonly", (fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK("getfl_wronly", (fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
  CHECK("setfl_nonblock", fcntl(p[0], F_SETFL, O_NONBLOCK) == 0 && (fcntl(p[0], F_GETFL) & O_NONBLOCK));
  char buf[8192];
  CHECK_ERR("nonblock_empty_read_eagain", read(p[0], buf, 1), EAGAIN);
  int dd = dup(p[0]);
  CHECK("status_flags_shared_by_dup", (fcntl(dd, F_GETFL) & O_NONBLOCK) != 0);
  close(dd);
  fcntl(p[0], F_SETFL, 0);
  CHECK("setfl_clear_nonblock", (fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0);
  close(p[0]);
  close(p[1]);

  // pipe2 flags.
  CHECK("pipe2_cloexec_nonblock", pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0 &&
                                      fcntl(p[0], F_GETFD) == FD_CLOEXEC && fcntl(p[1], F_GETFD) == FD_CLOEXEC &&
                                      (fcntl(p[1], F_GETFL) & O_NONBLOCK));
  // Fill a non-blocking pipe: EAGAIN when full.
  memset(buf, 'a', sizeof(buf));
  long total = 0;
  ssize_t n;
  while ((n = write(p[1], buf, sizeof(buf))) > 0) total += n;
  CHECK("nonblock_full_write_eagain", n == -1 && errno == EAGAIN);
  CHECK("pipe_capacity_default_64k", total == 65536);
  CHECK("fionread_like_drain", read(p[0], buf, sizeof(buf)) == (ssize_t)sizeof(buf));
  close(p[0]);
  close(p[1]);
  CHECK_ERR("pipe2_bad_flags_einval", pipe2(p, 0x1234), EINVAL);
  CHECK_ERR("pipe2_bad_flags_rdwr_einval", pipe2(p, O_RDWR), EINVAL);

  // PIPE_BUF atomicity: 4 writer processes, each 200 records of PIPE_BUF bytes.
  CHECK("pipe_atomic", pipe(p) == 0);
  for (int w = 0; w < 4; w++) {
    if (fork() == 0) {
      close(p[0]);
      char rec[PIPE_BUF];
      memset(rec, 'A' + w, sizeof(rec));
      for (int i = 0; i < 200; i++)
        if (write(p[1], rec, sizeof(rec)) != (ssize_t)sizeof(rec)) _exit(1);
      _exit(0);
    }
  }
  close(p[1]);
  int counts[4] = {0}, torn = 0;
  char rec[PIPE_BUF];
  for (;;) {
    size_t got = 0;
    while (got < sizeof(rec)) {
      n = read(p[0], rec + got, sizeof(rec) - got);
      if (n <= 0) break;
      got += (size_t)n;
    }
    if (got == 0) break;
    if (got != sizeof(rec)) {
      torn = 1;
      break;
    }
    for (size_t i = 1; i < sizeof(rec); i++)
      if (rec[i] != rec[0]) torn = 1;
    if (rec[0] >= 'A' && rec[0] < 'A' + 4) counts[rec[0] - 'A']++;
  }
  int ws, wok = 1;
  for (int w = 0; w < 4; w++)
    if (wait(&ws) < 0 || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) wok = 0;
  CHECK("pipe_buf_writes_atomic", !torn);
  CHECK("pipe_buf_all_records", counts[0] == 200 && counts[1] == 200 && counts[2] == 200 && counts[3] == 200);
  CHECK("pipe_writers_ok", wok);
  CHECK("read_eof_after_writers_close", read(p[0], rec, 1) == 0);
  close(p[0]);

  // A blocked reader is woken by a writer thread.
  CHECK("pipe_block", pipe(p) == 0);
  wake_fd = p[1];
  pthread_t th;
  pthread_create(&th, NULL, late_writer, NULL);
  char c = 0;
  CHECK("blocking_read_woken", read(p[0], &c, 1) == 1 && c == 'w');
  pthread_join(th, NULL);
  // Partial reads: ask for more than available.
  CHECK("write_3", write(p[1], "xyz", 3) == 3);
  CHECK("read_returns_available", read(p[0], buf, 100) == 3 && memcmp(buf, "xyz", 3) == 0);
  CHECK("zero_length_write", write(p[1], buf, 0) == 0);
  CHECK_ERR("read_write_end_ebadf", read(p[1], buf, 1), EBADF);
  CHECK_ERR("write_read_end_ebadf", write(p[0], buf, 1), EBADF);
  CHECK_ERR("pipe_lseek_espipe", lseek(p[0], 0, SEEK_CUR), ESPIPE);
  // EPIPE with SIGPIPE ignored.
  signal(SIGPIPE, SIG_IGN);
  close(p[0]);
  CHECK_ERR("epipe_sigpipe_ignored", write(p[1], "x", 1), EPIPE);
  close(p[1]);

  // RLIMIT_NOFILE lowered: EMFILE.
  struct rlimit rl, orl;
  getrlimit(RLIMIT_NOFILE, &orl);
  rl.rlim_cur = 16;
  rl.rlim_max = orl.rlim_max;
  CHECK("setrlimit_nofile", setrlimit(RLIMIT_NOFILE, &rl) == 0);
  int last = 0;
  for (;;) {
    int x = dup(0);
    if (x < 0) break;
    last = x;
  }
  CHECK("emfile_at_limit", errno == EMFILE && last < 16);
  CHECK_ERR("pipe_emfile", pipe(p), EMFILE);
  CHECK_ERR("fcntl_dupfd_above_limit_einval", fcntl(0, F_DUPFD, 16), EINVAL);
  CHECK_ERR("dup2_above_limit_ebadf", dup2(0, 20), EBADF);
  for (int i = 3; i <= last; i++) close(i);
  setrlimit(RLIMIT_NOFILE, &orl);
  return check_exit();
}
