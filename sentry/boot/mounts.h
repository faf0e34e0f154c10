// mounts.h: the standard mounts of a sandbox's namespace: devfs at /dev
// (with a tmpfs at /dev/shm), procfs at /proc, sysfs at /sys. Missing
// mountpoint directories are created in the root filesystem (0755, root).
#ifndef SENTRY_BOOT_MOUNTS_H_
#define SENTRY_BOOT_MOUNTS_H_

#include "absl/status/status.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/mount.h"

namespace sentry::boot {

// `k` must outlive the namespace's procfs. Fails if a mountpoint cannot be
// made (a read-only root without /proc...).
absl::Status MountStandardFilesystems(kernel::Kernel& k, vfs::MountNamespace& ns);

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_MOUNTS_H_
