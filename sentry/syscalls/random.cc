// getrandom(2): bytes from the host's getrandom, copied into the app buffer.
#include <sys/random.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

SyscallReturn Getrandom(Task& t, const SyscallArguments& a) {
  unsigned flags = static_cast<unsigned>(a[2]);
  constexpr unsigned kInsecure = 0x4;  // GRND_INSECURE (Linux >= 5.6)
  if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | kInsecure)) return SyscallReturn::Err(EINVAL);
  if ((flags & GRND_RANDOM) && (flags & kInsecure)) return SyscallReturn::Err(EINVAL);
  // Linux returns at most 32 MiB - 1 per call; we return at most 64 KiB.
  size_t len = std::min<uint64_t>(a[1], 64 << 10);
  if (len == 0) return SyscallReturn::Ok(0);
  std::vector<uint8_t> buf(len);
  ssize_t n;
  do {
    n = ::getrandom(buf.data(), len, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return SyscallReturn::Err(errno);
  auto c = t.mm().CopyOutPartial(a[0], buf.data(), static_cast<size_t>(n));
  if (!c.ok()) return SyscallReturn::From(c.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*c));
}

}  // namespace

void RegisterRandom(SyscallTable& t) { t.Register(SYS_getrandom, Getrandom); }

}  // namespace sentry::syscalls
