// Path syscalls over the VFS (sentry/vfs): open/openat/openat2/creat, the
// stat family, access, readlink, getcwd/chdir/fchdir, mkdir, unlink,
// rmdir, rename, symlink, link, chmod, chown, truncate, utimensat and
// getdents64. Paths are copied in from app memory (PATH_MAX) and resolved
// in the task's root/cwd or a dirfd's directory; permissions come from the
// task's fs credentials.
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sentry/kernel/kernel.h"
#include "sentry/syscalls/table.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/page_cache.h"
#include "sentry/vfs/path.h"

namespace sentry::syscalls {
namespace {

using vfs::Inode;
using vfs::InodeAttr;
using vfs::Resolver;
using vfs::VirtualDentry;

SyscallReturn Ok() { return SyscallReturn::Ok(0); }
SyscallReturn Fail(Errno e) { return SyscallReturn::From(e); }
SyscallReturn Fail(int e) { return SyscallReturn::Err(e); }

#define TRY_ASSIGN(var, expr)                           \
  auto var##_or = (expr);                               \
  if (!var##_or.ok()) return Fail(var##_or.error());    \
  auto& var = *var##_or
#define TRY(expr)                                       \
  do {                                                  \
    ErrnoResult r_ = (expr);                            \
    if (!r_.ok()) return Fail(r_.error());              \
  } while (0)

constexpr uint64_t kNrOpen = 1 << 20;
// Linux reports O_LARGEFILE in F_GETFL on 64-bit.
constexpr uint32_t kLargefile = 0100000;

int FdLimit(Task& t) {
  absl::MutexLock l(&t.kernel().mu());
  return static_cast<int>(std::min<uint64_t>(t.tg().limits[RLIMIT_NOFILE].rlim_cur, kNrOpen));
}

ErrnoOr<std::string> CopyPath(Task& t, uint64_t addr) {
  return t.mm().CopyInString(addr, PATH_MAX);
}

uint32_t Umask(Task& t) {
  absl::MutexLock l(&t.fs()->mu);
  return t.fs()->umask;
}

vfs::Owner OwnerOf(const Task& t) { return {t.creds().fsuid, t.creds().fsgid}; }

bool Special(const std::string& name) { return name.empty() || name == "." || name == ".."; }

ErrnoResult NotReadOnly(const VirtualDentry& vd) {
  if (vd.mount->read_only()) return Errno(EROFS);
  return {};
}

// may_create: write and search on the directory, on a writable mount.
ErrnoResult MayCreate(Task& t, const VirtualDentry& dir) {
  if (ErrnoResult r = vfs::CheckPermission(t.creds(), dir.inode().Stat(), vfs::kMayWrite | vfs::kMayExec);
      !r.ok()) {
    return r;
  }
  return NotReadOnly(dir);
}

// may_delete: may_create plus the sticky bit rule.
ErrnoResult MayDelete(Task& t, const VirtualDentry& dir, const InodeAttr& victim) {
  if (ErrnoResult r = MayCreate(t, dir); !r.ok()) return r;
  const InodeAttr d = dir.inode().Stat();
  if ((d.mode & S_ISVTX) != 0 && t.creds().fsuid != victim.uid && t.creds().fsuid != d.uid &&
      !vfs::HasCapability(t.creds(), CAP_FOWNER)) {
    return Errno(EPERM);
  }
  return {};
}

bool IsMountpointOrRoot(const VirtualDentry& vd) {
  return vd.dentry->mount_count.load() > 0 || vd.dentry == vd.mount->root();
}

std::shared_ptr<vfs::VfsFile> VfsFileOf(Task& t, int fd) {
  return std::dynamic_pointer_cast<vfs::VfsFile>(t.fds().Get(fd));
}

// What a *at call with (dirfd, path, flags) names: a VFS object, or (for
// AT_EMPTY_PATH on a pipe or host fd) a plain File.
struct Target {
  VirtualDentry vd;
  std::shared_ptr<kernel::File> file;  // non-VFS file
};

ErrnoOr<Target> ResolveAt(Task& t, int dirfd, uint64_t path_addr, bool follow, bool empty_ok) {
  auto path = CopyPath(t, path_addr);
  if (!path.ok()) return path.error();
  if (path->empty()) {
    if (!empty_ok) return Errno(ENOENT);
    if (dirfd == AT_FDCWD) return Target{vfs::CwdOf(t), nullptr};
    auto f = t.fds().Get(dirfd);
    if (!f) return Errno(EBADF);
    if (auto* vf = dynamic_cast<vfs::VfsFile*>(f.get())) return Target{vf->vd(), nullptr};
    return Target{{}, std::move(f)};
  }
  auto r = vfs::ResolverFor(t, dirfd, *path);
  if (!r.ok()) return r.error();
  auto vd = r->Resolve(*path, {.follow_final = follow});
  if (!vd.ok()) return vd.error();
  return Target{std::move(*vd), nullptr};
}

// The app's view of a non-VFS file (pipe, handed-in host fd): its type,
// mode, size and times; identity fields are the sandbox's.
ErrnoResult StatNonVfs(Task& t, kernel::File& f, struct stat* st) {
  struct stat host;
  if (ErrnoResult r = f.Stat(&host); !r.ok()) return r;
  std::memset(st, 0, sizeof(*st));
  st->st_mode = host.st_mode;
  st->st_nlink = 1;
  st->st_uid = t.creds().euid;
  st->st_gid = t.creds().egid;
  st->st_rdev = host.st_rdev;
  st->st_size = S_ISREG(host.st_mode) ? host.st_size : 0;
  st->st_blksize = host.st_blksize;
  st->st_blocks = S_ISREG(host.st_mode) ? host.st_blocks : 0;
  st->st_atim = host.st_atim;
  st->st_mtim = host.st_mtim;
  st->st_ctim = host.st_ctim;
  st->st_dev = 1;
  st->st_ino = 1;
  return {};
}

ErrnoResult StatTarget(Task& t, const Target& tg, struct stat* st) {
  if (tg.file) return StatNonVfs(t, *tg.file, st);
  vfs::FillStat(tg.vd.inode().Stat(), st);
  return {};
}

// ---- open ----

ErrnoOr<int> DoOpen(Task& t, int dirfd, const std::string& path, uint32_t flags, uint32_t mode,
                    uint64_t resolve, bool retry_stale = true) {
  if ((flags & 020000000) != 0) return Errno(EOPNOTSUPP);  // O_TMPFILE (without O_DIRECTORY)
  if ((flags & O_PATH) != 0) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  const uint32_t acc = flags & O_ACCMODE;
  if (acc == O_ACCMODE && (flags & O_PATH) == 0) return Errno(EINVAL);
  auto r = vfs::ResolverFor(t, dirfd, path);
  if (!r.ok()) return r.error();
  vfs::ResolveOptions ro;
  ro.follow_final = (flags & O_NOFOLLOW) == 0;
  ro.no_symlinks = (resolve & RESOLVE_NO_SYMLINKS) != 0;
  ro.beneath = (resolve & RESOLVE_BENEATH) != 0;
  VirtualDentry vd;
  bool created = false;
  if ((flags & O_CREAT) != 0) {
    auto p = r->ResolveParent(path, ro);
    if (!p.ok()) return p.error();
    if (Special(p->name) || p->trailing_slash) return Errno(EISDIR);
    auto child = r->Step(p->dir, p->name);
    if (!child.ok() && child.error().value() != ENOENT) return child.error();
    if (child.ok()) {
      if ((flags & O_EXCL) != 0) return Errno(EEXIST);
      if (S_ISLNK(child->inode().Stat().mode)) {
        if (!ro.follow_final) return Errno(ELOOP);
        auto followed = r->Resolve(path, ro);
        if (!followed.ok()) return followed.error();
        child = std::move(followed);
      }
      vd = std::move(*child);
    } else {
      if (ErrnoResult c = MayCreate(t, p->dir); !c.ok()) return c.error();
      auto inode = p->dir.inode().Create(p->name, mode & ~Umask(t) & 07777, OwnerOf(t));
      if (!inode.ok() && inode.error().value() == EEXIST && (flags & O_EXCL) == 0) {
        // Created meanwhile (e.g. on the host under a gofer root): open it.
        return DoOpen(t, dirfd, path, flags & ~static_cast<uint32_t>(O_CREAT), mode, resolve);
      }
      if (!inode.ok()) return inode.error();
      vd = {p->dir.mount, p->dir.dentry->Added(p->name, std::move(*inode))};
      created = true;
    }
  } else {
    auto found = r->Resolve(path, ro);
    if (!found.ok()) return found.error();
    vd = std::move(*found);
  }
  const InodeAttr a = vd.inode().Stat();
  if (S_ISLNK(a.mode) && (flags & O_PATH) == 0) return Errno(ELOOP);
  if ((flags & O_DIRECTORY) != 0 && !S_ISDIR(a.mode)) return Errno(ENOTDIR);
  if ((flags & O_PATH) == 0) {
    if (S_ISDIR(a.mode) && (acc != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0)) {
      return Errno(EISDIR);
    }
    int may = 0;
    if (acc == O_RDONLY || acc == O_RDWR) may |= vfs::kMayRead;
    if (acc == O_WRONLY || acc == O_RDWR || (flags & O_TRUNC) != 0) may |= vfs::kMayWrite;
    if (!created) {
      if (ErrnoResult c = vfs::CheckPermission(t.creds(), a, may); !c.ok()) return c.error();
    }
    if ((may & vfs::kMayWrite) != 0) {
      if (ErrnoResult c = NotReadOnly(vd); !c.ok()) return c.error();
    }
    if (!created) {
      if (ErrnoResult c = vd.inode().PrepareOpen(flags); !c.ok()) {
        // The file was replaced behind a cache (a gofer root changed on
        // the host): resolve the path again, once.
        if (c.error().value() == ESTALE && retry_stale) {
          return DoOpen(t, dirfd, path, flags, mode, resolve, false);
        }
        return c.error();
      }
    }
    if ((flags & O_TRUNC) != 0 && !created && S_ISREG(a.mode) && vd.inode().Stat().size != 0) {
      if (ErrnoResult c = vfs::SetFileSize(vd.inode(), 0); !c.ok()) return c.error();
    }
  }
  const uint32_t keep = flags & ~static_cast<uint32_t>(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC);
  std::shared_ptr<kernel::File> file;
  if ((flags & O_PATH) == 0) {
    // Devices, synthetic files and magic-link targets bring their own File.
    auto special = vd.inode().Open(t, vd, keep | kLargefile);
    if (!special.ok()) return special.error();
    file = std::move(*special);
    if (!file && !S_ISREG(a.mode) && !S_ISDIR(a.mode)) return Errno(ENXIO);  // FIFOs: later
  }
  if (!file) file = std::make_shared<vfs::VfsFile>(std::move(vd), keep | kLargefile);
  return t.fds().Install(std::move(file), (flags & O_CLOEXEC) != 0, 0, FdLimit(t));
}

SyscallReturn OpenCommon(Task& t, int dirfd, uint64_t path_addr, uint64_t flags, uint64_t mode,
                         uint64_t resolve) {
  TRY_ASSIGN(path, CopyPath(t, path_addr));
  auto fd = DoOpen(t, dirfd, path, static_cast<uint32_t>(flags), static_cast<uint32_t>(mode),
                   resolve);
  if (!fd.ok()) return Fail(fd.error());
  return SyscallReturn::Ok(*fd);
}

SyscallReturn Open(Task& t, const SyscallArguments& a) {
  return OpenCommon(t, AT_FDCWD, a[0], a[1], a[2], 0);
}
SyscallReturn Openat(Task& t, const SyscallArguments& a) {
  return OpenCommon(t, static_cast<int>(a[0]), a[1], a[2], a[3], 0);
}
SyscallReturn Creat(Task& t, const SyscallArguments& a) {
  return OpenCommon(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1], 0);
}

SyscallReturn Openat2(Task& t, const SyscallArguments& a) {
  const uint64_t size = a[3];
  if (size < sizeof(open_how)) return Fail(EINVAL);
  if (size > 4096) return Fail(E2BIG);
  std::vector<uint8_t> raw(size);
  if (!t.mm().CopyIn(a[2], raw.data(), size).ok()) return Fail(EFAULT);
  for (size_t i = sizeof(open_how); i < size; ++i) {
    if (raw[i] != 0) return Fail(E2BIG);
  }
  open_how how;
  std::memcpy(&how, raw.data(), sizeof(how));
  constexpr uint64_t kValidFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |
                                   O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | kLargefile |
                                   O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC |
                                   O_PATH | __O_TMPFILE;
  if ((how.flags & ~kValidFlags) != 0) return Fail(EINVAL);
  if ((how.flags & (O_CREAT | __O_TMPFILE)) == 0 && how.mode != 0) return Fail(EINVAL);
  if ((how.mode & ~uint64_t{07777}) != 0) return Fail(EINVAL);
  if ((how.resolve & ~uint64_t{RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS}) != 0) {
    return Fail(EINVAL);
  }
  return OpenCommon(t, static_cast<int>(a[0]), a[1], how.flags, how.mode, how.resolve);
}

// ---- stat ----

SyscallReturn StatOut(Task& t, const Target& tg, uint64_t buf) {
  struct stat st;
  TRY(StatTarget(t, tg, &st));
  if (!t.mm().CopyOut(buf, &st, sizeof(st)).ok()) return Fail(EFAULT);
  return Ok();
}

SyscallReturn Stat(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], true, false));
  return StatOut(t, tg, a[1]);
}
SyscallReturn Lstat(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], false, false));
  return StatOut(t, tg, a[1]);
}
SyscallReturn Newfstatat(Task& t, const SyscallArguments& a) {
  const int flags = static_cast<int>(a[3]);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) != 0) return Fail(EINVAL);
  TRY_ASSIGN(tg, ResolveAt(t, static_cast<int>(a[0]), a[1], (flags & AT_SYMLINK_NOFOLLOW) == 0,
                           (flags & AT_EMPTY_PATH) != 0));
  return StatOut(t, tg, a[2]);
}

