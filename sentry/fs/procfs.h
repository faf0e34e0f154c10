// procfs.h: the sandbox's /proc, generated from the Sentry's kernel state
// (pids of the sandbox's PID namespace; never the host's /proc).
//
//   self, thread-self; <pid>/ for each process (proc_pid.h: stat, status,
//   cmdline, environ, comm, maps, smaps, limits, mounts, mountinfo, fd/, fdinfo/,
//   exe, cwd, root, task/<tid>/); meminfo, cpuinfo, stat, uptime, loadavg, version,
//   filesystems, mounts (-> self/mounts), sys/kernel/{hostname,osrelease,
//   ostype,pid_max}, sys/vm/overcommit_memory.
// Formats are Linux's (proc_format.h). meminfo and cpuinfo describe the
// host's memory and CPUs, as sysinfo(2) and sched_getaffinity(2) do.
#ifndef SENTRY_FS_PROCFS_H_
#define SENTRY_FS_PROCFS_H_

#include <memory>

#include "sentry/kernel/kernel.h"
#include "sentry/vfs/inode.h"

namespace sentry::fs {

// A new procfs over `k` (which must outlive it); its root directory.
std::shared_ptr<vfs::Inode> NewProcfs(kernel::Kernel& k);

}  // namespace sentry::fs

#endif  // SENTRY_FS_PROCFS_H_
