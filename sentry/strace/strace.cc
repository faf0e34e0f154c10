#include "sentry/strace/strace.h"

#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "compat/errnos.h"
#include "compat/signals.h"
#include "compat/syscalls.h"
#include "sentry/mm/memory_manager.h"
#include "sentry/strace/flags.h"

namespace sentry::strace {
namespace {

using compat::ArgFormat;

constexpr size_t kMaxArrayItems = 16;

std::string Hex(uint64_t v) { return v == 0 ? "NULL" : absl::StrCat("0x", absl::Hex(v)); }

template <class T>
bool Read(kernel::Task& t, uint64_t addr, T* out) {
  return addr != 0 && t.mm().CopyIn(addr, out, sizeof(T)).ok();
}

// strace's quoting: C escapes, octal for other non-printables, "..." when cut.
std::string Quote(const uint8_t* p, size_t n, size_t limit) {
  std::string s = "\"";
  const size_t shown = n < limit ? n : limit;
  for (size_t i = 0; i < shown; ++i) {
    const uint8_t c = p[i];
    switch (c) {
      case '\n': s += "\\n"; break;
      case '\t': s += "\\t"; break;
      case '\r': s += "\\r"; break;
      case '\v': s += "\\v"; break;
      case '\f': s += "\\f"; break;
      case '"': s += "\\\""; break;
      case '\\': s += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          s += static_cast<char>(c);
        } else {
          char b[8];
          std::snprintf(b, sizeof b, "\\%o", c);
          s += b;
        }
    }
  }
  s += '"';
  if (shown < n) s += "...";
  return s;
}

std::string StringAt(kernel::Task& t, uint64_t addr, size_t limit) {
  if (addr == 0) return "NULL";
  auto s = t.mm().CopyInString(addr, 4096);
  if (!s.ok()) return Hex(addr);
  return Quote(reinterpret_cast<const uint8_t*>(s->data()), s->size(), limit);
}

std::string BufferAt(kernel::Task& t, uint64_t addr, size_t n, size_t limit) {
  if (addr == 0) return "NULL";
  std::vector<uint8_t> b(n < limit ? n : limit);
  if (!b.empty() && !t.mm().CopyIn(addr, b.data(), b.size()).ok()) return Hex(addr);
  return Quote(b.data(), n, limit);
}

std::string Timespec(const struct timespec& ts) {
  return absl::StrCat("{tv_sec=", ts.tv_sec, ", tv_nsec=", ts.tv_nsec, "}");
}
std::string Timeval(const struct timeval& tv) {
  return absl::StrCat("{tv_sec=", tv.tv_sec, ", tv_usec=", tv.tv_usec, "}");
}

std::string SigSet(uint64_t set) {
  std::string s = "[";
  bool first = true;
  for (int sig = 1; sig <= 64; ++sig) {
    if ((set & (1ull << (sig - 1))) == 0) continue;
    if (!first) s += ' ';
    first = false;
    std::string name = compat::SignalName(sig);
    s += name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  }
  return s + "]";
}

std::string Rlim(uint64_t v) { return v == RLIM_INFINITY ? "RLIM64_INFINITY" : absl::StrCat(v); }

std::string WaitStatus(int st) {
  if (WIFEXITED(st)) return absl::StrCat("[{WIFEXITED(s) && WEXITSTATUS(s) == ", WEXITSTATUS(st), "}]");
  if (WIFSIGNALED(st)) {
    return absl::StrCat("[{WIFSIGNALED(s) && WTERMSIG(s) == ", compat::SignalName(WTERMSIG(st)),
                        WCOREDUMP(st) ? " && WCOREDUMP(s)" : "", "}]");
  }
  if (WIFSTOPPED(st)) return absl::StrCat("[{WIFSTOPPED(s) && WSTOPSIG(s) == ", compat::SignalName(WSTOPSIG(st)), "}]");
  if (WIFCONTINUED(st)) return "[{WIFCONTINUED(s)}]";
  return absl::StrCat("[", st, "]");
}

std::string SockAddr(kernel::Task& t, uint64_t addr, uint64_t len) {
  if (addr == 0) return "NULL";
  struct sockaddr_storage ss {};
  const size_t n = len < sizeof ss ? len : sizeof ss;
  if (n < sizeof(sa_family_t) || !t.mm().CopyIn(addr, &ss, n).ok()) return Hex(addr);
  std::string fam;
  FormatFlags(ArgFormat::kSocketFamily, ss.ss_family, &fam);
  if (ss.ss_family == AF_UNIX) {
    auto* un = reinterpret_cast<struct sockaddr_un*>(&ss);
    const size_t plen = n - offsetof(struct sockaddr_un, sun_path);
    if (plen > 0 && un->sun_path[0] == '\0') {
      return absl::StrCat("{sa_family=AF_UNIX, sun_path=@",
                          Quote(reinterpret_cast<const uint8_t*>(un->sun_path + 1), plen - 1, 108), "}");
    }
    return absl::StrCat("{sa_family=AF_UNIX, sun_path=",
                        Quote(reinterpret_cast<const uint8_t*>(un->sun_path), strnlen(un->sun_path, plen), 108), "}");
  }
  return absl::StrCat("{sa_family=", fam, ", ...}");
}

std::string Stat(const struct stat& st) {
  std::string mode;
  FormatFlags(ArgFormat::kMode, st.st_mode, &mode);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    return absl::StrCat("{st_mode=", mode, ", st_rdev=makedev(", major(st.st_rdev), ", ",
                        minor(st.st_rdev), "), ...}");
  }
  return absl::StrCat("{st_mode=", mode, ", st_size=", st.st_size, ", ...}");
}

