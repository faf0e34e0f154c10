// Memory syscalls: thin wrappers over MemoryManager.
#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/page_cache.h"
#include "sentry/vfs/path.h"

namespace sentry::syscalls {
namespace {

SyscallReturn Result(ErrnoResult r) {
  return r.ok() ? SyscallReturn::Ok(0) : SyscallReturn::From(r.error());
}

SyscallReturn Brk(Task& t, const SyscallArguments& a) {
  return SyscallReturn::Ok(static_cast<int64_t>(t.mm().Brk(a[0], ~uint64_t{0})));
}

// The file side of mmap(2) of `fd`, in Linux's order (do_mmap): EBADF,
// EACCES for a file not open for reading or a writable shared mapping of
// a file not open for writing, ENODEV for files without mmap (pipes,
// directories, the host FDs handed in at boot).
ErrnoResult SetUpFileMapping(Task& t, int fd, mm::MmapRequest& req) {
  std::shared_ptr<kernel::File> f = t.fds().Get(fd);
  auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
  if (f == nullptr || (vf != nullptr && vf->path_only())) return Errno(EBADF);
  const int type = req.flags & MAP_TYPE;
  const bool shared = type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
  if (shared && (req.prot & PROT_WRITE) && !f->writable()) return Errno(EACCES);
  if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE || type == MAP_PRIVATE) {
    if (!f->readable()) return Errno(EACCES);
  }
  if (vf == nullptr || !S_ISREG(vf->inode().Stat().mode)) return Errno(ENODEV);
  int max_prot = PROT_READ | PROT_WRITE | PROT_EXEC;
  if (shared && !f->writable()) max_prot &= ~PROT_WRITE;
  if (vf->vd().mount->flags() & MS_NOEXEC) {
    if (req.prot & PROT_EXEC) return Errno(EPERM);
    max_prot &= ~PROT_EXEC;
  }
  auto name = vfs::PathOf(vfs::RootOf(t), vf->vd());
  req.name = name.ok() ? *name : vf->vd().dentry->name();
  req.file = std::make_shared<vfs::InodeMappable>(vf->vd().dentry->inode_ptr(),
                                                  t.kernel().memory_file(), req.name);
  req.max_prot = max_prot;
  return {};
}

SyscallReturn Mmap(Task& t, const SyscallArguments& a) {
  mm::MmapRequest req;
  req.addr = a[0];
  req.length = a[1];
  req.prot = static_cast<int>(a[2]);
  req.flags = static_cast<int>(a[3]);
  req.offset = a[5];
  if (!mm::PageAligned(req.offset)) return SyscallReturn::Err(EINVAL);  // before the fd
  if (!(req.flags & MAP_ANONYMOUS)) {
    if (ErrnoResult r = SetUpFileMapping(t, static_cast<int>(a[4]), req); !r.ok()) {
      return SyscallReturn::From(r.error());
    }
  }
  auto r = t.mm().Mmap(req);
  if (!r.ok()) return SyscallReturn::From(r.error());
  return SyscallReturn::Ok(static_cast<int64_t>(*r));
}

// fsync(2)/fdatasync(2): VFS files write their cached pages back (their
// inodes keep no other dirty state); other files are EINVAL, as Linux says
// for pipes and the like.
SyscallReturn Fsync(Task& t, const SyscallArguments& a) {
  std::shared_ptr<kernel::File> f = t.fds().Get(static_cast<int>(a[0]));
  auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
  if (f == nullptr || (vf != nullptr && vf->path_only())) return SyscallReturn::Err(EBADF);
  if (vf == nullptr) return SyscallReturn::Err(EINVAL);
  return Result(vfs::SyncFileData(vf->inode()));
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
  t.Register(SYS_fsync, Fsync);
  t.Register(SYS_fdatasync, Fsync);
}

}  // namespace sentry::syscalls
