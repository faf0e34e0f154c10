// inode.h: a filesystem object, the interface every filesystem (tmpfs now,
// goferfs next) implements.
//
// Contracts: an Inode does no permission checks (the VFS checks search,
// write and ownership from the caller's credentials before calling); it
// enforces its own structural rules (EEXIST, ENOENT, ENOTEMPTY, EISDIR,
// ENOTDIR between the two sides of a rename...). Defaults return the errno
// Linux gives for an operation the object's type does not support.
// Thread-safe.
#ifndef SENTRY_VFS_INODE_H_
#define SENTRY_VFS_INODE_H_

#include <sys/stat.h>
#include <time.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "sentry/errno.h"

namespace sentry::kernel {
class File;
class Task;
}  // namespace sentry::kernel

namespace sentry::mm {
class MemoryFile;
}

namespace sentry::vfs {

struct VirtualDentry;

// stat(2)'s facts about an inode.
struct InodeAttr {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint32_t mode = 0;  // S_IFMT | permission bits
  uint32_t nlink = 0;
  uint32_t uid = 0, gid = 0;
  uint64_t rdev = 0;
  int64_t size = 0;
  int64_t blocks = 0;  // 512-byte units
  uint32_t blksize = 4096;
  struct timespec atime {}, mtime{}, ctime{};
};

// Fills `st` from `a`.
void FillStat(const InodeAttr& a, struct stat* st);

// Attributes to change (chmod, chown, truncate, utimensat). The caller has
// checked permissions and resolved UTIME_NOW; ctime is updated by the inode.
struct SetAttrRequest {
  enum : uint32_t { kMode = 1, kUid = 2, kGid = 4, kSize = 8, kAtime = 16, kMtime = 32 };
  uint32_t mask = 0;
  uint32_t mode = 0;  // permission bits only (07777)
  uint32_t uid = 0, gid = 0;
  int64_t size = 0;
  struct timespec atime {}, mtime{};
};

// One directory entry ("." and ".." are added by the VFS).
struct DirEntry {
  uint64_t ino = 0;
  uint8_t type = 0;  // DT_*
  std::string name;
};

// Owner of a new object (the creator's fsuid/fsgid).
struct Owner {
  uint32_t uid = 0, gid = 0;
};

// The time now, for inode timestamps.
struct timespec NowTimespec();

// The DT_* type of a mode (S_IFMT bits).
uint8_t DtypeOf(uint32_t mode);

// A new anonymous device number (st_dev) for a filesystem instance.
uint64_t AllocateDeviceNumber();

class PageCache;

class Inode {
 public:
  Inode();
  virtual ~Inode();
  Inode(const Inode&) = delete;
  Inode& operator=(const Inode&) = delete;

  virtual InodeAttr Stat() = 0;
  uint32_t Type() { return Stat().mode & S_IFMT; }
  bool IsDir() { return Type() == S_IFDIR; }
  virtual ErrnoResult SetAttr(const SetAttrRequest&) { return Errno(EPERM); }

  // open(2) of this object with `flags` (not O_PATH), after the VFS's
  // permission checks and before the file description exists: goferfs
  // re-reads attributes from the gofer and opens a host handle for the
  // access mode, the overlay copies up for write access or O_TRUNC. An
  // error fails the open.
  virtual ErrnoResult PrepareOpen(uint32_t /*flags*/) { return {}; }