bool IsOutput(ArgFormat f) {
  switch (f) {
    case ArgFormat::kBufferOut:
    case ArgFormat::kSigSetOut:
    case ArgFormat::kSigActionOut:
    case ArgFormat::kTimespecOut:
    case ArgFormat::kTimevalOut:
    case ArgFormat::kItimerspecOut:
    case ArgFormat::kItimervalOut:
    case ArgFormat::kRlimitOut:
    case ArgFormat::kStatOut:
    case ArgFormat::kStatxOut:
    case ArgFormat::kStatfsOut:
    case ArgFormat::kUtsnameOut:
    case ArgFormat::kRusageOut:
    case ArgFormat::kWaitStatusOut:
    case ArgFormat::kFdPairOut:
    case ArgFormat::kMsgHdrOut:
    case ArgFormat::kSockAddrOut:
    case ArgFormat::kDirentsOut:
    case ArgFormat::kEpollEventsOut:
    case ArgFormat::kIovecOut:
      return true;
    default:
      return false;
  }
}

bool HasPathArg(const compat::SyscallInfo& info) {
  for (const compat::Arg& a : info.args) {
    if (a.format == ArgFormat::kPath) return true;
  }
  return false;
}

// strace shows open's mode only when the flags create a file.
bool HiddenArg(const compat::SyscallInfo& info, const kernel::SyscallArguments& a, int i) {
  if (info.args[i].format != ArgFormat::kMode || i == 0) return false;
  if (info.args[i - 1].format != ArgFormat::kOpenFlags) return false;
  return (a[i - 1] & (O_CREAT | 020000000 /* __O_TMPFILE */)) == 0;
}

