// mount.h: mounts and the mount namespace.
//
// A Mount is a filesystem's root dentry attached at a mountpoint (a dentry
// of its parent mount), with flags (MS_RDONLY). Each Mount knows the mounts
// on its own dentries, so the path walk crosses into them. The namespace
// holds the root mount. Thread-safe (one lock for the mount tree).
#ifndef SENTRY_VFS_MOUNT_H_
#define SENTRY_VFS_MOUNT_H_

#include <sys/mount.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sentry/errno.h"
#include "sentry/vfs/dentry.h"

namespace sentry::vfs {

class Mount : public std::enable_shared_from_this<Mount> {
 public:
  Mount(std::shared_ptr<Dentry> root, std::shared_ptr<Mount> parent,
        std::shared_ptr<Dentry> mountpoint, uint32_t flags)
      : root_(std::move(root)), parent_(std::move(parent)), mountpoint_(std::move(mountpoint)),
        flags_(flags), id_(NextId()) {}

  // A number naming this mount (/proc/<pid>/mountinfo, fdinfo's mnt_id).
  int id() const { return id_; }
  const std::shared_ptr<Dentry>& root() const { return root_; }
  // Null for the namespace's root mount.
  std::shared_ptr<Mount> parent() const { return parent_.lock(); }
  const std::shared_ptr<Dentry>& mountpoint() const { return mountpoint_; }
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }
  bool read_only() const { return (flags() & MS_RDONLY) != 0; }
  // mount -o remount: new per-mount flags.
  void SetFlags(uint32_t flags) { flags_.store(flags, std::memory_order_relaxed); }

  // The mount on top of `d` (a dentry of this mount), or null.
  std::shared_ptr<Mount> MountedAt(const Dentry& d) const;
  // Mounts filesystem root `fs_root` on `d` with `flags`; the last mount on
  // a dentry hides earlier ones.
  std::shared_ptr<Mount> AddChild(const std::shared_ptr<Dentry>& d,
                                  std::shared_ptr<Dentry> fs_root, uint32_t flags);
  // The mounts on this mount's dentries, oldest first.
  std::vector<std::shared_ptr<Mount>> Children() const;
  // umount: detaches child `m` (with its own children). False if `m` is
  // not a child of this mount.
  bool RemoveChild(const std::shared_ptr<Mount>& m);

  // What /proc/<pid>/mounts shows: the filesystem type ("tmpfs", "proc"...)
  // and source ("none" until set).
  void SetDescription(std::string fstype, std::string source);
  std::string fstype() const;
  std::string source() const;

 private:
  const std::shared_ptr<Dentry> root_;
  const std::weak_ptr<Mount> parent_;  // the parent owns its children
  const std::shared_ptr<Dentry> mountpoint_;
  static int NextId();

  std::atomic<uint32_t> flags_;
  const int id_;
  std::multimap<const Dentry*, std::shared_ptr<Mount>> children_;  // mount tree lock
  std::vector<Mount*> order_;                                        // mount tree lock
  std::string fstype_ = "none", source_ = "none";                    // mount tree lock
};

class MountNamespace {
 public:
  // A namespace whose root filesystem has root inode `root`.
  MountNamespace(std::shared_ptr<Inode> root, uint32_t flags);
  const std::shared_ptr<Mount>& root_mount() const { return root_; }
  const std::shared_ptr<Dentry>& root_dentry() const { return root_->root(); }

 private:
  std::shared_ptr<Mount> root_;
};

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_MOUNT_H_