SyscallReturn Statx(Task& t, const SyscallArguments& a) {
  const int flags = static_cast<int>(a[2]);
  const uint32_t mask = static_cast<uint32_t>(a[3]);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) != 0 ||
      (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE) {
    return Fail(EINVAL);
  }
  if ((mask & STATX__RESERVED) != 0) return Fail(EINVAL);
  TRY_ASSIGN(tg, ResolveAt(t, static_cast<int>(a[0]), a[1], (flags & AT_SYMLINK_NOFOLLOW) == 0,
                           (flags & AT_EMPTY_PATH) != 0));
  struct stat st;
  TRY(StatTarget(t, tg, &st));
  struct statx sx;
  std::memset(&sx, 0, sizeof(sx));
  sx.stx_mask = STATX_BASIC_STATS;
  sx.stx_blksize = static_cast<uint32_t>(st.st_blksize);
  sx.stx_nlink = static_cast<uint32_t>(st.st_nlink);
  sx.stx_uid = st.st_uid;
  sx.stx_gid = st.st_gid;
  sx.stx_mode = static_cast<uint16_t>(st.st_mode);
  sx.stx_ino = st.st_ino;
  sx.stx_size = static_cast<uint64_t>(st.st_size);
  sx.stx_blocks = static_cast<uint64_t>(st.st_blocks);
  sx.stx_atime = {st.st_atim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec), 0};
  sx.stx_mtime = {st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_mtim.tv_nsec), 0};
  sx.stx_ctime = {st.st_ctim.tv_sec, static_cast<uint32_t>(st.st_ctim.tv_nsec), 0};
  sx.stx_rdev_major = major(st.st_rdev);
  sx.stx_rdev_minor = minor(st.st_rdev);
  sx.stx_dev_major = major(st.st_dev);
  sx.stx_dev_minor = minor(st.st_dev);
  if (!t.mm().CopyOut(a[4], &sx, sizeof(sx)).ok()) return Fail(EFAULT);
  return Ok();
}