// One argument. `ret` is the return value for output formats (entry: 0).
std::string Arg(kernel::Task& t, const compat::SyscallInfo& info, const kernel::SyscallArguments& a,
                int i, int64_t ret, size_t limit) {
  const compat::Arg& arg = info.args[i];
  const uint64_t v = a[i];
  const uint64_t aux = arg.aux >= 0 ? a[arg.aux] : 0;
  std::string s;
  if (arg.format == ArgFormat::kOpenFlags && !HasPathArg(info)) {
    // pipe2, dup3, eventfd2...: flags without an access mode.
    if (v == 0) return "0";
    FormatFlags(arg.format, v, &s);
    return s.rfind("O_RDONLY|", 0) == 0 ? s.substr(9) : s;
  }
  if (FormatFlags(arg.format, v, &s)) return s;
  switch (arg.format) {
    case ArgFormat::kHex:
      return v == 0 ? "0" : absl::StrCat("0x", absl::Hex(v));
    case ArgFormat::kInt:
      return absl::StrCat(static_cast<int64_t>(v));
    case ArgFormat::kUInt:
      return absl::StrCat(v);
    case ArgFormat::kPointer:
      return Hex(v);
    case ArgFormat::kFd:
      return absl::StrCat(static_cast<int32_t>(v));
    case ArgFormat::kAtFd:
      return static_cast<int32_t>(v) == AT_FDCWD ? "AT_FDCWD" : absl::StrCat(static_cast<int32_t>(v));
    case ArgFormat::kPath:
      return StringAt(t, v, 4096);
    case ArgFormat::kString:
      return StringAt(t, v, limit);
    case ArgFormat::kStringArray: {
      if (v == 0) return "NULL";
      std::string out = "[";
      for (size_t k = 0;; ++k) {
        uint64_t p;
        if (!Read(t, v + 8 * k, &p)) return Hex(v);
        if (p == 0) break;
        if (k == kMaxArrayItems) {
          out += ", ...";
          break;
        }
        if (k != 0) out += ", ";
        out += StringAt(t, p, limit);
      }
      return out + "]";
    }
    case ArgFormat::kBufferIn:
      return BufferAt(t, v, aux, limit);
    case ArgFormat::kBufferOut:
      return ret < 0 ? Hex(v) : BufferAt(t, v, static_cast<size_t>(ret), limit);
    case ArgFormat::kSigSet:
    case ArgFormat::kSigSetOut: {
      uint64_t set;
      return Read(t, v, &set) ? SigSet(set) : Hex(v);
    }
    case ArgFormat::kSigAction:
    case ArgFormat::kSigActionOut: {
      struct {
        uint64_t handler, flags, restorer, mask;
      } sa;
      if (!Read(t, v, &sa)) return Hex(v);
      std::string h = sa.handler == 0 ? "SIG_DFL" : sa.handler == 1 ? "SIG_IGN" : Hex(sa.handler);
      return absl::StrCat("{sa_handler=", h, ", sa_mask=", SigSet(sa.mask), ", sa_flags=0x",
                          absl::Hex(sa.flags), "}");
    }
    case ArgFormat::kSigInfo: {
      siginfo_t si;
      if (!Read(t, v, &si)) return Hex(v);
      return absl::StrCat("{si_signo=", compat::SignalName(si.si_signo), ", si_code=", si.si_code, ", ...}");
    }
    case ArgFormat::kTimespec:
    case ArgFormat::kTimespecOut: {
      struct timespec ts;
      return Read(t, v, &ts) ? Timespec(ts) : Hex(v);
    }
    case ArgFormat::kTimeval:
    case ArgFormat::kTimevalOut: {
      struct timeval tv;
      return Read(t, v, &tv) ? Timeval(tv) : Hex(v);
    }
    case ArgFormat::kItimerspec:
    case ArgFormat::kItimerspecOut: {
      struct itimerspec its;
      if (!Read(t, v, &its)) return Hex(v);
      return absl::StrCat("{it_interval=", Timespec(its.it_interval), ", it_value=", Timespec(its.it_value), "}");
    }
    case ArgFormat::kItimerval:
    case ArgFormat::kItimervalOut: {
      struct itimerval itv;
      if (!Read(t, v, &itv)) return Hex(v);
      return absl::StrCat("{it_interval=", Timeval(itv.it_interval), ", it_value=", Timeval(itv.it_value), "}");
    }
    case ArgFormat::kRlimit:
    case ArgFormat::kRlimitOut: {
      struct rlimit r;
      if (!Read(t, v, &r)) return Hex(v);
      return absl::StrCat("{rlim_cur=", Rlim(r.rlim_cur), ", rlim_max=", Rlim(r.rlim_max), "}");
    }
    case ArgFormat::kEpollEvent: {
      struct epoll_event ev;
      if (!Read(t, v, &ev)) return Hex(v);
      return absl::StrCat("{events=0x", absl::Hex(ev.events), ", data=0x", absl::Hex(ev.data.u64), "}");
    }
    case ArgFormat::kSockAddr:
      return SockAddr(t, v, aux);
    case ArgFormat::kSockAddrOut: {
      uint32_t len = 0;
      if (ret < 0 || !Read(t, aux, &len)) return Hex(v);
      return SockAddr(t, v, len);
    }
    case ArgFormat::kPollFds: {
      std::string out = "[";
      for (uint64_t k = 0; k < aux && k < kMaxArrayItems; ++k) {
        struct pollfd p;
        if (!Read(t, v + k * sizeof p, &p)) return Hex(v);
        absl::StrAppend(&out, k ? ", " : "", "{fd=", p.fd, ", events=0x", absl::Hex(p.events), "}");
      }
      return out + (aux > kMaxArrayItems ? ", ...]" : "]");
    }
    case ArgFormat::kIovec:
    case ArgFormat::kIovecOut: {
      if (arg.format == ArgFormat::kIovecOut && ret < 0) return Hex(v);
      std::string out = "[";
      int64_t left = arg.format == ArgFormat::kIovecOut ? ret : INT64_MAX;
      for (uint64_t k = 0; k < aux && k < kMaxArrayItems; ++k) {
        struct iovec io;
        if (!Read(t, v + k * sizeof io, &io)) return Hex(v);
        const size_t n = left < static_cast<int64_t>(io.iov_len) ? static_cast<size_t>(left) : io.iov_len;
        left -= static_cast<int64_t>(n);
        absl::StrAppend(&out, k ? ", " : "", "{iov_base=",
                        BufferAt(t, reinterpret_cast<uint64_t>(io.iov_base), n, limit),
                        ", iov_len=", io.iov_len, "}");
      }
      return out + (aux > kMaxArrayItems ? ", ...]" : "]");
    }
    case ArgFormat::kStatOut: {
      struct stat st;
      if (ret < 0 || !Read(t, v, &st)) return Hex(v);
      return Stat(st);
    }
    case ArgFormat::kUtsnameOut: {
      struct utsname u;
      if (ret < 0 || !Read(t, v, &u)) return Hex(v);
      return absl::StrCat("{sysname=\"", u.sysname, "\", nodename=\"", u.nodename, "\", ...}");
    }
    case ArgFormat::kWaitStatusOut: {
      int st;
      if (ret <= 0 || !Read(t, v, &st)) return Hex(v);
      return WaitStatus(st);
    }
    case ArgFormat::kFdPairOut: {
      int32_t fds[2];
      if (ret < 0 || !Read(t, v, &fds)) return Hex(v);
      return absl::StrCat("[", fds[0], ", ", fds[1], "]");
    }
    case ArgFormat::kEpollEventsOut: {
      if (ret <= 0) return Hex(v);
      std::string out = "[";
      for (int64_t k = 0; k < ret && k < static_cast<int64_t>(kMaxArrayItems); ++k) {
        struct epoll_event ev;
        if (!Read(t, v + k * sizeof ev, &ev)) return Hex(v);
        absl::StrAppend(&out, k ? ", " : "", "{events=0x", absl::Hex(ev.events), ", data=0x",
                        absl::Hex(ev.data.u64), "}");
      }
      return out + "]";
    }
    default:  // structures shown by address: statx, statfs, rusage, msghdr, dirents...
      return Hex(v);
  }
}

