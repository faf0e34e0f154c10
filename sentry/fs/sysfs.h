// sysfs.h: a minimal /sys: devices/system/cpu/{online,possible} ("0-N\n"
// for the CPUs sched_getaffinity reports). Read-only.
#ifndef SENTRY_FS_SYSFS_H_
#define SENTRY_FS_SYSFS_H_

#include <memory>

#include "sentry/vfs/inode.h"

namespace sentry::fs {

std::shared_ptr<vfs::Inode> NewSysfs();

}  // namespace sentry::fs

#endif  // SENTRY_FS_SYSFS_H_
