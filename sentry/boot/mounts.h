// mounts.h: the standard mounts of a sandbox's namespace: devfs at /dev
// (with a tmpfs at /dev/shm), procfs at /proc, sysfs at /sys. Missing
// mountpoint directories are created in the root filesystem (0755, root)
// when `create_mountpoints` (a root in Sentry memory: tmpfs or the overlay;
// never on a host directory written through); otherwise, or where creating
// fails (a read-only root), the mount is skipped with a warning.
#ifndef SENTRY_BOOT_MOUNTS_H_
#define SENTRY_BOOT_MOUNTS_H_

#include "absl/status/status.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/mount.h"

namespace sentry::boot {

// `k` must outlive the namespace's procfs. Errors are Sentry failures.
absl::Status MountStandardFilesystems(kernel::Kernel& k, vfs::MountNamespace& ns,
                                      bool create_mountpoints = true);

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_MOUNTS_H_
