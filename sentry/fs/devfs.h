// devfs.h: the sandbox's /dev, made by the Sentry (no host device is ever
// opened).
//
//   null, zero, full (writes: ENOSPC), random, urandom (the host's
//   getrandom into a Sentry buffer), tty (ENXIO: no controlling terminal
//   yet), console (ENXIO: no console device yet), with Linux's numbers;
//   fd -> /proc/self/fd, stdin/stdout/stderr -> /proc/self/fd/{0,1,2};
//   empty directories shm/ and pts/ (the boot mounts a tmpfs on shm; ptys
//   and ptmx come later).
// Reads and writes ignore the offset, as Linux's memory devices do.
#ifndef SENTRY_FS_DEVFS_H_
#define SENTRY_FS_DEVFS_H_

#include <memory>

#include "sentry/vfs/inode.h"

namespace sentry::fs {

// A new devfs; its root directory.
std::shared_ptr<vfs::Inode> NewDevfs();

}  // namespace sentry::fs

#endif  // SENTRY_FS_DEVFS_H_
