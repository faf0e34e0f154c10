// file.h: an open VFS file description (open(2) of a tmpfs/gofer object):
// a kernel::File over a (mount, dentry) with a shared offset.
//
// Regular files: Read/Write at the offset (one mutex orders them, O_APPEND
// writes at the end), PRead/PWrite at a position, Seek with SEEK_SET/CUR/
// END/DATA/HOLE. Directories: Read is EISDIR; ReadDir hands out entries
// ("." and ".." first) from a cursor that Seek(0) rewinds, for getdents64.
// Symlinks and others opened with O_PATH: EBADF for I/O. Special files
// (synthetic/device files, sentry/vfs/synthetic.h) derive from it so that
// fstat, *at dirfds and /proc/self/fd see them as VFS files.
#ifndef SENTRY_VFS_FILE_H_
#define SENTRY_VFS_FILE_H_

#include <functional>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "sentry/kernel/file.h"
#include "sentry/vfs/path.h"

namespace sentry::vfs {

class VfsFile : public kernel::File {
 public:
  // `flags`: open(2)'s flags (access mode, O_APPEND, O_NONBLOCK, O_PATH...).
  VfsFile(VirtualDentry vd, uint32_t flags);

  const VirtualDentry& vd() const { return vd_; }
  Inode& inode() const { return vd_.inode(); }
  bool path_only() const { return (flags() & O_PATH) != 0; }

  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void* buf, size_t len) override;
  bool Positional() override { return true; }
  ErrnoOr<size_t> PRead(void* buf, size_t len, int64_t off) override;
  ErrnoOr<size_t> PWrite(const void* buf, size_t len, int64_t off) override;
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t offset, int whence) override;

  // getdents64: calls `emit(entry, next_offset)` for entries from the
  // cursor until it returns false (no room); the cursor moves past those
  // emitted. ENOTDIR for non-directories.
  ErrnoResult ReadDir(const std::function<bool(const DirEntry&, int64_t)>& emit);

 private:
  const VirtualDentry vd_;
  absl::Mutex mu_;
  int64_t offset_ ABSL_GUARDED_BY(mu_) = 0;  // byte offset, or directory index
  std::vector<DirEntry> dir_snapshot_ ABSL_GUARDED_BY(mu_);  // taken at index 0
};

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_FILE_H_