  // --- directories (others: ENOTDIR) ---
  // The child `name` (never "." or ".."): ENOENT if absent.
  virtual ErrnoOr<std::shared_ptr<Inode>> Lookup(const std::string&) { return Errno(ENOTDIR); }
  // The entries, without "." and "..", in a stable order.
  virtual ErrnoOr<std::vector<DirEntry>> ReadDir() { return Errno(ENOTDIR); }
  // New regular file / directory / symlink `name`: EEXIST if it exists.
  // `mode` holds permission bits (umask applied by the caller).
  virtual ErrnoOr<std::shared_ptr<Inode>> Create(const std::string&, uint32_t, const Owner&) {
    return Errno(ENOTDIR);
  }
  virtual ErrnoOr<std::shared_ptr<Inode>> Mkdir(const std::string&, uint32_t, const Owner&) {
    return Errno(ENOTDIR);
  }
  // Device nodes and FIFOs: EPERM until supported.
  virtual ErrnoOr<std::shared_ptr<Inode>> Mknod(const std::string&, uint32_t, uint64_t,
                                               const Owner&) {
    return Errno(EPERM);
  }
  virtual ErrnoOr<std::shared_ptr<Inode>> Symlink(const std::string&, const std::string&,
                                                 const Owner&) {
    return Errno(ENOTDIR);
  }
  // Hard link to `target` (same filesystem, not a directory: the VFS checks).
  virtual ErrnoResult Link(const std::string&, const std::shared_ptr<Inode>&) {
    return Errno(ENOTDIR);
  }
  // Removes a non-directory (EISDIR for a directory) / an empty directory
  // (ENOTDIR, ENOTEMPTY).
  virtual ErrnoResult Unlink(const std::string&) { return Errno(ENOTDIR); }
  virtual ErrnoResult Rmdir(const std::string&) { return Errno(ENOTDIR); }
  // rename(2) of this directory's `old_name` to `new_dir`/`new_name` on the
  // same filesystem; `flags`: RENAME_NOREPLACE, RENAME_EXCHANGE.
  virtual ErrnoResult Rename(const std::string&, Inode&, const std::string&, uint32_t) {
    return Errno(ENOTDIR);
  }

  // --- symlinks (others: EINVAL) ---
  virtual ErrnoOr<std::string> ReadLink() { return Errno(EINVAL); }
  // The target as `caller` sees it (readlink(2), path walks). Synthetic
  // links whose target depends on the caller (procfs's "self") override it.
  virtual ErrnoOr<std::string> ReadLinkAs(kernel::Task& /*caller*/) { return ReadLink(); }
  // Magic links (procfs's fd/N, cwd, root): following them goes straight to
  // an object instead of walking a path. True with *out set for those;
  // false (the default) to follow ReadLinkAs's path.
  virtual ErrnoOr<bool> FollowMagic(kernel::Task& /*caller*/, VirtualDentry* /*out*/) {
    return false;
  }

  // --- file seals (memfd; fcntl F_ADD_SEALS/F_GET_SEALS) ---
  // EINVAL where the filesystem has none (Linux: only shmem/tmpfs files).
  virtual ErrnoOr<uint32_t> GetSeals() { return Errno(EINVAL); }
  // Adds F_SEAL_* bits: EPERM once F_SEAL_SEAL is set, EINVAL for unknown bits.
  virtual ErrnoResult AddSeals(uint32_t) { return Errno(EINVAL); }

  // --- open ---
  // Objects that need their own open file description (devices, synthetic
  // files that snapshot their content at open, the file behind a magic
  // link) return it; null (the default) means a plain VfsFile over `vd`.
  // Called by open(2) after the permission checks; `flags` are open's.
  virtual ErrnoOr<std::shared_ptr<kernel::File>> Open(kernel::Task& /*caller*/,
                                                     const VirtualDentry& /*vd*/,
                                                     uint32_t /*flags*/) {
    return std::shared_ptr<kernel::File>();
  }

  // --- regular files (directories: EISDIR; others EINVAL) ---
  virtual ErrnoOr<size_t> ReadAt(void*, size_t, int64_t) { return DataErr(); }
  virtual ErrnoOr<size_t> WriteAt(const void*, size_t, int64_t) { return DataErr(); }

  // --- the page cache (page_cache.h), for every filesystem ---
  // Null until a shared mapping of the file first needed one.
  PageCache* page_cache() const { return page_cache_.load(std::memory_order_acquire); }
  // The cache, created on first use over `mf`; it lives as long as the inode.
  PageCache& GetOrCreatePageCache(mm::MemoryFile& mf);

 private:
  Errno DataErr() { return Errno(IsDir() ? EISDIR : EINVAL); }

  absl::Mutex page_cache_mu_;
  std::unique_ptr<PageCache> page_cache_owner_;  // page_cache_mu_
  std::atomic<PageCache*> page_cache_{nullptr};
};

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_INODE_H_
