// How strace shows each syscall argument and return value: one small enum
// value per argument, some with the index of a companion argument (a
// buffer's length, an iovec's count). The syscall table (syscall_table.h)
// is written in these terms; the Sentry's strace printer switches on them.
#ifndef COMPAT_ARG_FORMAT_H_
#define COMPAT_ARG_FORMAT_H_

#include <cstdint>

namespace compat {

enum class ArgFormat : uint8_t {
  kNone,  // no such argument
  // Plain values.
  kHex,
  kInt,
  kUInt,
  kPointer,  // an address shown as hex, never dereferenced
  kFd,
  kAtFd,  // an fd or AT_FDCWD, shown by name
  // Strings in app memory.
  kPath,
  kString,       // NUL-terminated, not a path (xattr names, fstype, ...)
  kStringArray,  // argv/envp: NULL-terminated char*[]
  // Buffers; aux = index of the length argument.
  kBufferIn,   // contents shown on entry
  kBufferOut,  // contents shown on exit, up to the return value
  // Flag and enum words.
  kOpenFlags,
  kMode,  // octal, with S_IF* type bits named
  kAtFlags,
  kAccessMode,  // F_OK | R_OK | W_OK | X_OK
  kMmapProt,
  kMmapFlags,
  kMremapFlags,
  kMadvise,
  kWhence,
  kFcntlCmd,
  kIoctlCmd,
  kPrctlOption,
  kArchPrctlCode,
  kPtraceRequest,
  kCloneFlags,
  kFutexOp,
  kClockId,
  kWaitOptions,
  kRlimitResource,
  kSocketFamily,
  kSocketType,  // with SOCK_NONBLOCK / SOCK_CLOEXEC
  kSockOptLevel,
  kMsgFlags,
  kShutdownHow,
  kEpollCtlOp,
  kSigprocmaskHow,
  kSignal,  // a signal number, shown by name
  // Structures in app memory, read on entry.
  kSigSet,
  kSigAction,
  kSigInfo,
  kTimespec,
  kTimeval,
  kItimerspec,
  kItimerval,
  kRlimit,
  kEpollEvent,
  kMsgHdr,
  kOpenHow,    // openat2
  kCloneArgs,  // clone3
  kFdSet,      // select
  kSockAddr,   // aux = length argument
  kPollFds,    // aux = count argument; revents shown on exit
  kIovec,      // aux = count argument; buffers shown on entry
  // Structures written by the kernel, shown on exit.
  kSigSetOut,
  kSigActionOut,
  kTimespecOut,
  kTimevalOut,
  kItimerspecOut,
  kItimervalOut,
  kRlimitOut,
  kStatOut,
  kStatxOut,
  kStatfsOut,
  kUtsnameOut,
  kRusageOut,
  kWaitStatusOut,  // int*
  kFdPairOut,      // int[2] (pipe, socketpair)
  kMsgHdrOut,
  kSockAddrOut,     // aux = argument holding a socklen_t*
  kDirentsOut,      // aux = length argument
  kEpollEventsOut,  // aux = count argument; as many as returned
  kIovecOut,        // aux = count argument; up to the return value
};

// The return value on success (failures are always -errno).
enum class ReturnFormat : uint8_t {
  kDecimal,   // counts, ids, 0
  kAddress,   // mmap, brk, shmat, mremap: an address, in hex
  kNewFd,     // a new file descriptor
  kOctal,     // umask
  kNoReturn,  // exit, exit_group, rt_sigreturn: no value to show
};

// One argument's format and, for some formats, the index (0..5) of the
// argument that gives its length or count.
struct Arg {
  ArgFormat format = ArgFormat::kNone;
  int8_t aux = -1;

  constexpr Arg() = default;
  constexpr Arg(ArgFormat f, int aux_index = -1)  // NOLINT: implicit, for the table
      : format(f), aux(static_cast<int8_t>(aux_index)) {}
};

// Formats whose aux must name another argument.
constexpr bool NeedsAux(ArgFormat f) {
  switch (f) {
    case ArgFormat::kBufferIn:
    case ArgFormat::kBufferOut:
    case ArgFormat::kSockAddr:
    case ArgFormat::kPollFds:
    case ArgFormat::kIovec:
    case ArgFormat::kSockAddrOut:
    case ArgFormat::kDirentsOut:
    case ArgFormat::kEpollEventsOut:
    case ArgFormat::kIovecOut:
      return true;
    default:
      return false;
  }
}

}  // namespace compat

#endif  // COMPAT_ARG_FORMAT_H_