// ---- access ----

SyscallReturn AccessCommon(Task& t, int dirfd, uint64_t path, uint64_t mode, int flags) {
  if ((mode & ~uint64_t{7}) != 0) return Fail(EINVAL);
  if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Fail(EINVAL);
  // access(2) checks with the real IDs unless AT_EACCESS.
  kernel::Credentials saved = t.creds();
  kernel::Credentials c = saved;
  if ((flags & AT_EACCESS) == 0) {
    c.fsuid = c.uid;
    c.fsgid = c.gid;
    if (c.uid != 0) c.cap_effective = 0;
    else c.cap_effective = c.cap_permitted;
  }
  // Resolution itself needs the same identity (search permission).
  {
    absl::MutexLock l(&t.kernel().mu());
    t.creds() = c;
  }
  auto tg = ResolveAt(t, dirfd, path, (flags & AT_SYMLINK_NOFOLLOW) == 0, (flags & AT_EMPTY_PATH) != 0);
  ErrnoResult res;
  if (!tg.ok()) {
    res = tg.error();
  } else if (mode != 0 && !tg->file) {
    res = vfs::CheckPermission(c, tg->vd.inode().Stat(), static_cast<int>(mode));
    if (res.ok() && (mode & W_OK) != 0) res = NotReadOnly(tg->vd);
  }
  {
    absl::MutexLock l(&t.kernel().mu());
    t.creds() = saved;
  }
  return res.ok() ? Ok() : Fail(res.error());
}

