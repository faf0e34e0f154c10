// mount(2) and umount2(2) in the sandbox's mount namespace, for the types
// of sentry/fs/filesystems.h (tmpfs, proc, sysfs, devtmpfs) and bind
// mounts. Needs CAP_SYS_ADMIN (EPERM). Every mount is private: propagation
// changes (MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE) succeed and do
// nothing. MS_REMOUNT changes the read-only flag of a mount; MS_MOVE is
// EINVAL. umount2 is EBUSY while the mount has mounts on it or anything
// (an open file, a cwd) uses it, unless MNT_DETACH.
#include <limits.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#include <string>

#include "sentry/fs/filesystems.h"
#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/path.h"

namespace sentry::syscalls {
namespace {

using vfs::VirtualDentry;

constexpr uint64_t kPropagation = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE;
// Flags a mount keeps (what /proc/mounts shows).
constexpr uint32_t kPerMount = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;

ErrnoOr<VirtualDentry> ResolvePath(Task& t, uint64_t addr, bool follow) {
  auto path = t.mm().CopyInString(addr, PATH_MAX);
  if (!path.ok()) return path.error();
  auto r = vfs::ResolverFor(t, AT_FDCWD, *path);
  if (!r.ok()) return r.error();
  return r->Resolve(*path, {.follow_final = follow});
}

// An optional string argument (null: empty) of at most `max` bytes.
ErrnoOr<std::string> OptString(Task& t, uint64_t addr, size_t max) {
  if (addr == 0) return std::string();
  return t.mm().CopyInString(addr, max);
}

SyscallReturn Mount(Task& t, const SyscallArguments& a) {
  if (!vfs::HasCapability(t.creds(), CAP_SYS_ADMIN)) return SyscallReturn::Err(EPERM);
  uint64_t flags = a[3];
  if ((flags & 0xffff0000) == 0xC0ED0000) flags &= 0xffff;  // MS_MGC_VAL
  auto target = ResolvePath(t, a[1], true);
  if (!target.ok()) return SyscallReturn::From(target.error());
  if ((flags & kPropagation) != 0) return SyscallReturn::Ok(0);
  if ((flags & MS_MOVE) != 0) return SyscallReturn::Err(EINVAL);
  if ((flags & MS_REMOUNT) != 0) {
    if (target->dentry != target->mount->root()) return SyscallReturn::Err(EINVAL);
    target->mount->SetFlags(static_cast<uint32_t>(flags) & kPerMount);
    return SyscallReturn::Ok(0);
  }
  if (!target->inode().IsDir() && (flags & MS_BIND) == 0) return SyscallReturn::Err(ENOTDIR);
  std::shared_ptr<vfs::Dentry> fs_root;
  std::string type, source;
  if ((flags & MS_BIND) != 0) {
    auto src = ResolvePath(t, a[0], true);
    if (!src.ok()) return SyscallReturn::From(src.error());
    if (src->inode().IsDir() != target->inode().IsDir()) return SyscallReturn::Err(ENOTDIR);
    fs_root = src->dentry;
    type = src->mount->fstype();
    source = src->mount->source();
  } else {
    auto fstype = OptString(t, a[2], 4096);
    if (!fstype.ok()) return SyscallReturn::From(fstype.error());
    if (fstype->empty()) return SyscallReturn::Err(EINVAL);
    auto src = OptString(t, a[0], PATH_MAX);
    if (!src.ok()) return SyscallReturn::From(src.error());
    auto data = OptString(t, a[4], 4096);
    if (!data.ok() && data.error().value() == ENAMETOOLONG) data = std::string();  // a page at most
    if (!data.ok()) return SyscallReturn::From(data.error());
    auto inode = fs::NewFilesystem(t.kernel(), *fstype, *data);
    if (!inode.ok()) return SyscallReturn::From(inode.error());
    fs_root = vfs::Dentry::NewRoot(std::move(*inode));
    type = *fstype;
    source = src->empty() ? "none" : *src;
  }
  auto m = target->mount->AddChild(target->dentry, std::move(fs_root),
                                   static_cast<uint32_t>(flags) & kPerMount);
  m->SetDescription(type, source);
  return SyscallReturn::Ok(0);
}

SyscallReturn Umount2(Task& t, const SyscallArguments& a) {
  if (!vfs::HasCapability(t.creds(), CAP_SYS_ADMIN)) return SyscallReturn::Err(EPERM);
  const int flags = static_cast<int>(a[1]);
  if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0 ||
      ((flags & MNT_EXPIRE) != 0 && (flags & (MNT_FORCE | MNT_DETACH)) != 0)) {
    return SyscallReturn::Err(EINVAL);
  }
  std::shared_ptr<vfs::Mount> m;
  {
    auto target = ResolvePath(t, a[0], (flags & UMOUNT_NOFOLLOW) == 0);
    if (!target.ok()) return SyscallReturn::From(target.error());
    if (target->dentry != target->mount->root()) return SyscallReturn::Err(EINVAL);
    m = std::move(target->mount);
  }
  auto parent = m->parent();
  if (!parent) return SyscallReturn::Err(EBUSY);  // the namespace root
  if ((flags & MNT_EXPIRE) != 0) return SyscallReturn::Err(EAGAIN);  // first call only marks
  if ((flags & MNT_DETACH) == 0) {
    // Users: the parent's reference and ours; anything more (an open file,
    // a cwd, a mount on top) keeps it busy.
    if (!m->Children().empty() || m.use_count() > 2) return SyscallReturn::Err(EBUSY);
  }
  if (!parent->RemoveChild(m)) return SyscallReturn::Err(EINVAL);
  return SyscallReturn::Ok(0);
}

}  // namespace

void RegisterMount(SyscallTable& t) {
  t.Register(SYS_mount, Mount);
  t.Register(SYS_umount2, Umount2);
}

}  // namespace sentry::syscalls
