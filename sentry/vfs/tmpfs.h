// tmpfs.h: an in-memory filesystem: directories, regular files whose data
// lives in the Sentry's heap, and symlinks, with inode numbers, link
// counts, owners, modes and times. One mutex per filesystem guards every
// inode of it.
#ifndef SENTRY_VFS_TMPFS_H_
#define SENTRY_VFS_TMPFS_H_

#include <memory>

#include "sentry/vfs/inode.h"

namespace sentry::vfs {

// A new tmpfs; its root directory with `mode` (permission bits) owned by
// `owner`. Each filesystem gets its own device number.
std::shared_ptr<Inode> NewTmpfs(uint32_t mode, const Owner& owner);

// memfd_create(MFD_ALLOW_SEALING): lets seals be added to tmpfs regular
// file `file` (every tmpfs file starts sealed with F_SEAL_SEAL, as Linux's
// shmem files do). EINVAL if `file` is not a tmpfs regular file.
ErrnoResult TmpfsAllowSealing(Inode& file);

// Largest regular file (EFBIG beyond).
inline constexpr int64_t kTmpfsMaxFileSize = int64_t{1} << 32;

}  // namespace sentry::vfs

#endif  // SENTRY_VFS_TMPFS_H_
