// The compatibility registry: one entry per syscall whose support is not
// "unimplemented". Handler authors edit this list when they land a syscall
// (kFull / kPartial with a note) or decide to refuse one (kUnsupported with
// the errno and why), then regenerate docs/compatibility.md (compat/README.md).
// Names are checked against syscall_table.h at compile time.
#include <cerrno>

#include "compat/support.h"
#include "compat/syscall_table.h"

namespace compat {
namespace {

[[maybe_unused]] constexpr SupportEntry Full(std::string_view name, std::string_view note = {}) {
  return {name, SupportLevel::kFull, 0, note};
}
[[maybe_unused]] constexpr SupportEntry Partial(std::string_view name, std::string_view note) {
  return {name, SupportLevel::kPartial, 0, note};
}
constexpr SupportEntry Unsupported(std::string_view name, int error, std::string_view note) {
  return {name, SupportLevel::kUnsupported, error, note};
}
// Not written yet, with a note about the plan.
constexpr SupportEntry Planned(std::string_view name, std::string_view note) {
  return {name, SupportLevel::kUnimplemented, ENOSYS, note};
}

constexpr std::string_view kNotInLinux = "Not implemented by Linux either.";

constexpr SupportEntry kSupport[] = {
    // Decided in issues 4 and 8: refused for now, as ENOSYS so that
    // libraries take their fallback paths.
    // Implemented by the Sentry (sentry/syscalls/*.cc).
    // Processes and threads (process.cc, clone.cc).
    Full("exit"), Full("exit_group"),
    Full("getpid", "PID namespace of the sandbox: init is 1."),
    Full("gettid"), Full("getppid", "0 for init (its parent is outside the namespace)."),
    Full("getpgid"), Full("getpgrp"), Full("getsid"), Full("setsid"), Full("setpgid"),
    Partial("clone", "Namespace flags are EPERM (nested namespaces are not implemented); CLONE_PIDFD is EINVAL."),
    Partial("clone3", "As clone; set_tid is EPERM, CLONE_INTO_CGROUP EINVAL."),
    Full("fork"), Full("vfork"),
    Partial("execve", "Until the VFS (issue 5) only the program the boot spec names can be executed; other paths are ENOENT."),
    Full("wait4"), Partial("waitid", "P_PIDFD is EINVAL (no pidfds yet)."),
    Partial("arch_prctl", "ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS only."),
    Full("set_tid_address"), Full("set_robust_list"), Full("get_robust_list"),
    Full("uname", "Release is the Sentry's own (6.1.0-gsandbox), never the host's; hostname from the boot spec."),
    Full("sethostname", "Changes the sandbox's name only; the host's is never touched."),
    Full("setdomainname", "As sethostname."),
    Full("getrlimit"), Full("setrlimit"), Full("prlimit64"),
    Full("umask"), Partial("personality", "PER_LINUX only; flags are recorded, other domains EINVAL."),
    Partial("prctl", "Names, PDEATHSIG, DUMPABLE, NO_NEW_PRIVS, CHILD_SUBREAPER, capability bounding set, TID address; PR_SET_SECCOMP is EINVAL; others EINVAL."),
    // Credentials (creds.cc).
    Full("getuid"), Full("geteuid"), Full("getgid"), Full("getegid"),
    Full("getresuid"), Full("getresgid"), Full("setuid"), Full("setgid"), Full("setreuid"),
    Full("setregid"), Full("setresuid"), Full("setresgid"), Full("setfsuid"), Full("setfsgid"),
    Full("getgroups"), Full("setgroups"),
    Partial("capget", "Root has every capability, others none; file capabilities do not exist."),
    Partial("capset", "Within the permitted set; no ambient or securebits semantics."),
    // Signals (signal.cc).
    Full("rt_sigaction"), Full("rt_sigprocmask"), Full("rt_sigreturn"), Full("sigaltstack"),
    Full("kill"), Full("tkill"), Full("tgkill"), Full("rt_sigqueueinfo"),
    Full("rt_tgsigqueueinfo"), Full("rt_sigpending"), Full("rt_sigsuspend"),
    Full("rt_sigtimedwait"), Full("pause"), Full("restart_syscall"),
    // Futexes (futex.cc).
    Partial("futex", "WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET, WAKE_BITSET; the priority-inheritance operations are ENOSYS."),
    // Memory (mm.cc).
    Full("brk"),
    Partial("mmap", "Anonymous and VFS regular files (private, and shared through a page cache coherent with read/write); other files ENODEV. A truncated shared mapping keeps its pages instead of SIGBUS."),
    Full("munmap"), Full("mprotect"),
    Partial("mremap", "old_len 0 and MREMAP_DONTUNMAP of shared anonymous memory are EINVAL."),
    Full("madvise"), Full("mincore"),
    Full("msync", "Shared file pages are written back to the file (MS_ASYNC too)."),
    Partial("fsync", "VFS files: writes mapped pages back; pipes and host FDs EINVAL."),
    Partial("fdatasync", "As fsync."),
    // Files (file.cc, fd.cc).
    Partial("read", "Pipes and the host FDs handed to the Sentry until the VFS lands."),
    Partial("write", "Pipes and the host FDs handed to the Sentry until the VFS lands."),
    Partial("readv", "Pipes and handed-in host FDs until the VFS lands."),
    Partial("writev", "Pipes and handed-in host FDs until the VFS lands."),
    Partial("pread64", "Handed-in host FDs of regular files; pipes ESPIPE."),
    Partial("pwrite64", "Handed-in host FDs of regular files; pipes ESPIPE."),
    Full("close"), Full("dup"), Full("dup2"), Full("dup3"), Full("close_range"),
    Partial("fcntl", "DUPFD, DUPFD_CLOEXEC, GETFD, SETFD, GETFL, SETFL, GETPIPE_SZ, SETPIPE_SZ, ADD_SEALS, GET_SEALS (tmpfs/memfd); locks and leases come with the VFS."),
    Full("pipe"), Partial("pipe2", "O_DIRECT (packet mode) is accepted but behaves as a byte stream."),
    Partial("fstat", "Pipes and handed-in host FDs until the VFS lands."),
    // Paths over the VFS (path.cc; sentry/vfs). The root is an in-memory tmpfs until the gofer.
    Partial("open", "Regular files and directories on tmpfs; devfs devices (null, zero, full, random, urandom; tty and console ENXIO); procfs/sysfs files (content snapshot at open); /proc/<pid>/fd magic links; O_TMPFILE EOPNOTSUPP; FIFOs ENXIO; a dangling symlink with O_CREAT is ENOENT."),
    Partial("openat", "As open."),
    Partial("openat2", "RESOLVE_NO_SYMLINKS, RESOLVE_BENEATH (no lexical escape) and RESOLVE_NO_MAGICLINKS; other RESOLVE_* EINVAL."),
    Partial("creat", "As open."),
    Full("newfstatat"), Full("stat"), Full("lstat"),
    Partial("statx", "STATX_BASIC_STATS; no birth time or attributes."),
    Full("access"), Full("faccessat"), Full("faccessat2"),
    Full("readlink"), Full("readlinkat"), Full("getcwd"), Full("chdir"), Full("fchdir"),
    Full("mkdir"), Full("mkdirat"), Full("unlink"), Full("unlinkat"), Full("rmdir"),
    Partial("rename", "Within one mount (EXDEV across)."), Partial("renameat", "As rename."),
    Partial("renameat2", "RENAME_NOREPLACE and RENAME_EXCHANGE; RENAME_WHITEOUT EINVAL."),
    Full("symlink"), Full("symlinkat"), Full("link"), Full("linkat"),
    Full("chmod"), Full("fchmod"), Full("fchmodat"),
    Full("chown"), Full("fchown"), Full("lchown"), Full("fchownat"),
    Full("truncate"), Full("ftruncate"), Full("utimensat"), Full("getdents64"),
    Partial("lseek", "ESPIPE on pipes and ttys; handed-in host FDs only."),
    Partial("ioctl", "TCGETS on a tty; everything else ENOTTY."),
    // Time and timers (time.cc, timer.cc).
    Partial("clock_gettime", "CPU-time clocks are approximated from wall time spent in the task."),
    Full("clock_getres"),
    Partial("clock_settime", "Validated, then EPERM: the sandbox never sets the host's clock."), Full("gettimeofday"), Full("time"),
    Full("nanosleep"),
    Partial("clock_nanosleep", "CLOCK_PROCESS_CPUTIME_ID sleeps are ENOTSUP."),
    Full("alarm"),
    Partial("setitimer", "ITIMER_VIRTUAL and ITIMER_PROF count wall time, not CPU time."),
    Partial("getitimer", "ITIMER_VIRTUAL and ITIMER_PROF count wall time, not CPU time."),
    Partial("timer_create", "SIGEV_THREAD is delivered as a plain signal."),
    Full("timer_settime"), Full("timer_gettime"), Full("timer_getoverrun"), Full("timer_delete"),
    Partial("times", "CPU times are approximated from wall time in the task and its syscalls."),
    Partial("getrusage", "CPU times approximated; memory and I/O counters are zero."),
    // Scheduling and system facts (sched.cc).
    Full("sched_yield"),
    Partial("sched_getaffinity", "The host's online CPU count."),
    Partial("sched_setaffinity", "Recorded per thread; the host is never changed."),
    Partial("sched_getparam", "SCHED_OTHER only."), Partial("sched_setparam", "SCHED_OTHER only."),
    Partial("sched_getscheduler", "SCHED_OTHER only."),
    Partial("sched_setscheduler", "SCHED_OTHER only; real-time policies are EPERM."),
    Full("sched_get_priority_max"), Full("sched_get_priority_min"),
    Full("sched_rr_get_interval"),
    Partial("getpriority", "Recorded nice values; they do not change scheduling."),
    Partial("setpriority", "Recorded nice values; they do not change scheduling."),
    Full("getcpu"), Partial("sysinfo", "Memory figures are the host's."),
    Partial("getrandom", "At most 64 KiB per call."),
    // Readiness (poll.cc, epoll.cc).
    Full("poll"), Full("ppoll"), Full("select"), Full("pselect6"),
    Full("epoll_create"), Full("epoll_create1"), Full("epoll_ctl"),
    // Mounts and memfd (mount.cc, memfd.cc).
    Partial("mount", "tmpfs, proc, sysfs, devtmpfs and (non-recursive) bind mounts; propagation flags are accepted no-ops; MS_REMOUNT changes the per-mount flags; MS_MOVE EINVAL."),
    Partial("umount2", "EBUSY while in use unless MNT_DETACH; MNT_EXPIRE always EAGAIN."),
    Partial("memfd_create", "A tmpfs file; seals with MFD_ALLOW_SEALING (F_SEAL_WRITE does not yet check for writable shared mappings); MFD_HUGETLB EINVAL."),
    Partial("epoll_wait", "EPOLLRDHUP, EPOLLPRI and EPOLLWAKEUP are never reported; a watched file closed during a wait is released at the next call."),
    Partial("epoll_pwait", "As epoll_wait."), Partial("epoll_pwait2", "As epoll_wait."),
    // Memory locking (mlock.cc): the Sentry never pages app memory out.
    Partial("mlock", "Checked and accepted; memory is never paged out, lock counts are not tracked."),
    Partial("mlock2", "As mlock."), Partial("munlock", "As mlock."),
    Partial("mlockall", "As mlock."), Partial("munlockall", "As mlock."),
    // Event and timer files (eventfd.cc, timerfd.cc).
    Full("eventfd"), Full("eventfd2"),
    Partial("timerfd_create", "The _ALARM clocks tick like their base clocks and never wake a suspended system."),
    Partial("timerfd_settime", "TFD_TIMER_CANCEL_ON_SET is accepted but a clock change never cancels."),
    Full("timerfd_gettime"),
    Partial("signalfd", "ssi_fd and ssi_band (SIGIO records) are always zero."),
    Partial("signalfd4", "As signalfd."),

    Unsupported("inotify_init", ENOSYS, "inotify is not implemented; programs fall back to polling."),
    Unsupported("inotify_init1", ENOSYS, "inotify is not implemented; programs fall back to polling."),
    Unsupported("inotify_add_watch", ENOSYS, "inotify is not implemented."),
    Unsupported("inotify_rm_watch", ENOSYS, "inotify is not implemented."),
    Unsupported("fanotify_init", ENOSYS, "fanotify is not implemented."),
    Unsupported("fanotify_mark", ENOSYS, "fanotify is not implemented."),
    Unsupported("io_uring_setup", ENOSYS, "io_uring is not implemented; liburing users fall back to read/write."),
    Unsupported("io_uring_enter", ENOSYS, "io_uring is not implemented."),
    Unsupported("io_uring_register", ENOSYS, "io_uring is not implemented."),
    Unsupported("perf_event_open", ENOSYS, "Hardware and software performance counters are not exposed."),
    Unsupported("bpf", ENOSYS, "eBPF is not available in the sandbox."),
    Unsupported("userfaultfd", ENOSYS, "userfaultfd is not implemented."),
    Unsupported("rseq", ENOSYS, "Restartable sequences are not implemented; glibc runs without them."),
    Planned("socket",
            "AF_UNIX comes first. AF_INET and AF_INET6 will fail with EAFNOSUPPORT until the network "
            "issue lands."),

    // Linux itself returns ENOSYS for these.
    Unsupported("create_module", ENOSYS, kNotInLinux),
    Unsupported("get_kernel_syms", ENOSYS, kNotInLinux),
    Unsupported("query_module", ENOSYS, kNotInLinux),
    Unsupported("nfsservctl", ENOSYS, kNotInLinux),
    Unsupported("getpmsg", ENOSYS, kNotInLinux),
    Unsupported("putpmsg", ENOSYS, kNotInLinux),
    Unsupported("afs_syscall", ENOSYS, kNotInLinux),
    Unsupported("tuxcall", ENOSYS, kNotInLinux),
    Unsupported("security", ENOSYS, kNotInLinux),
    Unsupported("vserver", ENOSYS, kNotInLinux),
    Unsupported("epoll_ctl_old", ENOSYS, kNotInLinux),
    Unsupported("epoll_wait_old", ENOSYS, kNotInLinux),
};

constexpr bool AllNamesReal() {
  for (const SupportEntry& e : kSupport) {
    if (!IsSyscallName(e.name)) return false;
  }
  return true;
}
constexpr bool NoDuplicates() {
  for (size_t i = 0; i < std::size(kSupport); ++i) {
    for (size_t j = i + 1; j < std::size(kSupport); ++j) {
      if (kSupport[i].name == kSupport[j].name) return false;
    }
  }
  return true;
}
constexpr bool EntriesComplete() {
  for (const SupportEntry& e : kSupport) {
    switch (e.level) {
      case SupportLevel::kFull:
        if (e.error != 0) return false;
        break;
      case SupportLevel::kPartial:
        if (e.error != 0 || e.note.empty()) return false;
        break;
      case SupportLevel::kUnsupported:
        if (e.error <= 0 || e.note.empty()) return false;
        break;
      case SupportLevel::kUnimplemented:
        if (e.error != ENOSYS || e.note.empty()) return false;
        break;
    }
    if (e.note.find('\n') != std::string_view::npos) return false;
  }
  return true;
}
static_assert(AllNamesReal(), "support table: a name is not in syscall_table.h");
static_assert(NoDuplicates(), "support table: a syscall is listed twice");
static_assert(EntriesComplete(),
              "support table: kPartial/kUnsupported/Planned need a one-line note; "
              "kUnsupported needs an errno");

}  // namespace

std::span<const SupportEntry> SupportTable() { return kSupport; }

}  // namespace compat