SyscallReturn Access(Task& t, const SyscallArguments& a) {
  return AccessCommon(t, AT_FDCWD, a[0], a[1], 0);
}
SyscallReturn Faccessat(Task& t, const SyscallArguments& a) {
  return AccessCommon(t, static_cast<int>(a[0]), a[1], a[2], 0);
}
SyscallReturn Faccessat2(Task& t, const SyscallArguments& a) {
  return AccessCommon(t, static_cast<int>(a[0]), a[1], a[2], static_cast<int>(a[3]));
}

// ---- readlink, getcwd, chdir ----

SyscallReturn ReadlinkCommon(Task& t, int dirfd, uint64_t path, uint64_t buf, uint64_t size) {
  if (static_cast<int64_t>(static_cast<int32_t>(size)) <= 0) return Fail(EINVAL);
  TRY_ASSIGN(tg, ResolveAt(t, dirfd, path, false, true));
  if (tg.file) return Fail(EINVAL);
  TRY_ASSIGN(target, tg.vd.inode().ReadLinkAs(t));
  const size_t n = std::min<size_t>(target.size(), size);
  if (!t.mm().CopyOut(buf, target.data(), n).ok()) return Fail(EFAULT);
  return SyscallReturn::Ok(static_cast<int64_t>(n));
}
SyscallReturn Readlink(Task& t, const SyscallArguments& a) {
  return ReadlinkCommon(t, AT_FDCWD, a[0], a[1], a[2]);
}
SyscallReturn Readlinkat(Task& t, const SyscallArguments& a) {
  return ReadlinkCommon(t, static_cast<int>(a[0]), a[1], a[2], a[3]);
}

SyscallReturn Getcwd(Task& t, const SyscallArguments& a) {
  VirtualDentry root = vfs::RootOf(t), cwd = vfs::CwdOf(t);
  if (!cwd.dentry) return Fail(ENOENT);
  TRY_ASSIGN(path, vfs::PathOf(root, cwd));
  if (path.size() + 1 > a[1]) return Fail(ERANGE);
  if (!t.mm().CopyOut(a[0], path.c_str(), path.size() + 1).ok()) return Fail(EFAULT);
  return SyscallReturn::Ok(static_cast<int64_t>(path.size() + 1));
}

SyscallReturn SetCwd(Task& t, const VirtualDentry& vd) {
  const InodeAttr attr = vd.inode().Stat();
  if (!S_ISDIR(attr.mode)) return Fail(ENOTDIR);
  TRY(vfs::CheckPermission(t.creds(), attr, vfs::kMayExec));
  absl::MutexLock l(&t.fs()->mu);
  t.fs()->cwd_mount = vd.mount;
  t.fs()->cwd = vd.dentry;
  return Ok();
}
SyscallReturn Chdir(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], true, false));
  return SetCwd(t, tg.vd);
}
SyscallReturn Fchdir(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return Fail(EBADF);
  auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
  if (vf == nullptr) return Fail(ENOTDIR);
  return SetCwd(t, vf->vd());
}

// ---- creating and removing names ----

ErrnoOr<Resolver::Parent> ParentAt(Task& t, int dirfd, uint64_t path_addr) {
  auto path = CopyPath(t, path_addr);
  if (!path.ok()) return path.error();
  auto r = vfs::ResolverFor(t, dirfd, *path);
  if (!r.ok()) return r.error();
  return r->ResolveParent(*path);
}

// The existing object `name` in `dir` (never follows), or ENOENT.
ErrnoOr<VirtualDentry> Existing(Task& t, const VirtualDentry& dir, const std::string& name) {
  Resolver r{vfs::RootOf(t), dir, &t.creds()};
  return r.Step(dir, name);
}

SyscallReturn MkdirCommon(Task& t, int dirfd, uint64_t path, uint64_t mode) {
  TRY_ASSIGN(p, ParentAt(t, dirfd, path));
  if (Special(p.name)) return Fail(EEXIST);
  auto old = Existing(t, p.dir, p.name);
  if (old.ok()) return Fail(EEXIST);
  if (old.error().value() != ENOENT) return Fail(old.error());
  TRY(MayCreate(t, p.dir));
  TRY_ASSIGN(inode, p.dir.inode().Mkdir(p.name, static_cast<uint32_t>(mode) & ~Umask(t) & 07777,
                                        OwnerOf(t)));
  p.dir.dentry->Added(p.name, inode);
  return Ok();
}
SyscallReturn Mkdir(Task& t, const SyscallArguments& a) { return MkdirCommon(t, AT_FDCWD, a[0], a[1]); }
SyscallReturn Mkdirat(Task& t, const SyscallArguments& a) {
  return MkdirCommon(t, static_cast<int>(a[0]), a[1], a[2]);
}

