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
