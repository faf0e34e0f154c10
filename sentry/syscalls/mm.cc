// Memory syscalls: thin wrappers over MemoryManager.
#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>

#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

SyscallReturn Result(ErrnoResult r) {
  return r.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(r.error());
}

SyscallReturn Brk(Task& t, const SyscallArguments& a) {
  return SyscallReturn::Ok(static_cast<int64_t>(t.mm().Brk(a[0], ~uint64_t{0})));
}

SyscallReturn Mmap(Task& t, const SyscallArguments& a) {
  mm::MmapRequest req;
  req.addr = a[0];
  req.length = a[1];
  req.prot = static_cast<int>(a[2]);
  req.flags = static_cast<int>(a[3]);
  req.offset = a[5];
  if (!(req.flags & MAP_ANONYMOUS)) {
    // File mappings need the VFS (MappableFile); refuse like an fd whose
    // file has no mmap.
    int fd = static_cast<int>(a[4]);
    if (t.fds().Get(fd) == nullptr) return SyscallReturn::Err(EBADF);
    return SyscallReturn::Err(ENODEV);
  }
  auto r = t.mm().Mmap(req);
  if (!r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*r));
}

SyscallReturn Munmap(Task& t, const SyscallArguments& a) {
  return Result(t.mm().Munmap(a[0], a[1]));
}
SyscallReturn Mprotect(Task& t, const SyscallArguments& a) {
  return Result(t.mm().Mprotect(a[0], a[1], static_cast<int>(a[2])));
}
SyscallReturn Mremap(Task& t, const SyscallArguments& a) {
  auto r = t.mm().Mremap(a[0], a[1], a[2], static_cast<int>(a[3]), a[4]);
  if (!r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*r));
}
SyscallReturn Madvise(Task& t, const SyscallArguments& a) {
  return Result(t.mm().Madvise(a[0], a[1], static_cast<int>(a[2])));
}
SyscallReturn Mincore(Task& t, const SyscallArguments& a) {
  return Result(t.mm().Mincore(a[0], a[1], a[2]));
}
SyscallReturn Msync(Task& t, const SyscallArguments& a) {
  return Result(t.mm().Msync(a[0], a[1], static_cast<int>(a[2])));
}

}  // namespace

void RegisterMm(SyscallTable& t) {
  t.Register(SYS_brk, Brk);
  t.Register(SYS_mmap, Mmap);
  t.Register(SYS_munmap, Munmap);
  t.Register(SYS_mprotect, Mprotect);
  t.Register(SYS_mremap, Mremap);
  t.Register(SYS_madvise, Madvise);
  t.Register(SYS_mincore, Mincore);
  t.Register(SYS_msync, Msync);
}

}  // namespace sentry::syscalls