SyscallReturn UnlinkCommon(Task& t, int dirfd, uint64_t path) {
  TRY_ASSIGN(p, ParentAt(t, dirfd, path));
  if (Special(p.name)) return Fail(EISDIR);
  TRY_ASSIGN(victim, Existing(t, p.dir, p.name));
  // The victim itself, not what is mounted on it.
  const InodeAttr va = p.dir.dentry->Child(p.name).ok()
                           ? (*p.dir.dentry->Child(p.name))->inode().Stat()
                           : victim.inode().Stat();
  if (S_ISDIR(va.mode)) return Fail(EISDIR);
  if (p.trailing_slash) return Fail(ENOTDIR);
  TRY(MayDelete(t, p.dir, va));
  if (victim.mount != p.dir.mount) return Fail(EBUSY);
  TRY(p.dir.inode().Unlink(p.name));
  p.dir.dentry->Removed(p.name);
  return Ok();
}

SyscallReturn RmdirCommon(Task& t, int dirfd, uint64_t path) {
  TRY_ASSIGN(p, ParentAt(t, dirfd, path));
  if (p.name.empty()) return Fail(EBUSY);
  if (p.name == ".") return Fail(EINVAL);
  if (p.name == "..") return Fail(ENOTEMPTY);
  TRY_ASSIGN(victim, Existing(t, p.dir, p.name));
  if (!S_ISDIR(victim.inode().Stat().mode)) return Fail(ENOTDIR);
  TRY(MayDelete(t, p.dir, victim.inode().Stat()));
  if (victim.mount != p.dir.mount || IsMountpointOrRoot(victim)) return Fail(EBUSY);
  if (victim == vfs::RootOf(t)) return Fail(EBUSY);
  TRY(p.dir.inode().Rmdir(p.name));
  p.dir.dentry->Removed(p.name);
  return Ok();
}

SyscallReturn Unlink(Task& t, const SyscallArguments& a) { return UnlinkCommon(t, AT_FDCWD, a[0]); }
SyscallReturn Rmdir(Task& t, const SyscallArguments& a) { return RmdirCommon(t, AT_FDCWD, a[0]); }
SyscallReturn Unlinkat(Task& t, const SyscallArguments& a) {
  const int flags = static_cast<int>(a[2]);
  if ((flags & ~AT_REMOVEDIR) != 0) return Fail(EINVAL);
  if ((flags & AT_REMOVEDIR) != 0) return RmdirCommon(t, static_cast<int>(a[0]), a[1]);
  return UnlinkCommon(t, static_cast<int>(a[0]), a[1]);
}

// Whether `anc` is `d` or one of its ancestors (same filesystem).
bool IsAncestor(const std::shared_ptr<vfs::Dentry>& anc, std::shared_ptr<vfs::Dentry> d) {
  for (; d; d = d->parent()) {
    if (d == anc) return true;
  }
  return false;
}

SyscallReturn RenameCommon(Task& t, int olddirfd, uint64_t oldpath, int newdirfd,
                           uint64_t newpath, uint32_t flags) {
  if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return Fail(EINVAL);
  if ((flags & RENAME_WHITEOUT) != 0) return Fail(EINVAL);
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return Fail(EINVAL);
  TRY_ASSIGN(op, ParentAt(t, olddirfd, oldpath));
  TRY_ASSIGN(np, ParentAt(t, newdirfd, newpath));
  if (Special(op.name)) return Fail(EBUSY);
  if (Special(np.name)) return Fail((flags & RENAME_NOREPLACE) ? EEXIST : EBUSY);
  if (op.dir.mount != np.dir.mount) return Fail(EXDEV);
  TRY_ASSIGN(src, Existing(t, op.dir, op.name));
  auto dst = Existing(t, np.dir, np.name);
  if (!dst.ok() && dst.error().value() != ENOENT) return Fail(dst.error());
  if ((flags & RENAME_EXCHANGE) && !dst.ok()) return Fail(ENOENT);
  if (dst.ok() && (flags & RENAME_NOREPLACE)) return Fail(EEXIST);
  const InodeAttr sa = src.inode().Stat();
  const bool src_dir = S_ISDIR(sa.mode);
  const bool dst_dir = dst.ok() && S_ISDIR(dst->inode().Stat().mode);
  if (!src_dir && (op.trailing_slash || (np.trailing_slash && !(flags & RENAME_EXCHANGE)))) {
    return Fail(ENOTDIR);
  }
  if (src.mount != op.dir.mount || (dst.ok() && dst->mount != np.dir.mount)) return Fail(EBUSY);
  if (IsMountpointOrRoot(src) || (dst.ok() && IsMountpointOrRoot(*dst))) return Fail(EBUSY);
  if (dst.ok() && dst->dentry == src.dentry) return Ok();
  // A directory cannot move below itself; the target cannot be an ancestor
  // of the source.
  if (src_dir && IsAncestor(src.dentry, np.dir.dentry)) return Fail(EINVAL);
  if (dst.ok() && (flags & RENAME_EXCHANGE) && dst_dir && IsAncestor(dst->dentry, op.dir.dentry)) {
    return Fail(EINVAL);
  }
  if (dst.ok() && IsAncestor(dst->dentry, op.dir.dentry)) return Fail(ENOTEMPTY);
  TRY(MayDelete(t, op.dir, sa));
  if (dst.ok()) {
    TRY(MayDelete(t, np.dir, dst->inode().Stat()));
  } else {
    TRY(MayCreate(t, np.dir));
  }
  // Moving a directory to another parent rewrites its "..".
  if (src_dir && op.dir.dentry != np.dir.dentry) {
    TRY(vfs::CheckPermission(t.creds(), sa, vfs::kMayWrite));
  }
  if ((flags & RENAME_EXCHANGE) && dst_dir && op.dir.dentry != np.dir.dentry) {
    TRY(vfs::CheckPermission(t.creds(), dst->inode().Stat(), vfs::kMayWrite));
  }
  TRY(op.dir.inode().Rename(op.name, np.dir.inode(), np.name, flags));
  op.dir.dentry->Renamed(op.name, *np.dir.dentry, np.name, (flags & RENAME_EXCHANGE) != 0);
  return Ok();
}