std::string Return(const compat::SyscallInfo* info, int64_t ret) {
  if (info != nullptr && info->ret == compat::ReturnFormat::kNoReturn) return "?";
  if (ret < 0 && ret >= -4095) {
    const int e = static_cast<int>(-ret);
    switch (e) {
      case 512: return "? ERESTARTSYS (To be restarted if SA_RESTART is set)";
      case 513: return "? ERESTARTNOINTR (To be restarted)";
      case 514: return "? ERESTARTNOHAND (To be restarted if no handler)";
      case 516: return "? ERESTART_RESTARTBLOCK (Interrupted by signal)";
      default: break;
    }
    return absl::StrCat("-1 ", std::string(compat::ErrnoName(e)), " (", std::strerror(e), ")");
  }
  if (info != nullptr && info->ret == compat::ReturnFormat::kAddress) {
    return absl::StrCat("0x", absl::Hex(static_cast<uint64_t>(ret)));
  }
  if (info != nullptr && info->ret == compat::ReturnFormat::kOctal) {
    char b[24];
    std::snprintf(b, sizeof b, "0%llo", static_cast<unsigned long long>(ret));
    return b;
  }
  return absl::StrCat(ret);
}

}  // namespace

Tracer::Tracer(Options options, int fd) : options_(std::move(options)), fd_(fd) {}

