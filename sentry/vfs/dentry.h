// dentry.h: a name in the VFS tree: the cache of path components over the
// inodes of a filesystem.
//
// A Dentry has a name and a parent (null for the root of its filesystem),
// an inode (fixed for its life), a cache of children (weak: a child lives
// while someone holds it: an open File, a cwd, a mount) and a count of the
// mounts on it. Rename and unlink update the cache through Move/Kill, so
// that a cwd or an open file follows its object. One lock guards the
// names, parents and caches of all dentries.
#ifndef SENTRY_VFS_DENTRY_H_
#define SENTRY_VFS_DENTRY_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>

#include "sentry/errno.h"
#include "sentry/vfs/inode.h"

namespace sentry::vfs {

class Dentry : public std::enable_shared_from_this<Dentry> {
 public:
  // The root dentry of a filesystem whose root inode is `root`.
  static std::shared_ptr<Dentry> NewRoot(std::shared_ptr<Inode> root);
  Dentry(std::shared_ptr<Inode> inode, std::shared_ptr<Dentry> parent, std::string name);

  Inode& inode() const { return *inode_; }
  const std::shared_ptr<Inode>& inode_ptr() const { return inode_; }
  std::string name() const;
  // Null for a filesystem root.
  std::shared_ptr<Dentry> parent() const;
  // Unlinked (or removed) since it was looked up.
  bool dead() const;

  // The child `name` (not "." or ".."): the cached dentry if it still names
  // the inode the filesystem reports, else a new one. ENOENT, ENOTDIR...
  ErrnoOr<std::shared_ptr<Dentry>> Child(const std::string& name);
  // After the filesystem created/linked `name` to `inode`: a cached dentry.
  std::shared_ptr<Dentry> Added(const std::string& name, std::shared_ptr<Inode> inode);
  // After unlink/rmdir of `name`: the cached child (if any) is dead.
  void Removed(const std::string& name);
  // After rename of this dir's `old_name` to `new_parent`/`new_name`
  // (`exchange`: the two swapped).
  void Renamed(const std::string& old_name, Dentry& new_parent, const std::string& new_name,
               bool exchange);

  // Mounts on this dentry (the Mount table knows which).
  std::atomic<int> mount_count{0};

 private:
  const std::shared_ptr<Inode> inode_;
  std::shared_ptr<Dentry> parent_;  // dentry lock
  std::string name_;                // dentry lock
  bool dead_ = false;               // dentry lock
  std::map<std::string, std::weak_ptr<Dentry>> children_;  // dentry lock
};

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_DENTRY_H_