SyscallReturn Rename(Task& t, const SyscallArguments& a) {
  return RenameCommon(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}
SyscallReturn Renameat(Task& t, const SyscallArguments& a) {
  return RenameCommon(t, static_cast<int>(a[0]), a[1], static_cast<int>(a[2]), a[3], 0);
}
SyscallReturn Renameat2(Task& t, const SyscallArguments& a) {
  return RenameCommon(t, static_cast<int>(a[0]), a[1], static_cast<int>(a[2]), a[3],
                      static_cast<uint32_t>(a[4]));
}

SyscallReturn SymlinkCommon(Task& t, uint64_t target_addr, int dirfd, uint64_t path) {
  TRY_ASSIGN(target, CopyPath(t, target_addr));
  if (target.empty()) return Fail(ENOENT);
  TRY_ASSIGN(p, ParentAt(t, dirfd, path));
  if (Special(p.name)) return Fail(EEXIST);
  auto old = Existing(t, p.dir, p.name);
  if (old.ok()) return Fail(EEXIST);
  if (old.error().value() != ENOENT) return Fail(old.error());
  if (p.trailing_slash) return Fail(ENOENT);
  TRY(MayCreate(t, p.dir));
  TRY_ASSIGN(inode, p.dir.inode().Symlink(p.name, target, OwnerOf(t)));
  p.dir.dentry->Added(p.name, inode);
  return Ok();
}
SyscallReturn Symlink(Task& t, const SyscallArguments& a) {
  return SymlinkCommon(t, a[0], AT_FDCWD, a[1]);
}
SyscallReturn Symlinkat(Task& t, const SyscallArguments& a) {
  return SymlinkCommon(t, a[0], static_cast<int>(a[1]), a[2]);
}

SyscallReturn LinkCommon(Task& t, int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath,
                         int flags) {
  if ((flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) return Fail(EINVAL);
  TRY_ASSIGN(src, ResolveAt(t, olddirfd, oldpath, (flags & AT_SYMLINK_FOLLOW) != 0,
                            (flags & AT_EMPTY_PATH) != 0));
  if (src.file) return Fail(EXDEV);
  TRY_ASSIGN(p, ParentAt(t, newdirfd, newpath));
  if (Special(p.name)) return Fail(EEXIST);
  auto old = Existing(t, p.dir, p.name);
  if (old.ok()) return Fail(EEXIST);
  if (old.error().value() != ENOENT) return Fail(old.error());
  if (p.trailing_slash) return Fail(ENOENT);
  if (src.vd.mount != p.dir.mount) return Fail(EXDEV);
  if (S_ISDIR(src.vd.inode().Stat().mode)) return Fail(EPERM);
  TRY(MayCreate(t, p.dir));
  TRY(p.dir.inode().Link(p.name, src.vd.dentry->inode_ptr()));
  p.dir.dentry->Added(p.name, src.vd.dentry->inode_ptr());
  return Ok();
}
SyscallReturn Link(Task& t, const SyscallArguments& a) {
  return LinkCommon(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}
SyscallReturn Linkat(Task& t, const SyscallArguments& a) {
  return LinkCommon(t, static_cast<int>(a[0]), a[1], static_cast<int>(a[2]), a[3],
                    static_cast<int>(a[4]));
}

// ---- attributes ----

bool InGroup(const kernel::Credentials& c, uint32_t gid) {
  return c.fsgid == gid || std::find(c.groups.begin(), c.groups.end(), gid) != c.groups.end();
}

SyscallReturn ChmodVd(Task& t, const VirtualDentry& vd, uint64_t mode) {
  const InodeAttr a = vd.inode().Stat();
  if (!vfs::IsOwnerOrCapable(t.creds(), a)) return Fail(EPERM);
  TRY(NotReadOnly(vd));
  vfs::SetAttrRequest req;
  req.mask = vfs::SetAttrRequest::kMode;
  req.mode = static_cast<uint32_t>(mode) & 07777;
  if (!InGroup(t.creds(), a.gid) && !vfs::HasCapability(t.creds(), CAP_FSETID)) {
    req.mode &= ~static_cast<uint32_t>(S_ISGID);
  }
  TRY(vd.inode().SetAttr(req));
  return Ok();
}
SyscallReturn Chmod(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], true, false));
  return ChmodVd(t, tg.vd, a[1]);
}
SyscallReturn Fchmodat(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, static_cast<int>(a[0]), a[1], true, false));
  return ChmodVd(t, tg.vd, a[2]);
}
SyscallReturn Fchmod(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return Fail(EBADF);
  auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
  if (vf == nullptr || vf->path_only()) return Fail(vf == nullptr ? EINVAL : EBADF);
  return ChmodVd(t, vf->vd(), a[1]);
}

