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
    // Implemented by the first Sentry boot (sentry/syscalls/*.cc).
    Full("exit"),
    Full("exit_group", "Single-threaded processes only until threads land."),
    Partial("getpid", "Always 1: each sandbox runs one process (the init of its PID namespace) until fork lands."),
    Partial("gettid", "Always 1 until threads land."),
    Partial("getppid", "Always 0 (the init's parent is outside the namespace) until fork lands."),
    Full("getuid"), Full("geteuid"), Full("getgid"), Full("getegid"),
    Full("uname", "Release is the Sentry's own (6.1.0-gsandbox), never the host's; hostname from the boot spec."),
    Partial("arch_prctl", "ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS only."),
    Partial("set_tid_address", "Recorded; the clear-and-wake at thread exit comes with threads."),
    Partial("set_robust_list", "Recorded; robust-list cleanup comes with futex."),
    Partial("getrlimit", "Fixed limits."),
    Partial("prlimit64", "Reads fixed limits; setting a limit is EPERM."),
    Full("brk"),
    Partial("mmap", "Anonymous mappings only; file mappings are ENODEV until the VFS lands."),
    Full("munmap"), Full("mprotect"),
    Partial("mremap", "old_len 0 and MREMAP_DONTUNMAP of shared anonymous memory are EINVAL."),
    Full("madvise"), Full("mincore"),
    Partial("msync", "No write-back: there are no shared file mappings yet."),
    Partial("read", "stdin, stdout and stderr (host FDs handed to the Sentry) only until the VFS lands."),
    Partial("write", "stdin, stdout and stderr only until the VFS lands."),
    Partial("readv", "stdin, stdout and stderr only until the VFS lands."),
    Partial("writev", "stdin, stdout and stderr only until the VFS lands."),
    Partial("close", "stdin, stdout and stderr only until the VFS lands."),
    Partial("fstat", "stdin, stdout and stderr only until the VFS lands."),
    Partial("newfstatat", "Only AT_EMPTY_PATH with an empty path (glibc's fstat); paths need the VFS."),
    Partial("lseek", "ESPIPE on pipes and ttys; stdio only."),
    Partial("ioctl", "TCGETS on a tty; everything else ENOTTY."),
    Partial("clock_gettime", "Realtime, monotonic and boottime clocks; CPU-time clocks are EINVAL."),
    Partial("clock_getres", "Realtime, monotonic and boottime clocks; CPU-time clocks are EINVAL."),
    Full("gettimeofday"), Full("time"),
    Partial("nanosleep", "Not yet interrupted by signals."),
    Partial("clock_nanosleep", "Not yet interrupted by signals."),
    Partial("getrandom", "At most 64 KiB per call."),

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
