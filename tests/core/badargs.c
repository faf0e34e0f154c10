// Bad arguments: NULL, unmapped, kernel-range and misaligned pointers, huge
// lengths, invalid flags and numbers get the errno Linux gives. Raw
// syscall() throughout so glibc never touches the bad pointers itself.
#include "check.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>

#define KPTR ((void*)0xffff800000000000UL)
#define NEG1PTR ((void*)-1L)

int main(void) {
  check_init();
  const long pg = 4096;
  char* m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(m + pg, pg);
  char* unm = m + pg;  // unmapped page after a mapped one
  char buf[256];
  int p[2];
  CHECK("pipe", pipe(p) == 0);
  char big[4096];
  memset(big, 'd', sizeof(big));
  CHECK("fill_pipe", write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big));

  // read/write.
  CHECK_ERR("read_null_efault", syscall(SYS_read, p[0], NULL, 1), EFAULT);
  CHECK_ERR("read_unmapped_efault", syscall(SYS_read, p[0], unm, 1), EFAULT);
  CHECK_ERR("read_kernel_efault", syscall(SYS_read, p[0], KPTR, 1), EFAULT);
  CHECK_ERR("read_minus1_efault", syscall(SYS_read, p[0], NEG1PTR, 1), EFAULT);
  CHECK_ERR("read_huge_len_efault", syscall(SYS_read, p[0], buf, 1UL << 62), EFAULT);
  CHECK("read_zero_len_null_ok", syscall(SYS_read, p[0], NULL, 0) == 0);
  CHECK_ERR("read_bad_fd_ebadf", syscall(SYS_read, 999, buf, 1), EBADF);
  CHECK_ERR("read_negative_fd_ebadf", syscall(SYS_read, -1, buf, 1), EBADF);
  CHECK_ERR("write_null_efault", syscall(SYS_write, p[1], NULL, 1), EFAULT);
  CHECK_ERR("write_kernel_efault", syscall(SYS_write, p[1], KPTR, 1), EFAULT);
  CHECK_ERR("write_unmapped_efault", syscall(SYS_write, p[1], unm, 1), EFAULT);
  CHECK_ERR("write_bad_fd_ebadf", syscall(SYS_write, 999, buf, 1), EBADF);
  CHECK("write_zero_len_null_ok", syscall(SYS_write, p[1], NULL, 0) == 0);
  // readv/writev.
  CHECK_ERR("readv_null_iov_efault", syscall(SYS_readv, p[0], NULL, 1), EFAULT);
  CHECK_ERR("readv_negative_cnt_einval", syscall(SYS_readv, p[0], buf, -1), EINVAL);
  struct iovec iov[1] = {{buf, 1}};
  CHECK_ERR("readv_1025_einval", syscall(SYS_readv, p[0], iov, 1025), EINVAL);
  struct iovec kiov[1] = {{KPTR, 1}};
  CHECK_ERR("writev_kernel_base_efault", syscall(SYS_writev, p[1], kiov, 1), EFAULT);
  CHECK_ERR("readv_kernel_base_efault", syscall(SYS_readv, p[0], kiov, 1), EFAULT);
  CHECK_ERR("pread_pipe_espipe", syscall(SYS_pread64, p[0], buf, 1, 0), ESPIPE);
  CHECK_ERR("lseek_pipe_espipe", syscall(SYS_lseek, p[0], 0, SEEK_SET), ESPIPE);

  // pipe/pipe2.
  CHECK_ERR("pipe_null_efault", syscall(SYS_pipe, NULL), EFAULT);
  CHECK_ERR("pipe_kernel_efault", syscall(SYS_pipe, KPTR), EFAULT);
  CHECK_ERR("pipe2_bad_flags_einval", syscall(SYS_pipe2, buf, 0x7fffffff), EINVAL);
  CHECK("no_fd_leaked_by_bad_pipe", fcntl(p[1] + 1, F_GETFD) == -1 && errno == EBADF);
  CHECK_ERR("dup2_negative_ebadf", syscall(SYS_dup2, p[0], -1), EBADF);
  CHECK_ERR("dup3_flags_einval", syscall(SYS_dup3, p[0], 100, 1), EINVAL);
  CHECK_ERR("close_intmax_ebadf", syscall(SYS_close, 0x7fffffff), EBADF);

  // Info calls.
  CHECK_ERR("uname_null_efault", syscall(SYS_uname, NULL), EFAULT);
  CHECK_ERR("uname_kernel_efault", syscall(SYS_uname, KPTR), EFAULT);
  CHECK_ERR("sysinfo_null_efault", syscall(SYS_sysinfo, NULL), EFAULT);
  CHECK_ERR("times_kernel_efault", syscall(SYS_times, KPTR), EFAULT);
  CHECK("times_null_ok", syscall(SYS_times, NULL) != -1);
  CHECK_ERR("getrlimit_null_efault", syscall(SYS_getrlimit, RLIMIT_NOFILE, NULL), EFAULT);
  CHECK_ERR("setrlimit_kernel_efault", syscall(SYS_setrlimit, RLIMIT_NOFILE, KPTR), EFAULT);
  CHECK_ERR("prlimit_bad_resource_einval", syscall(SYS_prlimit64, 0, 9999, NULL, buf), EINVAL);
  CHECK_ERR("getrusage_unmapped_efault", syscall(SYS_getrusage, RUSAGE_SELF, unm), EFAULT);
  CHECK_ERR("getrandom_null_efault", syscall(SYS_getrandom, NULL, 8, 0), EFAULT);
  CHECK_ERR("getrandom_kernel_efault", syscall(SYS_getrandom, KPTR, 8, 0), EFAULT);
  CHECK_ERR("getcpu_kernel_efault", syscall(SYS_getcpu, KPTR, NULL, NULL), EFAULT);
  CHECK_ERR("sched_getaffinity_null_efault", syscall(SYS_sched_getaffinity, 0, 128, NULL), EFAULT);
  CHECK_ERR("sched_getaffinity_misaligned_len_einval", syscall(SYS_sched_getaffinity, 0, 7, buf), EINVAL);
  CHECK_ERR("getresuid_null_efault", syscall(SYS_getresuid, NULL, NULL, NULL), EFAULT);
  CHECK_ERR("setgroups_huge_einval", syscall(SYS_setgroups, 1 << 20, buf), EINVAL);
  CHECK_ERR("prctl_get_name_null_efault", syscall(SYS_prctl, PR_GET_NAME, NULL, 0, 0, 0), EFAULT);
  CHECK_ERR("prctl_set_name_kernel_efault", syscall(SYS_prctl, PR_SET_NAME, KPTR, 0, 0, 0), EFAULT);
  CHECK_ERR("arch_prctl_get_fs_null_efault", syscall(SYS_arch_prctl, 0x1003 /*ARCH_GET_FS*/, NULL), EFAULT);
  CHECK_ERR("arch_prctl_bad_code_einval", syscall(SYS_arch_prctl, 0x9999, buf), EINVAL);

  // Time.
  CHECK_ERR("clock_gettime_null_efault", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), EFAULT);
  CHECK_ERR("clock_gettime_kernel_efault", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KPTR), EFAULT);
  CHECK_ERR("clock_gettime_bad_clock_einval", syscall(SYS_clock_gettime, -100, buf), EINVAL);
  CHECK_ERR("gettimeofday_kernel_efault", syscall(SYS_gettimeofday, KPTR, NULL), EFAULT);
  CHECK_ERR("nanosleep_null_efault", syscall(SYS_nanosleep, NULL, NULL), EFAULT);
  CHECK_ERR("nanosleep_unmapped_efault", syscall(SYS_nanosleep, unm, NULL), EFAULT);
  CHECK_ERR("clock_nanosleep_null_efault", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, NULL, NULL), EFAULT);
  CHECK_ERR("clock_nanosleep_bad_clock_einval",
            syscall(SYS_clock_nanosleep, 12345, 0, buf, NULL), EINVAL);
  CHECK_ERR("getitimer_null_efault", syscall(SYS_getitimer, ITIMER_REAL, NULL), EFAULT);
  CHECK_ERR("setitimer_kernel_efault", syscall(SYS_setitimer, ITIMER_REAL, KPTR, NULL), EFAULT);
  CHECK_ERR("timer_create_kernel_sigevent_efault", syscall(SYS_timer_create, CLOCK_MONOTONIC, KPTR, buf), EFAULT);
  CHECK_ERR("timer_settime_bad_id_einval", syscall(SYS_timer_settime, 12345, 0, buf, NULL), EINVAL);
  CHECK_ERR("timer_delete_bad_id_einval", syscall(SYS_timer_delete, 12345), EINVAL);

  // Signals.
  CHECK_ERR("rt_sigaction_kernel_act_efault", syscall(SYS_rt_sigaction, SIGUSR1, KPTR, NULL, 8), EFAULT);
  CHECK_ERR("rt_sigaction_kernel_oldact_efault", syscall(SYS_rt_sigaction, SIGUSR1, NULL, KPTR, 8), EFAULT);
  CHECK_ERR("rt_sigprocmask_kernel_set_efault", syscall(SYS_rt_sigprocmask, SIG_BLOCK, KPTR, NULL, 8), EFAULT);
  CHECK_ERR("rt_sigprocmask_unmapped_old_efault", syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, unm, 8), EFAULT);
  CHECK_ERR("rt_sigpending_null_efault", syscall(SYS_rt_sigpending, NULL, 8), EFAULT);
  CHECK_ERR("rt_sigpending_bad_size_einval", syscall(SYS_rt_sigpending, buf, 1000), EINVAL);
  CHECK_ERR("sigaltstack_kernel_efault", syscall(SYS_sigaltstack, KPTR, NULL), EFAULT);
  CHECK_ERR("rt_sigsuspend_kernel_efault", syscall(SYS_rt_sigsuspend, KPTR, 8), EFAULT);
  CHECK_ERR("rt_sigsuspend_bad_size_einval", syscall(SYS_rt_sigsuspend, buf, 4), EINVAL);
  CHECK_ERR("rt_sigtimedwait_kernel_set_efault", syscall(SYS_rt_sigtimedwait, KPTR, NULL, NULL, 8), EFAULT);
  CHECK_ERR("rt_sigqueueinfo_null_efault", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, NULL), EFAULT);
  CHECK_ERR("kill_bad_signal_einval", syscall(SYS_kill, getpid(), 1000), EINVAL);
  CHECK_ERR("tgkill_bad_signal_einval", syscall(SYS_tgkill, getpid(), getpid(), -3), EINVAL);

  // futex.
  CHECK_ERR("futex_wait_null_efault", syscall(SYS_futex, NULL, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
  CHECK_ERR("futex_wait_unmapped_efault", syscall(SYS_futex, unm, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT);
  CHECK_ERR("futex_wait_misaligned_einval", syscall(SYS_futex, buf + 1, FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL);
  int fw = 0;
  CHECK_ERR("futex_wait_kernel_timeout_efault", syscall(SYS_futex, &fw, FUTEX_WAIT, 0, KPTR, NULL, 0), EFAULT);
  CHECK_ERR("futex_wake_op_kernel_uaddr2_efault",
            syscall(SYS_futex, &fw, FUTEX_WAKE_OP, 1, 1, KPTR, FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)), EFAULT);
  CHECK_ERR("futex_cmp_requeue_kernel_uaddr2_efault",
            syscall(SYS_futex, &fw, FUTEX_CMP_REQUEUE, 1, 1, KPTR, 0), EFAULT);
  CHECK_ERR("futex_cmp_requeue_pi_same_addr_einval",
            syscall(SYS_futex, &fw, FUTEX_CMP_REQUEUE_PI, 1, 1, &fw, 0), EINVAL);

  // Memory.
  CHECK_ERR("mmap_huge_len_enomem", (long)mmap(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
  CHECK_ERR("mmap_shared_validate_anon_einval",
            (long)mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_SHARED | MAP_ANONYMOUS, -1, 0), EINVAL);
  CHECK_ERR("mmap_fixed_kernel_enomem",
            (long)mmap(KPTR, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), ENOMEM);
  CHECK_ERR("munmap_kernel_einval", syscall(SYS_munmap, KPTR, pg), EINVAL);
  CHECK_ERR("munmap_zero_len_einval", syscall(SYS_munmap, m, 0), EINVAL);
  CHECK("munmap_unmapped_ok", syscall(SYS_munmap, unm, pg) == 0);
  CHECK_ERR("mprotect_kernel_enomem", syscall(SYS_mprotect, KPTR, pg, PROT_READ), ENOMEM);
  CHECK_ERR("mremap_zero_new_len_einval", syscall(SYS_mremap, m, pg, 0, MREMAP_MAYMOVE), EINVAL);
  CHECK_ERR("mremap_unmapped_efault", syscall(SYS_mremap, unm, pg, 2 * pg, MREMAP_MAYMOVE), EFAULT);
  CHECK_ERR("mincore_null_vec_efault", syscall(SYS_mincore, m, pg, NULL), EFAULT);
  CHECK_ERR("mincore_kernel_addr_enomem", syscall(SYS_mincore, KPTR, pg, buf), ENOMEM);
  CHECK_ERR("madvise_unaligned_einval", syscall(SYS_madvise, m + 1, pg, MADV_DONTNEED), EINVAL);
  CHECK_ERR("madvise_unmapped_enomem", syscall(SYS_madvise, unm, pg, MADV_DONTNEED), ENOMEM);
  CHECK_ERR("msync_bad_flags_einval", syscall(SYS_msync, m, pg, 0x100), EINVAL);
  CHECK_ERR("msync_unmapped_enomem", syscall(SYS_msync, unm, pg, MS_SYNC), ENOMEM);

  // poll/select.
  CHECK("poll_null_zero_fds", syscall(SYS_poll, NULL, 0, 0) == 0);
  CHECK_ERR("poll_null_efault", syscall(SYS_poll, NULL, 1, 0), EFAULT);
  CHECK_ERR("poll_too_many_einval", syscall(SYS_poll, buf, 1 << 30, 0), EINVAL);
  CHECK_ERR("select_negative_einval", syscall(SYS_select, -1, NULL, NULL, NULL, NULL), EINVAL);
  // (tv_usec >= 1000000 is normalised by Linux, not rejected.)
  struct timeval badtv = {-1, 0};
  CHECK_ERR("select_negative_timeout_einval", syscall(SYS_select, 0, NULL, NULL, NULL, &badtv), EINVAL);
  CHECK_ERR("select_kernel_fdset_efault", syscall(SYS_select, 1, KPTR, NULL, NULL, NULL), EFAULT);

  // Processes.
  CHECK_ERR("wait4_no_children_echild", syscall(SYS_wait4, -1, KPTR, WNOHANG, NULL), ECHILD);
  CHECK_ERR("wait4_bad_options_einval", syscall(SYS_wait4, -1, NULL, 0x10000000, NULL), EINVAL);
  CHECK_ERR("waitid_bad_idtype_einval", syscall(SYS_waitid, 99, 0, buf, WEXITED, NULL), EINVAL);
  CHECK_ERR("clone3_null_efault", syscall(SYS_clone3, NULL, 64), EFAULT);
  CHECK_ERR("clone3_huge_size_e2big", syscall(SYS_clone3, buf, 1 << 20), E2BIG);
  CHECK_ERR("set_robust_list_bad_len_einval", syscall(SYS_set_robust_list, buf, 1), EINVAL);
  CHECK_ERR("get_robust_list_kernel_efault", syscall(SYS_get_robust_list, 0, KPTR, buf), EFAULT);
  CHECK_ERR("setpgid_bad_pid_esrch", syscall(SYS_setpgid, 999999999, 0), ESRCH);
  CHECK_ERR("sched_setaffinity_empty_einval", (memset(buf, 0, 128), syscall(SYS_sched_setaffinity, 0, 128, buf)), EINVAL);
  CHECK_ERR("capget_null_header_efault", syscall(SYS_capget, NULL, NULL), EFAULT);

  // Straddling a mapped and an unmapped page: the whole copy fails.
  char* edge = m + pg - 4;
  CHECK_ERR("read_straddling_unmapped_efault", syscall(SYS_read, p[0], edge, 16), EFAULT);
  CHECK_ERR("uname_straddling_efault", syscall(SYS_uname, m + pg - 16), EFAULT);

  CHECK("still_alive", 1);
  return check_exit();
}
