// poll, ppoll, select, pselect6 and epoll over pipes: readiness, HUP/ERR,
// POLLNVAL, timeouts and the remaining time written back, signal masks and
// interruption, edge-triggered and one-shot epoll, nesting and loops, the
// errno cases, and wake-ups from another thread.
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

static int wake_fd;
static void* late_writer(void* arg) {
  (void)arg;
  usleep(30000);
  if (write(wake_fd, "w", 1) != 1) return (void*)1;
  return NULL;
}

static volatile sig_atomic_t got_signal;
static void on_signal(int sig) {
  (void)sig;
  got_signal++;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void arm_timer_ms(int ms) {
  struct itimerval it = {{0, 0}, {0, ms * 1000}};
  setitimer(ITIMER_REAL, &it, NULL);
}

static int poll1(int fd, short events, int timeout, short* revents) {
  struct pollfd p = {fd, events, 0};
  int r = poll(&p, 1, timeout);
  *revents = p.revents;
  return r;
}

static void test_poll(void) {
  int p[2];
  CHECK("poll_pipe", pipe(p) == 0);
  short rev = -1;
  CHECK("poll_empty_pipe_not_readable", poll1(p[0], POLLIN, 0, &rev) == 0 && rev == 0);
  CHECK("poll_write_end_writable", poll1(p[1], POLLOUT, 0, &rev) == 1 && rev == POLLOUT);
  CHECK("poll_read_end_never_writable", poll1(p[0], POLLOUT, 0, &rev) == 0 && rev == 0);
  CHECK("poll_write", write(p[1], "ab", 2) == 2);
  CHECK("poll_readable", poll1(p[0], POLLIN, 0, &rev) == 1 && rev == POLLIN);
  CHECK("poll_rdnorm", poll1(p[0], POLLIN | POLLRDNORM, 0, &rev) == 1 && rev == (POLLIN | POLLRDNORM));
  struct pollfd many[4] = {{p[0], POLLIN, 0}, {-1, POLLIN, 99}, {500, POLLIN, 0}, {p[1], POLLOUT, 0}};
  CHECK("poll_many_count", poll(many, 4, 0) == 3);
  CHECK("poll_negative_fd_ignored", many[1].revents == 0);
  CHECK("poll_bad_fd_nval", many[2].revents == POLLNVAL);
  CHECK("poll_many_revents", many[0].revents == POLLIN && many[3].revents == POLLOUT);
  CHECK("poll_close_writer", close(p[1]) == 0);
  CHECK("poll_hup_with_data", poll1(p[0], POLLIN, 0, &rev) == 1 && rev == (POLLIN | POLLHUP));
  char buf[8];
  CHECK("poll_drain", read(p[0], buf, sizeof(buf)) == 2);
  CHECK("poll_hup_without_asking", poll1(p[0], 0, 0, &rev) == 1 && rev == POLLHUP);
  close(p[0]);

  CHECK("poll_pipe2", pipe(p) == 0);
  close(p[0]);
  CHECK("poll_err_no_reader", poll1(p[1], POLLOUT, 0, &rev) == 1 && rev == (POLLOUT | POLLERR));
  close(p[1]);

  double t0 = now();
  CHECK("poll_null_zero_sleeps", poll(NULL, 0, 50) == 0 && now() - t0 >= 0.045);
  CHECK("poll_null_zero_immediate", poll(NULL, 0, 0) == 0);
  CHECK_ERR("poll_fault", syscall(SYS_poll, 16, 1, 0), EFAULT);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  CHECK_ERR("poll_nfds_over_rlimit_einval", poll(NULL, rl.rlim_cur + 1, 0), EINVAL);

  CHECK("poll_pipe3", pipe(p) == 0);
  t0 = now();
  CHECK("poll_timeout", poll1(p[0], POLLIN, 60, &rev) == 0 && now() - t0 >= 0.055);
  wake_fd = p[1];
  pthread_t th;
  pthread_create(&th, NULL, late_writer, NULL);
  t0 = now();
  CHECK("poll_woken_by_thread", poll1(p[0], POLLIN, -1, &rev) == 1 && rev == POLLIN && now() - t0 >= 0.02);
  pthread_join(th, NULL);

  // A handler interrupts poll: EINTR even with SA_RESTART (restart_block).
  struct sigaction sa = {0};
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGALRM, &sa, NULL);
  CHECK("poll_drain2", read(p[0], buf, 1) == 1);
  got_signal = 0;
  arm_timer_ms(30);
  CHECK_ERR("poll_interrupted_eintr", poll1(p[0], POLLIN, 5000, &rev), EINTR);
  CHECK("poll_handler_ran", got_signal == 1);

  // ppoll: timespec validation, remaining time, temporary mask.
  struct pollfd pf = {p[0], POLLIN, 0};
  struct timespec ts = {0, -1};
  CHECK_ERR("ppoll_bad_nsec_einval", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8), EINVAL);
  ts.tv_sec = -1;
  ts.tv_nsec = 0;
  CHECK_ERR("ppoll_negative_einval", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8), EINVAL);
  ts.tv_sec = 0;
  ts.tv_nsec = 30000000;
  CHECK("ppoll_timeout", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) == 0);
  CHECK("ppoll_time_left_zero", ts.tv_sec == 0 && ts.tv_nsec == 0);
  CHECK("ppoll_write", write(p[1], "x", 1) == 1);
  ts.tv_sec = 10;
  ts.tv_nsec = 0;
  CHECK("ppoll_ready", syscall(SYS_ppoll, &pf, 1, &ts, NULL, 8) == 1 && pf.revents == POLLIN);
  CHECK("ppoll_time_left_written", ts.tv_sec == 9 || ts.tv_sec == 10);
  sigset_t block, empty, cur;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigemptyset(&empty);
  CHECK_ERR("ppoll_bad_sigsetsize_einval", syscall(SYS_ppoll, &pf, 1, NULL, &empty, 4), EINVAL);
  sigaction(SIGUSR1, &sa, NULL);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  got_signal = 0;
  CHECK("ppoll_mask_keeps_blocked", ppoll(&pf, 1, NULL, &block) == 1 && got_signal == 0);
  CHECK("ppoll_drain", read(p[0], buf, 1) == 1);
  CHECK_ERR("ppoll_unblocking_mask_eintr", ppoll(&pf, 1, NULL, &empty), EINTR);
  sigprocmask(SIG_BLOCK, NULL, &cur);
  CHECK("ppoll_handler_ran_mask_restored", got_signal == 1 && sigismember(&cur, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  close(p[0]);
  close(p[1]);
}

static void test_select(void) {
  int p[2];
  CHECK("select_pipe", pipe(p) == 0);
  int n = (p[0] > p[1] ? p[0] : p[1]) + 1;
  fd_set r, w;
  FD_ZERO(&r);
  FD_ZERO(&w);
  FD_SET(p[0], &r);
  FD_SET(p[1], &w);
  FD_SET(p[0], &w);
  struct timeval tv = {0, 0};
  CHECK("select_writable_only", select(n, &r, &w, NULL, &tv) == 1 && !FD_ISSET(p[0], &r) &&
                                    FD_ISSET(p[1], &w) && !FD_ISSET(p[0], &w));
  CHECK("select_write", write(p[1], "x", 1) == 1);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  CHECK("select_readable", select(n, &r, NULL, NULL, NULL) == 1 && FD_ISSET(p[0], &r));
  char c;
  CHECK("select_drain", read(p[0], &c, 1) == 1);
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  tv.tv_sec = 0;
  tv.tv_usec = 50000;
  double t0 = now();
  CHECK("select_raw_timeout", syscall(SYS_select, n, &r, NULL, NULL, &tv) == 0 && now() - t0 >= 0.045);
  CHECK("select_raw_time_left_zero", tv.tv_sec == 0 && tv.tv_usec == 0);
  CHECK("select_raw_set_cleared", !FD_ISSET(p[0], &r));
  CHECK("select_write2", write(p[1], "x", 1) == 1);
  FD_SET(p[0], &r);
  tv.tv_sec = 10;
  tv.tv_usec = 0;
  CHECK("select_raw_ready", syscall(SYS_select, n, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r));
  CHECK("select_raw_time_left", tv.tv_sec == 9 || tv.tv_sec == 10);
  tv.tv_sec = 0;
  tv.tv_usec = 1500000;  // normalized by the kernel, not EINVAL
  FD_SET(p[0], &r);
  CHECK("select_raw_big_usec_ok", syscall(SYS_select, n, &r, NULL, NULL, &tv) == 1);
  tv.tv_sec = 0;
  tv.tv_usec = -1;
  CHECK_ERR("select_raw_negative_usec_einval", syscall(SYS_select, n, &r, NULL, NULL, &tv), EINVAL);
  tv.tv_sec = -1;
  tv.tv_usec = 0;
  CHECK_ERR("select_raw_negative_sec_einval", syscall(SYS_select, n, &r, NULL, NULL, &tv), EINVAL);
  CHECK_ERR("select_negative_nfds_einval", syscall(SYS_select, -1, NULL, NULL, NULL, NULL), EINVAL);
  FD_ZERO(&r);
  FD_SET(40, &r);
  CHECK_ERR("select_closed_fd_ebadf", syscall(SYS_select, 41, &r, NULL, NULL, NULL), EBADF);
  CHECK_ERR("select_fault", syscall(SYS_select, n, (fd_set*)16, NULL, NULL, NULL), EFAULT);
  close(p[0]);
  FD_ZERO(&w);
  FD_SET(p[1], &w);
  CHECK("select_no_reader_writable", select(p[1] + 1, NULL, &w, NULL, NULL) == 1 && FD_ISSET(p[1], &w));
  close(p[1]);

  // pselect6 with a mask that unblocks a pending signal.
  CHECK("pselect_pipe", pipe(p) == 0);
  sigset_t block, empty, cur;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  got_signal = 0;
  FD_ZERO(&r);
  FD_SET(p[0], &r);
  CHECK_ERR("pselect_eintr", pselect(p[0] + 1, &r, NULL, NULL, NULL, &empty), EINTR);
  sigprocmask(SIG_BLOCK, NULL, &cur);
  CHECK("pselect_handler_ran_mask_restored", got_signal == 1 && sigismember(&cur, SIGUSR1));
  struct {
    const sigset_t* ss;
    size_t len;
  } sd = {&empty, 4};
  CHECK_ERR("pselect6_bad_sigsetsize", syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, NULL, &sd), EINVAL);
  struct timespec ts = {0, 1000000000};
  CHECK_ERR("pselect6_bad_timespec", syscall(SYS_pselect6, p[0] + 1, &r, NULL, NULL, &ts, NULL), EINVAL);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  close(p[0]);
  close(p[1]);
}

