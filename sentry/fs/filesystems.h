// filesystems.h: the filesystem types the sandbox can mount (boot mounts,
// mount(2), /proc/filesystems): tmpfs, proc, sysfs, devtmpfs (our devfs).
#ifndef SENTRY_FS_FILESYSTEMS_H_
#define SENTRY_FS_FILESYSTEMS_H_

#include <memory>
#include <string>
#include <vector>

#include "sentry/errno.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/inode.h"

namespace sentry::fs {

// Known type names, in /proc/filesystems order.
const std::vector<std::string>& FilesystemTypes();

// A new instance of filesystem `type`: its root inode. `data`: mount(2)'s
// option string (tmpfs takes mode=, uid=, gid=; others ignore it). ENODEV
// for an unknown type, EINVAL for a bad option value.
ErrnoOr<std::shared_ptr<vfs::Inode>> NewFilesystem(kernel::Kernel& k, const std::string& type,
                                                   const std::string& data);

}  // namespace sentry::fs

#endif  // SENTRY_FS_FILESYSTEMS_H_