absl::StatusOr<std::set<std::string>> Tracer::ParseSyscallList(const std::string& list) {
  std::set<std::string> out;
  for (absl::string_view name : absl::StrSplit(list, ',', absl::SkipEmpty())) {
    if (compat::LookupSyscall(std::string_view(name.data(), name.size())) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--strace-syscalls: unknown syscall \"", name, "\""));
    }
    out.insert(std::string(name));
  }
  return out;
}

bool Tracer::Traced(uint64_t nr) const {
  if (options_.only.empty()) return true;
  const compat::SyscallInfo* info = compat::LookupSyscall(static_cast<long>(nr));
  return info != nullptr && options_.only.contains(std::string(info->name));
}

Tracer::Pending Tracer::Enter(kernel::Task& t, const kernel::SyscallArguments& a) const {
  Pending p;
  p.nr = a.nr;
  const compat::SyscallInfo* info = compat::LookupSyscall(static_cast<long>(a.nr));
  if (info == nullptr) return p;
  for (int i = 0; i < info->arg_count(); ++i) {
    if (IsOutput(info->args[i].format)) continue;
    p.args[i] = Arg(t, *info, a, i, 0, options_.log_size);
    p.done[i] = true;
  }
  return p;
}

std::string Tracer::Line(kernel::Task& t, const kernel::SyscallArguments& a, Pending& p,
                         int64_t ret, absl::Duration took) const {
  const compat::SyscallInfo* info = compat::LookupSyscall(static_cast<long>(a.nr));
  char tid[16];
  std::snprintf(tid, sizeof tid, "[%4d] ", t.tid());
  std::string line = tid;
  if (info == nullptr) {
    absl::StrAppend(&line, "syscall_", a.nr, "(0x", absl::Hex(a[0]), ", 0x", absl::Hex(a[1]), ", 0x",
                    absl::Hex(a[2]), ")");
  } else {
    absl::StrAppend(&line, std::string(info->name), "(");
    for (int i = 0; i < info->arg_count(); ++i) {
      if (HiddenArg(*info, a, i)) continue;
      if (!p.done[i]) p.args[i] = Arg(t, *info, a, i, ret, options_.log_size);
      absl::StrAppend(&line, i ? ", " : "", p.args[i]);
    }
    line += ")";
  }
  char dur[32];
  std::snprintf(dur, sizeof dur, " <%.6f>", absl::ToDoubleSeconds(took));
  absl::StrAppend(&line, " = ", Return(info, ret), dur, "\n");
  return line;
}

void Tracer::Exit(kernel::Task& t, const kernel::SyscallArguments& a, Pending& p, int64_t ret,
                  absl::Duration took) const {
  const std::string line = Line(t, a, p, ret, took);
  // One write per line keeps lines from different threads whole.
  (void)!write(fd_, line.data(), line.size());
}

std::string Tracer::Format(kernel::Task& t, const kernel::SyscallArguments& a, int64_t ret,
                           absl::Duration took) const {
  Pending p = Enter(t, a);
  return Line(t, a, p, ret, took);
}

}  // namespace sentry::strace