static int ep_ctl(int ep, int op, int fd, uint32_t events, uint64_t data) {
  struct epoll_event ev = {.events = events, .data = {.u64 = data}};
  return epoll_ctl(ep, op, fd, &ev);
}

static void test_epoll(void) {
  CHECK("epoll_event_packed", sizeof(struct epoll_event) == 12);
  int ep = epoll_create1(0);
  CHECK("epoll_create1", ep >= 0);
  CHECK_ERR("epoll_create_zero_einval", epoll_create(0), EINVAL);
  CHECK_ERR("epoll_create1_bad_flags", epoll_create1(1), EINVAL);
  int ep2 = epoll_create1(EPOLL_CLOEXEC);
  CHECK("epoll_create1_cloexec", ep2 >= 0 && fcntl(ep2, F_GETFD) == FD_CLOEXEC);
  int p[2];
  CHECK("epoll_pipe", pipe(p) == 0);
  struct epoll_event evs[8];
  CHECK("epoll_add", ep_ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 42) == 0);
  CHECK_ERR("epoll_add_twice_eexist", ep_ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 42), EEXIST);
  CHECK("epoll_wait_empty", epoll_wait(ep, evs, 8, 0) == 0);
  CHECK("epoll_write", write(p[1], "ab", 2) == 2);
  CHECK("epoll_lt_1", epoll_wait(ep, evs, 8, 0) == 1 && evs[0].events == EPOLLIN && evs[0].data.u64 == 42);
  CHECK("epoll_lt_again", epoll_wait(ep, evs, 8, 0) == 1);
  char buf[8];
  CHECK("epoll_drain", read(p[0], buf, 8) == 2);
  CHECK("epoll_lt_drained", epoll_wait(ep, evs, 8, 0) == 0);

  CHECK("epoll_mod_et", ep_ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 43) == 0);
  CHECK("epoll_et_write", write(p[1], "a", 1) == 1);
  CHECK("epoll_et_once", epoll_wait(ep, evs, 8, 0) == 1 && evs[0].data.u64 == 43);
  CHECK("epoll_et_not_again", epoll_wait(ep, evs, 8, 0) == 0);
  CHECK("epoll_et_write2", write(p[1], "b", 1) == 1);
  CHECK("epoll_et_new_edge", epoll_wait(ep, evs, 8, 0) == 1);
  CHECK("epoll_mod_oneshot", ep_ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 44) == 0);
  CHECK("epoll_oneshot_fires", epoll_wait(ep, evs, 8, 0) == 1 && evs[0].data.u64 == 44);
  CHECK("epoll_oneshot_disabled", epoll_wait(ep, evs, 8, 0) == 0);
  CHECK("epoll_oneshot_rearm", ep_ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 45) == 0 &&
                                   epoll_wait(ep, evs, 8, 0) == 1 && evs[0].data.u64 == 45);
  CHECK("epoll_drain2", read(p[0], buf, 8) == 2);

  CHECK("epoll_add_writer", ep_ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 46) == 0);
  CHECK("epoll_writer_ready", epoll_wait(ep, evs, 8, 0) == 1 && evs[0].events == EPOLLOUT &&
                                  evs[0].data.u64 == 46);
  CHECK("epoll_del", ep_ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0) == 0);
  CHECK_ERR("epoll_del_again_enoent", ep_ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0), ENOENT);
  CHECK_ERR("epoll_mod_missing_enoent", ep_ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLIN, 0), ENOENT);
  CHECK_ERR("epoll_add_self_einval", ep_ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), EINVAL);
  CHECK_ERR("epoll_ctl_not_epoll_einval", ep_ctl(p[0], EPOLL_CTL_ADD, p[1], EPOLLIN, 0), EINVAL);
  CHECK_ERR("epoll_ctl_bad_epfd", ep_ctl(300, EPOLL_CTL_ADD, p[1], EPOLLIN, 0), EBADF);
  CHECK_ERR("epoll_ctl_bad_fd", ep_ctl(ep, EPOLL_CTL_ADD, 300, EPOLLIN, 0), EBADF);
  CHECK_ERR("epoll_ctl_bad_op", ep_ctl(ep, 77, p[1], EPOLLIN, 0), EINVAL);
  CHECK_ERR("epoll_ctl_fault", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], (struct epoll_event*)16), EFAULT);
  CHECK_ERR("epoll_exclusive_oneshot_einval",
            ep_ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE | EPOLLONESHOT, 0), EINVAL);
  CHECK("epoll_exclusive_add", ep_ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLEXCLUSIVE, 47) == 0);
  CHECK_ERR("epoll_exclusive_mod_einval", ep_ctl(ep, EPOLL_CTL_MOD, p[1], EPOLLOUT, 0), EINVAL);
  CHECK("epoll_exclusive_del", ep_ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0) == 0);
  CHECK_ERR("epoll_wait_zero_max_einval", epoll_wait(ep, evs, 0, 0), EINVAL);
  CHECK_ERR("epoll_wait_not_epoll_einval", epoll_wait(p[0], evs, 1, 0), EINVAL);
  CHECK_ERR("epoll_wait_bad_fd", epoll_wait(300, evs, 1, 0), EBADF);
  double t0 = now();
  CHECK("epoll_wait_timeout", epoll_wait(ep, evs, 8, 50) == 0 && now() - t0 >= 0.045);

  // Nesting: ep2 inside ep; a cycle is ELOOP; poll on an epoll fd.
  CHECK("epoll_nest_add", ep_ctl(ep2, EPOLL_CTL_ADD, ep, EPOLLIN, 48) == 0);
  CHECK_ERR("epoll_nest_loop_eloop", ep_ctl(ep, EPOLL_CTL_ADD, ep2, EPOLLIN, 0), ELOOP);
  short rev;
  CHECK("epoll_poll_not_ready", poll1(ep2, POLLIN, 0, &rev) == 0);
  wake_fd = p[1];
  pthread_t th;
  pthread_create(&th, NULL, late_writer, NULL);
  CHECK("epoll_poll_nested_woken", poll1(ep2, POLLIN, 5000, &rev) == 1 && rev == POLLIN);
  pthread_join(th, NULL);
  CHECK("epoll_nested_event", epoll_wait(ep2, evs, 8, 0) == 1 && evs[0].data.u64 == 48);
  CHECK("epoll_drain3", read(p[0], buf, 8) == 1);

  // A blocked epoll_wait woken by another thread.
  pthread_create(&th, NULL, late_writer, NULL);
  t0 = now();
  CHECK("epoll_wait_woken", epoll_wait(ep, evs, 8, -1) == 1 && evs[0].data.u64 == 45 && now() - t0 >= 0.02);
  pthread_join(th, NULL);
  CHECK("epoll_drain4", read(p[0], buf, 8) == 1);

  // Interrupted: EINTR even with SA_RESTART.
  got_signal = 0;
  arm_timer_ms(30);
  CHECK_ERR("epoll_wait_eintr", epoll_wait(ep, evs, 8, 5000), EINTR);
  CHECK("epoll_wait_handler_ran", got_signal == 1);
  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  got_signal = 0;
  CHECK_ERR("epoll_pwait_mask_eintr", epoll_pwait(ep, evs, 8, -1, &empty), EINTR);
  CHECK("epoll_pwait_handler_ran", got_signal == 1);
  sigprocmask(SIG_UNBLOCK, &block, NULL);

  // Closing: an item stays while another fd refers to the file; it goes
  // with the last reference (and its writer's HUP reaches the reader).
  int wdup = dup(p[1]);
  CHECK("epoll_add_writer2", ep_ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 49) == 0);
  close(p[1]);
  CHECK("epoll_closed_but_dup_still_reports", epoll_wait(ep, evs, 8, 0) == 1 && evs[0].data.u64 == 49);
  close(wdup);
  CHECK("epoll_last_ref_gone_hup", epoll_wait(ep, evs, 8, 0) == 1 && evs[0].data.u64 == 45 &&
                                       evs[0].events == EPOLLHUP);
  close(p[0]);
  CHECK("epoll_all_closed", epoll_wait(ep, evs, 8, 0) == 0);
  close(ep);
  close(ep2);
}

int main(void) {
  check_init();
  test_poll();
  test_select();
  test_epoll();
  return check_exit();
}
