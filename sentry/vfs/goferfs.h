// goferfs.h: the Sentry's view of a directory tree served by a gofer over
// 9P2000.L (fs9p::Client): an Inode tree where each inode holds a walked
// fid of its file.
//
// Caching policy (the gofer is the source of truth):
//  - Attributes are cached in the inode and answered from memory by Stat().
//    They are re-read when the file is opened (PrepareOpen: the name is
//    walked again from its directory, Twalk + Tgetattr; if it now names
//    another file, ESTALE tells open(2) to resolve the path again), when a
//    path walk looks its name up again after `lookup_timeout`, and after
//    every change made through this inode (setattr, link...). Our own writes
//    update size and mtime locally. So stat of a cached path costs no round
//    trip, and a file changed or replaced on the host is seen after a
//    reopen.
//  - A directory caches the result of looking a name up (the child inode,
//    or "absent") for `lookup_timeout`, as long as the child inode lives
//    (held by the VFS, or among the session's `cache_size` most recently
//    looked-up inodes); after that a walk of the name asks
//    the gofer again (Twalk + Tgetattr) and keeps the cached inode if the
//    gofer still reports the same file (qid path), else makes a new one.
//    Changes made through goferfs update the cache at once; changes made on
//    the host behind the Sentry's back are seen once the entry times out.
//  - Regular file data is not cached: reads and writes go to the gofer, or,
//    when the gofer donated the host FD at Tlopen (fd_donation), are pread/
//    pwrite on that FD in the Sentry. One opened handle per direction (read:
//    O_RDONLY, write: O_WRONLY) is opened on first need and kept while the
//    inode lives.
//
// Errors are the errno the gofer returns (EIO when the session is broken).
// Not supported by 9P: RENAME_EXCHANGE (EINVAL, as Linux says for a
// filesystem without it); RENAME_NOREPLACE is checked with a walk before
// the rename (not atomic against host-side changes). Thread-safe.
#ifndef SENTRY_VFS_GOFERFS_H_
#define SENTRY_VFS_GOFERFS_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "fs9p/client.h"
#include "sentry/vfs/inode.h"

namespace sentry::vfs {

struct GoferfsOptions {
  // How long a name looked up in a directory (found or absent) is trusted.
  absl::Duration lookup_timeout = absl::Seconds(1);
  // How many recently looked-up inodes (each holds a fid, and for open
  // files handles) are kept alive beyond those the VFS holds.
  size_t cache_size = 1024;
  // Tattach's n_uname: the owner the gofer gives to files it creates.
  uint32_t attach_uid = fs9p::kNoUid;
  // Tattach's aname ("" for our gofer; other servers, e.g. diod, name the
  // exported directory).
  std::string aname = "";
};

// Attaches to the gofer behind `client` and returns the root directory.
ErrnoOr<std::shared_ptr<Inode>> NewGoferfs(std::shared_ptr<fs9p::Client> client,
                                           const GoferfsOptions& opts = {});

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_GOFERFS_H_
