// path.h: path resolution and permission checks.
//
// A walk starts at the root (absolute paths) or at a start directory (the
// cwd, or a dirfd's directory), follows symlinks (at most kMaxSymlinks per
// resolution: ELOOP), crosses mounts both ways, never goes above the root
// with "..", and checks search (execute) permission on every directory it
// passes through from the credentials' fsuid/fsgid/groups and
// capabilities. Errors: ENOENT, ENOTDIR, EACCES, ELOOP, ENAMETOOLONG.
#ifndef SENTRY_VFS_PATH_H_
#define SENTRY_VFS_PATH_H_

#include <memory>
#include <string>

#include "sentry/errno.h"
#include "sentry/kernel/task.h"
#include "sentry/vfs/mount.h"

namespace sentry::vfs {

inline constexpr int kMaxSymlinks = 40;

// A place in the VFS: a dentry as seen through a mount.
struct VirtualDentry {
  std::shared_ptr<Mount> mount;
  std::shared_ptr<Dentry> dentry;
  bool operator==(const VirtualDentry& o) const {
    return mount == o.mount && dentry == o.dentry;
  }
  Inode& inode() const { return dentry->inode(); }
};

// Access wanted (MAY_* of Linux).
inline constexpr int kMayExec = 1, kMayWrite = 2, kMayRead = 4;

// Linux's generic_permission: owner, group or other bits of `a.mode` for
// `may`, overridden by CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH. EACCES.
ErrnoResult CheckPermission(const kernel::Credentials& c, const InodeAttr& a, int may);
bool HasCapability(const kernel::Credentials& c, int cap);
// Whether `c` owns `a` (fsuid) or has CAP_FOWNER.
bool IsOwnerOrCapable(const kernel::Credentials& c, const InodeAttr& a);

struct ResolveOptions {
  bool follow_final = true;   // follow a final symlink (not lstat/O_NOFOLLOW)
  bool no_symlinks = false;   // RESOLVE_NO_SYMLINKS: any symlink is ELOOP
  bool beneath = false;       // RESOLVE_BENEATH: never above the start (EXDEV)
};

// Where a walk happens.
struct Resolver {
  VirtualDentry root;   // "/" and the limit of ".."
  VirtualDentry start;  // relative paths start here
  const kernel::Credentials* creds;
  // The caller, for synthetic links (procfs); null in tests that have no
  // task: such links are then followed as plain symlinks.
  kernel::Task* task = nullptr;

  // The object `path` names. A trailing slash requires a directory
  // (ENOTDIR) and follows a final symlink. Empty paths: ENOENT.
  ErrnoOr<VirtualDentry> Resolve(const std::string& path, const ResolveOptions& o = {}) const;

  // For creation and removal: the directory holding the last component,
  // and that component ("" for "/", "." or ".." as written). The parent is
  // a searchable directory; the name's object may or may not exist.
  struct Parent {
    VirtualDentry dir;
    std::string name;
    bool trailing_slash = false;
  };
  ErrnoOr<Parent> ResolveParent(const std::string& path, const ResolveOptions& o = {}) const;

  // One step: the child `name` of directory `dir` (crossing mounts), ".."
  // (crossing back, bounded by root) or "."; checks search permission.
  ErrnoOr<VirtualDentry> Step(const VirtualDentry& dir, const std::string& name) const;

 private:
  ErrnoOr<VirtualDentry> Walk(VirtualDentry cur, const std::string& path, bool follow_final,
                              const ResolveOptions& o, int& links) const;
};

// The resolver for `t` with relative paths from `dirfd` (AT_FDCWD: the
// cwd). EBADF for a bad dirfd; ENOTDIR if it is not a directory (only when
// `path` is relative). ENOENT if the task has no VFS root.
ErrnoOr<Resolver> ResolverFor(kernel::Task& t, int dirfd, const std::string& path);

// The task's root and cwd.
VirtualDentry RootOf(kernel::Task& t);
VirtualDentry CwdOf(kernel::Task& t);

// The path of `vd` as seen from `root` (getcwd, /proc/self/fd). ENOENT if
// `vd` was removed; a path not under root is rendered from its own
// filesystem root.
ErrnoOr<std::string> PathOf(const VirtualDentry& root, const VirtualDentry& vd);

// Checks a copied-in path: ENAMETOOLONG for a component over NAME_MAX.
ErrnoResult CheckPathLength(const std::string& path);

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_PATH_H_
