// synthetic.h: building blocks for filesystems whose objects the Sentry
// makes up from its own state (procfs, devfs, sysfs).
//
//   SyntheticFile     a regular file whose content a generator produces at
//                     open (Linux's seq_file): the open file reads and seeks
//                     in that snapshot; an optional writer takes writes.
//   SyntheticSymlink  a symlink whose target may depend on the caller
//                     (/proc/self).
//   MagicLink         a symlink that, followed, goes straight to an object
//                     (/proc/<pid>/fd/N, cwd, root) instead of a path.
//   SyntheticDir      a directory with fixed children plus, optionally,
//                     children generated on ReadDir/Lookup (/proc/<pid>).
//   AnonVirtualDentry a place in no namespace for a non-VFS File (a pipe),
//                     so that a magic link can name it; opening it asks
//                     the link's owner for a File.
// Every inode of one filesystem shares a SyntheticFs (device number, inode
// numbers). Synthetic objects refuse changes (EPERM/EACCES as Linux's
// procfs); their times are the filesystem's creation time. Thread-safe.
#ifndef SENTRY_VFS_SYNTHETIC_H_
#define SENTRY_VFS_SYNTHETIC_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "sentry/vfs/file.h"
#include "sentry/vfs/inode.h"
#include "sentry/vfs/path.h"

namespace sentry::vfs {

struct SyntheticFs {
  SyntheticFs();
  uint64_t NextIno() { return next_ino.fetch_add(1); }
  const uint64_t dev;
  const struct timespec created;
  std::atomic<uint64_t> next_ino{1};
};

class SyntheticInode : public Inode {
 public:
  // `mode`: type and permission bits; `ino` 0 allocates one.
  SyntheticInode(std::shared_ptr<SyntheticFs> fs, uint32_t mode, uint64_t ino = 0);
  InodeAttr Stat() override;
  void SetOwner(uint32_t uid, uint32_t gid);
  const std::shared_ptr<SyntheticFs>& fs() const { return fs_; }
  uint64_t ino() const { return ino_; }

 protected:
  // Size reported by stat (0 like procfs unless overridden).
  virtual int64_t StatSize() { return 0; }
  virtual uint32_t StatNlink() { return S_ISDIR(mode_) ? 2 : 1; }

 private:
  const std::shared_ptr<SyntheticFs> fs_;
  const uint64_t ino_;
  const uint32_t mode_;
  std::atomic<uint32_t> uid_{0}, gid_{0};
};

// ---- files ----

// Content of a file as `caller` sees it at open.
using ContentFn = std::function<ErrnoOr<std::string>(kernel::Task& caller)>;
// Takes a write(2) of `data` at offset `off`: the count consumed.
using WriteFn = std::function<ErrnoOr<size_t>(const std::string& data, int64_t off)>;

class SyntheticFile : public SyntheticInode {
 public:
  // `perm`: permission bits. Without a writer, writes fail with EINVAL
  // (the permission bits, 0444, normally stop them first).
  SyntheticFile(std::shared_ptr<SyntheticFs> fs, uint32_t perm, ContentFn content,
                WriteFn writer = nullptr);
  ErrnoOr<std::shared_ptr<kernel::File>> Open(kernel::Task& caller, const VirtualDentry& vd,
                                             uint32_t flags) override;

 private:
  const ContentFn content_;
  const WriteFn writer_;
};

// The open file of a SyntheticFile: reads and seeks in the snapshot taken
// at open; writes go to the writer (EINVAL without one).
class SnapshotFile final : public VfsFile {
 public:
  SnapshotFile(VirtualDentry vd, uint32_t flags, std::string content, WriteFn writer);
  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void* buf, size_t len) override;
  ErrnoOr<size_t> PRead(void* buf, size_t len, int64_t off) override;
  ErrnoOr<size_t> PWrite(const void* buf, size_t len, int64_t off) override;
  ErrnoOr<int64_t> Seek(int64_t offset, int whence) override;

 private:
  const std::string content_;
  const WriteFn writer_;
  absl::Mutex mu_;
  int64_t pos_ ABSL_GUARDED_BY(mu_) = 0;
};

// ---- links ----

using LinkFn = std::function<ErrnoOr<std::string>(kernel::Task& caller)>;
using MagicFn = std::function<ErrnoOr<VirtualDentry>(kernel::Task& caller)>;

class SyntheticSymlink : public SyntheticInode {
 public:
  SyntheticSymlink(std::shared_ptr<SyntheticFs> fs, LinkFn target);
  // A link to a fixed path.
  SyntheticSymlink(std::shared_ptr<SyntheticFs> fs, std::string target);
  ErrnoOr<std::string> ReadLink() override;  // fixed targets only (else EINVAL)
  ErrnoOr<std::string> ReadLinkAs(kernel::Task& caller) override;

 private:
  const LinkFn target_;
  const std::string fixed_;
  const bool is_fixed_;
};

class MagicLink final : public SyntheticSymlink {
 public:
  // `name`: readlink's text; `follow`: the object (ENOENT if gone).
  MagicLink(std::shared_ptr<SyntheticFs> fs, LinkFn name, MagicFn follow);
  ErrnoOr<bool> FollowMagic(kernel::Task& caller, VirtualDentry* out) override;

 private:
  const MagicFn follow_;
};

// ---- directories ----

class SyntheticDir : public SyntheticInode {
 public:
  // Generated children: the current entries, and the child for a name
  // (ENOENT if none). Either may be null.
  using ListFn = std::function<std::vector<DirEntry>()>;
  using LookupFn = std::function<ErrnoOr<std::shared_ptr<Inode>>(const std::string&)>;

  SyntheticDir(std::shared_ptr<SyntheticFs> fs, uint32_t perm);
  // Adds a fixed child (replacing one of the same name).
  void Add(const std::string& name, std::shared_ptr<Inode> child);
  // The fixed child `name`, or null.
  std::shared_ptr<Inode> Fixed(const std::string& name);
  void SetDynamic(ListFn list, LookupFn lookup);

  ErrnoOr<std::shared_ptr<Inode>> Lookup(const std::string& name) override;
  ErrnoOr<std::vector<DirEntry>> ReadDir() override;

 protected:
  uint32_t StatNlink() override;

 private:
  absl::Mutex mu_;
  std::map<std::string, std::shared_ptr<Inode>> fixed_ ABSL_GUARDED_BY(mu_);
  ListFn list_ ABSL_GUARDED_BY(mu_);
  LookupFn lookup_ ABSL_GUARDED_BY(mu_);
};

// ---- non-VFS files ----

// How an anonymous object opens, given open(2)'s flags.
using AnonOpenFn = std::function<ErrnoOr<std::shared_ptr<kernel::File>>(uint32_t flags)>;

// A VirtualDentry for a non-VFS object (a pipe, an epoll...): stat shows
// `mode` (e.g. S_IFIFO | 0600) and the owner; opening calls `open`.
VirtualDentry AnonVirtualDentry(AnonOpenFn open, uint32_t mode, uint32_t uid, uint32_t gid);

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_SYNTHETIC_H_
