#include "sentry/strace/flags.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <span>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "compat/signals.h"

namespace sentry::strace {
namespace {

struct Named {
  uint64_t value;
  std::string_view name;
};

#define N(x) {static_cast<uint64_t>(x), #x}

constexpr Named kOpenFlags[] = {
    N(O_CREAT),     N(O_EXCL),    N(O_NOCTTY),   N(O_TRUNC),   N(O_APPEND),
    N(O_NONBLOCK),  N(O_DSYNC),   N(O_ASYNC),    N(O_DIRECT),  N(O_LARGEFILE),
    N(O_DIRECTORY), N(O_NOFOLLOW), N(O_NOATIME), N(O_CLOEXEC), {04000000 /* __O_SYNC */, "O_SYNC"},
    N(O_PATH),      {020000000, "O_TMPFILE"},
};
constexpr Named kAtFlags[] = {
    N(AT_SYMLINK_NOFOLLOW), N(AT_REMOVEDIR), N(AT_SYMLINK_FOLLOW), N(AT_NO_AUTOMOUNT),
    N(AT_EMPTY_PATH),       N(AT_EACCESS),
};
constexpr Named kAccess[] = {N(R_OK), N(W_OK), N(X_OK)};
constexpr Named kProt[] = {N(PROT_READ), N(PROT_WRITE), N(PROT_EXEC), N(PROT_GROWSDOWN),
                           N(PROT_GROWSUP)};
constexpr Named kMmapFlags[] = {
    N(MAP_FIXED),      N(MAP_ANONYMOUS), N(MAP_32BIT),     N(MAP_GROWSDOWN), N(MAP_DENYWRITE),
    N(MAP_EXECUTABLE), N(MAP_LOCKED),    N(MAP_NORESERVE), N(MAP_POPULATE),  N(MAP_NONBLOCK),
    N(MAP_STACK),      N(MAP_HUGETLB),   N(MAP_SYNC),      N(MAP_FIXED_NOREPLACE),
};
constexpr Named kMremap[] = {N(MREMAP_MAYMOVE), N(MREMAP_FIXED), {4, "MREMAP_DONTUNMAP"}};
constexpr Named kCloneFlags[] = {
    N(CLONE_VM),       N(CLONE_FS),          N(CLONE_FILES),         N(CLONE_SIGHAND),
    N(CLONE_PIDFD),    N(CLONE_PTRACE),      N(CLONE_VFORK),         N(CLONE_PARENT),
    N(CLONE_THREAD),   N(CLONE_NEWNS),       N(CLONE_SYSVSEM),       N(CLONE_SETTLS),
    N(CLONE_PARENT_SETTID), N(CLONE_CHILD_CLEARTID), N(CLONE_DETACHED), N(CLONE_UNTRACED),
    N(CLONE_CHILD_SETTID), N(CLONE_NEWCGROUP), N(CLONE_NEWUTS),      N(CLONE_NEWIPC),
    N(CLONE_NEWUSER),  N(CLONE_NEWPID),      N(CLONE_NEWNET),        N(CLONE_IO),
};
constexpr Named kWaitOptions[] = {N(WNOHANG), N(WUNTRACED), N(WCONTINUED), N(WNOWAIT),
                                  N(__WNOTHREAD), N(__WALL), N(__WCLONE), N(WEXITED)};
constexpr Named kMsgFlags[] = {N(MSG_OOB),    N(MSG_PEEK),     N(MSG_DONTROUTE), N(MSG_CTRUNC),
                               N(MSG_TRUNC),  N(MSG_DONTWAIT), N(MSG_EOR),       N(MSG_WAITALL),
                               N(MSG_NOSIGNAL), N(MSG_MORE),   N(MSG_CMSG_CLOEXEC)};
constexpr Named kSockTypeFlags[] = {N(SOCK_NONBLOCK), N(SOCK_CLOEXEC)};

constexpr Named kWhence[] = {N(SEEK_SET), N(SEEK_CUR), N(SEEK_END), N(SEEK_DATA), N(SEEK_HOLE)};
constexpr Named kFcntl[] = {
    N(F_DUPFD),   N(F_GETFD),  N(F_SETFD),    N(F_GETFL),   N(F_SETFL),   N(F_GETLK),
    N(F_SETLK),   N(F_SETLKW), N(F_SETOWN),   N(F_GETOWN),  N(F_SETSIG),  N(F_GETSIG),
    N(F_SETLEASE), N(F_GETLEASE), N(F_NOTIFY), N(F_DUPFD_CLOEXEC), N(F_SETPIPE_SZ),
    N(F_GETPIPE_SZ), N(F_ADD_SEALS), N(F_GET_SEALS), N(F_OFD_GETLK), N(F_OFD_SETLK),
    N(F_OFD_SETLKW),
};
constexpr Named kMadvise[] = {
    N(MADV_NORMAL),   N(MADV_RANDOM),    N(MADV_SEQUENTIAL), N(MADV_WILLNEED), N(MADV_DONTNEED),
    N(MADV_FREE),     N(MADV_REMOVE),    N(MADV_DONTFORK),   N(MADV_DOFORK),   N(MADV_MERGEABLE),
    N(MADV_UNMERGEABLE), N(MADV_HUGEPAGE), N(MADV_NOHUGEPAGE), N(MADV_DONTDUMP), N(MADV_DODUMP),
    N(MADV_WIPEONFORK), N(MADV_KEEPONFORK), N(MADV_COLD),    N(MADV_PAGEOUT),
};
constexpr Named kClocks[] = {
    N(CLOCK_REALTIME), N(CLOCK_MONOTONIC), N(CLOCK_PROCESS_CPUTIME_ID), N(CLOCK_THREAD_CPUTIME_ID),
    N(CLOCK_MONOTONIC_RAW), N(CLOCK_REALTIME_COARSE), N(CLOCK_MONOTONIC_COARSE),
    N(CLOCK_BOOTTIME), N(CLOCK_REALTIME_ALARM), N(CLOCK_BOOTTIME_ALARM), N(CLOCK_TAI),
};
constexpr Named kRlimits[] = {
    N(RLIMIT_CPU),     N(RLIMIT_FSIZE),  N(RLIMIT_DATA),    N(RLIMIT_STACK),  N(RLIMIT_CORE),
    N(RLIMIT_RSS),     N(RLIMIT_NPROC),  N(RLIMIT_NOFILE),  N(RLIMIT_MEMLOCK), N(RLIMIT_AS),
    N(RLIMIT_LOCKS),   N(RLIMIT_SIGPENDING), N(RLIMIT_MSGQUEUE), N(RLIMIT_NICE), N(RLIMIT_RTPRIO),
    N(RLIMIT_RTTIME),
};
constexpr Named kFamilies[] = {N(AF_UNSPEC), N(AF_UNIX), N(AF_INET), N(AF_INET6), N(AF_NETLINK),
                               N(AF_PACKET)};
constexpr Named kSockTypes[] = {N(SOCK_STREAM), N(SOCK_DGRAM), N(SOCK_RAW), N(SOCK_SEQPACKET)};
constexpr Named kSockLevels[] = {N(SOL_SOCKET), {6, "SOL_TCP"}, {17, "SOL_UDP"}, {0, "SOL_IP"},
                                 {41, "SOL_IPV6"}};
constexpr Named kShutdown[] = {N(SHUT_RD), N(SHUT_WR), N(SHUT_RDWR)};
constexpr Named kEpollOps[] = {N(EPOLL_CTL_ADD), N(EPOLL_CTL_DEL), N(EPOLL_CTL_MOD)};
constexpr Named kSigprocmask[] = {N(SIG_BLOCK), N(SIG_UNBLOCK), N(SIG_SETMASK)};
constexpr Named kArchPrctl[] = {{0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"},
                                {0x1003, "ARCH_GET_FS"}, {0x1004, "ARCH_GET_GS"},
                                {0x1011, "ARCH_GET_CPUID"}, {0x1012, "ARCH_SET_CPUID"}};
constexpr Named kPrctl[] = {
    N(PR_SET_PDEATHSIG), N(PR_GET_PDEATHSIG), N(PR_GET_DUMPABLE), N(PR_SET_DUMPABLE),
    N(PR_GET_KEEPCAPS),  N(PR_SET_KEEPCAPS),  N(PR_SET_NAME),     N(PR_GET_NAME),
    N(PR_GET_TIMERSLACK), N(PR_SET_TIMERSLACK), N(PR_CAPBSET_READ), N(PR_CAPBSET_DROP),
    N(PR_SET_SECCOMP),   N(PR_GET_SECCOMP),   N(PR_SET_NO_NEW_PRIVS), N(PR_GET_NO_NEW_PRIVS),
    N(PR_SET_CHILD_SUBREAPER), N(PR_GET_CHILD_SUBREAPER), N(PR_SET_MM), N(PR_CAP_AMBIENT),
    N(PR_GET_TID_ADDRESS), N(PR_SET_THP_DISABLE), N(PR_GET_THP_DISABLE), N(PR_SET_VMA),
};
constexpr Named kFutexOps[] = {
    N(FUTEX_WAIT), N(FUTEX_WAKE), N(FUTEX_FD), N(FUTEX_REQUEUE), N(FUTEX_CMP_REQUEUE),
    N(FUTEX_WAKE_OP), N(FUTEX_LOCK_PI), N(FUTEX_UNLOCK_PI), N(FUTEX_TRYLOCK_PI),
    N(FUTEX_WAIT_BITSET), N(FUTEX_WAKE_BITSET), N(FUTEX_WAIT_REQUEUE_PI),
    N(FUTEX_CMP_REQUEUE_PI), {13, "FUTEX_LOCK_PI2"},
};
constexpr Named kPtrace[] = {{0, "PTRACE_TRACEME"}, {1, "PTRACE_PEEKTEXT"}, {2, "PTRACE_PEEKDATA"},
                             {7, "PTRACE_CONT"}, {8, "PTRACE_KILL"}, {16, "PTRACE_ATTACH"},
                             {17, "PTRACE_DETACH"}, {0x4206, "PTRACE_SEIZE"}};

#undef N

void HexTail(uint64_t v, std::string* out) { absl::StrAppend(out, "0x", absl::Hex(v)); }

// Flags with the hex remainder strace-style ("A|B|0x40").
void FlagWord(std::span<const Named> names, uint64_t v, std::string* out, std::string_view zero) {
  std::string s;
  for (const Named& n : names) {
    if (n.value != 0 && (v & n.value) == n.value) {
      if (!s.empty()) s += '|';
      s += n.name;
      v &= ~n.value;
    }
  }
  if (v != 0) {
    if (!s.empty()) s += '|';
    HexTail(v, &s);
  }
  *out += s.empty() ? std::string(zero) : s;
}

bool Enum(std::span<const Named> names, uint64_t v, std::string* out, bool hex_unknown = false) {
  for (const Named& n : names) {
    if (n.value == v) {
      *out += n.name;
      return true;
    }
  }
  if (hex_unknown) {
    HexTail(v, out);
  } else {
    absl::StrAppend(out, static_cast<int64_t>(static_cast<int32_t>(v)));
  }
  return true;
}

}  // namespace

bool FormatFlags(compat::ArgFormat f, uint64_t v, std::string* out) {
  using compat::ArgFormat;
  switch (f) {
    case ArgFormat::kOpenFlags: {
      const uint64_t acc = v & O_ACCMODE;
      *out += acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" : acc == O_RDWR ? "O_RDWR" : "O_ACCMODE";
      v &= ~uint64_t{O_ACCMODE};
      if (v != 0) {
        *out += '|';
        FlagWord(kOpenFlags, v, out, "0");
      }
      return true;
    }
    case ArgFormat::kAtFlags:
      FlagWord(kAtFlags, v, out, "0");
      return true;
    case ArgFormat::kAccessMode:
      FlagWord(kAccess, v, out, "F_OK");
      return true;
    case ArgFormat::kMmapProt:
      FlagWord(kProt, v, out, "PROT_NONE");
      return true;
    case ArgFormat::kMmapFlags: {
      const uint64_t type = v & MAP_TYPE;
      *out += type == MAP_SHARED ? "MAP_SHARED" : type == MAP_PRIVATE ? "MAP_PRIVATE"
              : type == MAP_SHARED_VALIDATE ? "MAP_SHARED_VALIDATE" : "0";
      v &= ~uint64_t{MAP_TYPE};
      if (v != 0) {
        *out += '|';
        FlagWord(kMmapFlags, v, out, "0");
      }
      return true;
    }
    case ArgFormat::kMremapFlags:
      FlagWord(kMremap, v, out, "0");
      return true;
    case ArgFormat::kCloneFlags: {
      const int sig = static_cast<int>(v & 0xff);
      v &= ~uint64_t{0xff};
      std::string s;
      FlagWord(kCloneFlags, v, &s, "");
      if (sig != 0) {
        if (!s.empty()) s += '|';
        s += compat::SignalName(sig);
      }
      *out += s.empty() ? "0" : s;
      return true;
    }
    case ArgFormat::kWaitOptions:
      FlagWord(kWaitOptions, v, out, "0");
      return true;
    case ArgFormat::kMsgFlags:
      FlagWord(kMsgFlags, v, out, "0");
      return true;
    case ArgFormat::kSocketType: {
      Enum(kSockTypes, v & 0xf, out);
      const uint64_t rest = v & ~uint64_t{0xf};
      if (rest != 0) {
        *out += '|';
        FlagWord(kSockTypeFlags, rest, out, "0");
      }
      return true;
    }
    case ArgFormat::kWhence: return Enum(kWhence, v, out);
    case ArgFormat::kFcntlCmd: return Enum(kFcntl, v, out);
    case ArgFormat::kMadvise: return Enum(kMadvise, v, out);
    case ArgFormat::kClockId: return Enum(kClocks, v, out);
    case ArgFormat::kRlimitResource: return Enum(kRlimits, v, out);
    case ArgFormat::kSocketFamily: return Enum(kFamilies, v, out);
    case ArgFormat::kSockOptLevel: return Enum(kSockLevels, v, out);
    case ArgFormat::kShutdownHow: return Enum(kShutdown, v, out);
    case ArgFormat::kEpollCtlOp: return Enum(kEpollOps, v, out);
    case ArgFormat::kSigprocmaskHow: return Enum(kSigprocmask, v, out);
    case ArgFormat::kArchPrctlCode: return Enum(kArchPrctl, v, out, true);
    case ArgFormat::kPrctlOption: return Enum(kPrctl, v, out);
    case ArgFormat::kPtraceRequest: return Enum(kPtrace, v, out);
    case ArgFormat::kIoctlCmd:
      HexTail(v, out);
      return true;
    case ArgFormat::kFutexOp: {
      std::string s;
      Enum(kFutexOps, v & FUTEX_CMD_MASK, &s);
      if (v & FUTEX_PRIVATE_FLAG) s += "_PRIVATE";
      if (v & FUTEX_CLOCK_REALTIME) s += "|FUTEX_CLOCK_REALTIME";
      *out += s;
      return true;
    }
    case ArgFormat::kSignal: {
      const int sig = static_cast<int>(v);
      if (sig > 0 && sig < 65) {
        *out += compat::SignalName(sig);
      } else {
        absl::StrAppend(out, sig);
      }
      return true;
    }
    case ArgFormat::kMode: {
      const uint64_t type = v & S_IFMT;
      switch (type) {
        case S_IFREG: *out += "S_IFREG|"; break;
        case S_IFDIR: *out += "S_IFDIR|"; break;
        case S_IFCHR: *out += "S_IFCHR|"; break;
        case S_IFBLK: *out += "S_IFBLK|"; break;
        case S_IFIFO: *out += "S_IFIFO|"; break;
        case S_IFLNK: *out += "S_IFLNK|"; break;
        case S_IFSOCK: *out += "S_IFSOCK|"; break;
        default: break;
      }
      const uint64_t perm = v & ~uint64_t{S_IFMT};
      char oct[24];
      std::snprintf(oct, sizeof oct, "0%02llo", static_cast<unsigned long long>(perm));
      *out += perm == 0 ? "000" : oct;
      return true;
    }
    default:
      return false;
  }
}

}  // namespace sentry::strace