SyscallReturn ChownVd(Task& t, const VirtualDentry& vd, uint64_t uid_arg, uint64_t gid_arg) {
  const uint32_t uid = static_cast<uint32_t>(uid_arg), gid = static_cast<uint32_t>(gid_arg);
  const InodeAttr a = vd.inode().Stat();
  const auto& c = t.creds();
  const bool cap = vfs::HasCapability(c, CAP_CHOWN);
  vfs::SetAttrRequest req;
  if (uid != static_cast<uint32_t>(-1)) {
    if (!cap && (uid != a.uid || c.fsuid != a.uid)) return Fail(EPERM);
    req.mask |= vfs::SetAttrRequest::kUid;
    req.uid = uid;
  }
  if (gid != static_cast<uint32_t>(-1)) {
    if (!cap && (c.fsuid != a.uid || (gid != a.gid && !InGroup(c, gid)))) return Fail(EPERM);
    req.mask |= vfs::SetAttrRequest::kGid;
    req.gid = gid;
  }
  TRY(NotReadOnly(vd));
  if (req.mask != 0 && !S_ISDIR(a.mode) && (a.mode & (S_ISUID | S_ISGID)) != 0) {
    req.mask |= vfs::SetAttrRequest::kMode;
    req.mode = a.mode & 07777 & ~static_cast<uint32_t>(S_ISUID);
    if ((a.mode & S_IXGRP) != 0) req.mode &= ~static_cast<uint32_t>(S_ISGID);
  }
  TRY(vd.inode().SetAttr(req));
  return Ok();
}
SyscallReturn Chown(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], true, false));
  return ChownVd(t, tg.vd, a[1], a[2]);
}
SyscallReturn Lchown(Task& t, const SyscallArguments& a) {
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], false, false));
  return ChownVd(t, tg.vd, a[1], a[2]);
}
SyscallReturn Fchownat(Task& t, const SyscallArguments& a) {
  const int flags = static_cast<int>(a[4]);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Fail(EINVAL);
  TRY_ASSIGN(tg, ResolveAt(t, static_cast<int>(a[0]), a[1], (flags & AT_SYMLINK_NOFOLLOW) == 0,
                           (flags & AT_EMPTY_PATH) != 0));
  if (tg.file) return Fail(EINVAL);
  return ChownVd(t, tg.vd, a[2], a[3]);
}
SyscallReturn Fchown(Task& t, const SyscallArguments& a) {
  auto vf = VfsFileOf(t, static_cast<int>(a[0]));
  if (!vf) return Fail(t.fds().Get(static_cast<int>(a[0])) ? EINVAL : EBADF);
  if (vf->path_only()) return Fail(EBADF);
  return ChownVd(t, vf->vd(), a[1], a[2]);
}

SyscallReturn TruncateVd(const VirtualDentry& vd, int64_t len) {
  TRY(vfs::SetFileSize(vd.inode(), len));
  return Ok();
}
SyscallReturn Truncate(Task& t, const SyscallArguments& a) {
  const int64_t len = static_cast<int64_t>(a[1]);
  if (len < 0) return Fail(EINVAL);
  TRY_ASSIGN(tg, ResolveAt(t, AT_FDCWD, a[0], true, false));
  const InodeAttr attr = tg.vd.inode().Stat();
  if (S_ISDIR(attr.mode)) return Fail(EISDIR);
  if (!S_ISREG(attr.mode)) return Fail(EINVAL);
  TRY(vfs::CheckPermission(t.creds(), attr, vfs::kMayWrite));
  TRY(NotReadOnly(tg.vd));
  return TruncateVd(tg.vd, len);
}
SyscallReturn Ftruncate(Task& t, const SyscallArguments& a) {
  const int64_t len = static_cast<int64_t>(a[1]);
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return Fail(EBADF);
  if (len < 0) return Fail(EINVAL);
  auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
  if (vf == nullptr || vf->path_only()) return Fail(vf == nullptr ? EINVAL : EBADF);
  if (!f->writable()) return Fail(EINVAL);
  if (!S_ISREG(vf->inode().Stat().mode)) return Fail(EINVAL);
  return TruncateVd(vf->vd(), len);
}

