#include "compat/errnos.h"

#include <array>

namespace compat {
namespace {

// Indexed by number; "" where Linux has no errno (41 and 58 were the
// EWOULDBLOCK and EDEADLOCK slots, which alias EAGAIN and EDEADLK).
constexpr std::array<std::string_view, kMaxErrno + 1> kNames = {
    "",           "EPERM",      "ENOENT",     "ESRCH",         "EINTR",
    "EIO",        "ENXIO",      "E2BIG",      "ENOEXEC",       "EBADF",
    "ECHILD",     "EAGAIN",     "ENOMEM",     "EACCES",        "EFAULT",
    "ENOTBLK",    "EBUSY",      "EEXIST",     "EXDEV",         "ENODEV",
    "ENOTDIR",    "EISDIR",     "EINVAL",     "ENFILE",        "EMFILE",
    "ENOTTY",     "ETXTBSY",    "EFBIG",      "ENOSPC",        "ESPIPE",
    "EROFS",      "EMLINK",     "EPIPE",      "EDOM",          "ERANGE",
    "EDEADLK",    "ENAMETOOLONG", "ENOLCK",   "ENOSYS",        "ENOTEMPTY",
    "ELOOP",      "",           "ENOMSG",     "EIDRM",         "ECHRNG",
    "EL2NSYNC",   "EL3HLT",     "EL3RST",     "ELNRNG",        "EUNATCH",
    "ENOCSI",     "EL2HLT",     "EBADE",      "EBADR",         "EXFULL",
    "ENOANO",     "EBADRQC",    "EBADSLT",    "",              "EBFONT",
    "ENOSTR",     "ENODATA",    "ETIME",      "ENOSR",         "ENONET",
    "ENOPKG",     "EREMOTE",    "ENOLINK",    "EADV",          "ESRMNT",
    "ECOMM",      "EPROTO",     "EMULTIHOP",  "EDOTDOT",       "EBADMSG",
    "EOVERFLOW",  "ENOTUNIQ",   "EBADFD",     "EREMCHG",       "ELIBACC",
    "ELIBBAD",    "ELIBSCN",    "ELIBMAX",    "ELIBEXEC",      "EILSEQ",
    "ERESTART",   "ESTRPIPE",   "EUSERS",     "ENOTSOCK",      "EDESTADDRREQ",
    "EMSGSIZE",   "EPROTOTYPE", "ENOPROTOOPT", "EPROTONOSUPPORT", "ESOCKTNOSUPPORT",
    "EOPNOTSUPP", "EPFNOSUPPORT", "EAFNOSUPPORT", "EADDRINUSE", "EADDRNOTAVAIL",
    "ENETDOWN",   "ENETUNREACH", "ENETRESET", "ECONNABORTED",  "ECONNRESET",
    "ENOBUFS",    "EISCONN",    "ENOTCONN",   "ESHUTDOWN",     "ETOOMANYREFS",
    "ETIMEDOUT",  "ECONNREFUSED", "EHOSTDOWN", "EHOSTUNREACH", "EALREADY",
    "EINPROGRESS", "ESTALE",    "EUCLEAN",    "ENOTNAM",       "ENAVAIL",
    "EISNAM",     "EREMOTEIO",  "EDQUOT",     "ENOMEDIUM",     "EMEDIUMTYPE",
    "ECANCELED",  "ENOKEY",     "EKEYEXPIRED", "EKEYREVOKED",  "EKEYREJECTED",
    "EOWNERDEAD", "ENOTRECOVERABLE", "ERFKILL", "EHWPOISON",
};
static_assert(kNames[kMaxErrno] == "EHWPOISON");

// Never seen by the app: the kernel turns them into EINTR or a restart.
constexpr int kFirstInternal = 512;
constexpr std::array<std::string_view, 5> kInternal = {
    "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND", "ENOIOCTLCMD", "ERESTART_RESTARTBLOCK",
};

struct Alias {
  std::string_view name;
  int number;
};
constexpr Alias kAliases[] = {{"EWOULDBLOCK", 11}, {"EDEADLOCK", 35}, {"ENOTSUP", 95}};

}  // namespace

std::string_view ErrnoName(int e) {
  if (e >= 0 && e <= kMaxErrno) return kNames[e];
  if (e >= kFirstInternal && e < kFirstInternal + static_cast<int>(kInternal.size())) {
    return kInternal[e - kFirstInternal];
  }
  return {};
}

std::optional<int> ErrnoNumber(std::string_view name) {
  if (name.empty()) return std::nullopt;
  for (int e = 1; e <= kMaxErrno; ++e) {
    if (kNames[e] == name) return e;
  }
  for (size_t i = 0; i < kInternal.size(); ++i) {
    if (kInternal[i] == name) return kFirstInternal + static_cast<int>(i);
  }
  for (const Alias& a : kAliases) {
    if (a.name == name) return a.number;
  }
  return std::nullopt;
}

}  // namespace compat
