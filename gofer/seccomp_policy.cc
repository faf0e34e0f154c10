#include "gofer/seccomp_policy.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "fs9p/errors.h"

namespace gofer {
namespace {

// Syscalls allowed with any arguments.
constexpr const char* kAllowed[] = {
    // I/O on fds.
    "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2",
    "pwritev2", "lseek", "close", "dup", "dup3", "fcntl", "ftruncate", "fallocate", "fsync",
    "fdatasync", "flock", "getdents64",
    // Files, always relative to an fd beneath the root.
    "openat", "openat2", "newfstatat", "fstat", "statx", "fstatfs", "mkdirat", "mknodat",
    "linkat", "symlinkat", "readlinkat", "renameat", "renameat2", "unlinkat", "fchmod",
    "fchmodat", "fchmodat2", "fchownat", "utimensat",
    "fgetxattr", "fsetxattr", "flistxattr", "fremovexattr",
    // The 9P socket.
    "sendmsg", "recvmsg", "accept4", "shutdown",
    // Memory and threads.
    "mmap", "munmap", "mprotect", "madvise", "mremap", "brk", "futex", "set_robust_list", "rseq",
    "sched_yield", "sched_getaffinity", "sched_getparam", "sched_getscheduler", "exit", "exit_group",
    // Signals and time, as glibc and the C++ runtime use them.
    "rt_sigprocmask", "rt_sigreturn", "rt_sigaction", "sigaltstack", "restart_syscall", "clock_gettime", "gettimeofday",
    "nanosleep", "clock_nanosleep",
    // Identity.
    "getpid", "gettid", "geteuid", "getegid", "getuid", "getgid", "getrandom",
#if defined(__SANITIZE_ADDRESS__)
    // The ASan runtime probes memory with a pipe (IsAccessibleMemoryRange):
    // sanitizer builds only.
    "pipe2",
#endif
};

}  // namespace

absl::Status InstallSeccompPolicy() {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_KILL_PROCESS),
                                                       seccomp_release);
  if (!ctx) return absl::InternalError("seccomp_init failed");
  auto check = [](int rc, absl::string_view what) {
    return rc == 0 ? absl::OkStatus() : fs9p::ErrnoError(-rc, absl::StrCat("seccomp: ", what));
  };
  for (const char* name : kAllowed) {
    int nr = seccomp_syscall_resolve_name(name);
    // Debian 12's libseccomp predates fchmodat2 (x86-64 number 452).
    if (nr == __NR_SCMP_ERROR && absl::string_view(name) == "fchmodat2") nr = 452;
    if (nr == __NR_SCMP_ERROR) return absl::InternalError(absl::StrCat("unknown syscall ", name));
    if (absl::Status s = check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0), name); !s.ok()) {
      return s;
    }
  }
  // Threads only: no new processes.
  if (absl::Status s = check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                              SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)),
                             "clone");
      !s.ok()) {
    return s;
  }
  // clone3's flags sit in memory a filter cannot read: refuse it so glibc
  // uses clone.
  if (absl::Status s = check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0),
                             "clone3");
      !s.ok()) {
    return s;
  }
  // Signals to this process's own threads only (abort, pthread_kill).
  if (absl::Status s = check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                                              SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(getpid()))),
                             "tgkill");
      !s.ok()) {
    return s;
  }
  // isatty() for the log sink's colour choice.
  if (absl::Status s = check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
                                              SCMP_A1(SCMP_CMP_EQ, TCGETS)),
                             "ioctl");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1), "tsync");
      !s.ok()) {
    return s;
  }
  return check(seccomp_load(ctx.get()), "load");
}

}  // namespace gofer