SyscallReturn Utimensat(Task& t, const SyscallArguments& a) {
  const int dirfd = static_cast<int>(a[0]);
  const int flags = static_cast<int>(a[3]);
  if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return Fail(EINVAL);
  struct timespec ts[2];
  bool now_both = a[2] == 0;
  if (!now_both) {
    if (!t.mm().CopyIn(a[2], ts, sizeof(ts)).ok()) return Fail(EFAULT);
    for (auto& x : ts) {
      if (x.tv_nsec != UTIME_NOW && x.tv_nsec != UTIME_OMIT && (x.tv_nsec < 0 || x.tv_nsec >= 1000000000)) {
        return Fail(EINVAL);
      }
    }
    if (ts[0].tv_nsec == UTIME_OMIT && ts[1].tv_nsec == UTIME_OMIT) return Ok();
    now_both = ts[0].tv_nsec == UTIME_NOW && ts[1].tv_nsec == UTIME_NOW;
  }
  VirtualDentry vd;
  if (a[1] == 0) {  // futimens
    auto vf = VfsFileOf(t, dirfd);
    if (!vf) return Fail(t.fds().Get(dirfd) ? EINVAL : EBADF);
    vd = vf->vd();
  } else {
    TRY_ASSIGN(tg, ResolveAt(t, dirfd, a[1], (flags & AT_SYMLINK_NOFOLLOW) == 0,
                             (flags & AT_EMPTY_PATH) != 0));
    if (tg.file) return Fail(EINVAL);
    vd = tg.vd;
  }
  const InodeAttr attr = vd.inode().Stat();
  if (!vfs::IsOwnerOrCapable(t.creds(), attr)) {
    if (!now_both) return Fail(EPERM);
    TRY(vfs::CheckPermission(t.creds(), attr, vfs::kMayWrite));
  }
  TRY(NotReadOnly(vd));
  const struct timespec now = vfs::NowTimespec();
  vfs::SetAttrRequest req;
  for (int i = 0; i < 2; ++i) {
    struct timespec v = now;
    if (a[2] != 0) {
      if (ts[i].tv_nsec == UTIME_OMIT) continue;
      if (ts[i].tv_nsec != UTIME_NOW) v = ts[i];
    }
    if (i == 0) {
      req.mask |= vfs::SetAttrRequest::kAtime;
      req.atime = v;
    } else {
      req.mask |= vfs::SetAttrRequest::kMtime;
      req.mtime = v;
    }
  }
  TRY(vd.inode().SetAttr(req));
  return Ok();
}

// ---- getdents64 ----

SyscallReturn Getdents64(Task& t, const SyscallArguments& a) {
  auto f = t.fds().Get(static_cast<int>(a[0]));
  if (!f) return Fail(EBADF);
  auto* vf = dynamic_cast<vfs::VfsFile*>(f.get());
  if (vf == nullptr) return Fail(ENOTDIR);
  const size_t count = std::min<uint64_t>(static_cast<uint32_t>(a[2]), 1 << 20);
  std::vector<uint8_t> buf;
  buf.reserve(std::min<size_t>(count, 65536));
  bool too_small = false;
  ErrnoResult r = vf->ReadDir([&](const vfs::DirEntry& e, int64_t next) {
    const size_t reclen = (19 + e.name.size() + 1 + 7) & ~size_t{7};
    if (buf.size() + reclen > count) {
      if (buf.empty()) too_small = true;
      return false;
    }
    const size_t at = buf.size();
    buf.resize(at + reclen, 0);
    uint64_t ino = e.ino;
    int64_t off = next;
    uint16_t rl = static_cast<uint16_t>(reclen);
    std::memcpy(&buf[at], &ino, 8);
    std::memcpy(&buf[at + 8], &off, 8);
    std::memcpy(&buf[at + 16], &rl, 2);
    buf[at + 18] = e.type;
    std::memcpy(&buf[at + 19], e.name.data(), e.name.size());
    return true;
  });
  if (!r.ok()) return Fail(r.error());
  if (too_small) return Fail(EINVAL);
  if (!buf.empty() && !t.mm().CopyOut(a[1], buf.data(), buf.size()).ok()) return Fail(EFAULT);
  return SyscallReturn::Ok(static_cast<int64_t>(buf.size()));
}

}  // namespace

void RegisterPath(SyscallTable& t) {
  t.Register(SYS_open, Open);
  t.Register(SYS_openat, Openat);
  t.Register(SYS_openat2, Openat2);
  t.Register(SYS_creat, Creat);
  t.Register(SYS_stat, Stat);
  t.Register(SYS_lstat, Lstat);
  t.Register(SYS_newfstatat, Newfstatat);
  t.Register(SYS_statx, Statx);
  t.Register(SYS_access, Access);
  t.Register(SYS_faccessat, Faccessat);
  t.Register(SYS_faccessat2, Faccessat2);
  t.Register(SYS_readlink, Readlink);
  t.Register(SYS_readlinkat, Readlinkat);
  t.Register(SYS_getcwd, Getcwd);
  t.Register(SYS_chdir, Chdir);
  t.Register(SYS_fchdir, Fchdir);
  t.Register(SYS_mkdir, Mkdir);
  t.Register(SYS_mkdirat, Mkdirat);
  t.Register(SYS_unlink, Unlink);
  t.Register(SYS_unlinkat, Unlinkat);
  t.Register(SYS_rmdir, Rmdir);
  t.Register(SYS_rename, Rename);
  t.Register(SYS_renameat, Renameat);
  t.Register(SYS_renameat2, Renameat2);
  t.Register(SYS_symlink, Symlink);
  t.Register(SYS_symlinkat, Symlinkat);
  t.Register(SYS_link, Link);
  t.Register(SYS_linkat, Linkat);
  t.Register(SYS_chmod, Chmod);
  t.Register(SYS_fchmod, Fchmod);
  t.Register(SYS_fchmodat, Fchmodat);
  t.Register(SYS_chown, Chown);
  t.Register(SYS_fchown, Fchown);
  t.Register(SYS_lchown, Lchown);
  t.Register(SYS_fchownat, Fchownat);
  t.Register(SYS_truncate, Truncate);
  t.Register(SYS_ftruncate, Ftruncate);
  t.Register(SYS_utimensat, Utimensat);
  t.Register(SYS_getdents64, Getdents64);
}

}  // namespace sentry::syscalls
