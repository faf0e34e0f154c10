// proc_pid.h: the per-process (/proc/<pid>) and per-thread
// (/proc/<pid>/task/<tid>) directories of procfs, and the helpers procfs's
// top level shares with them. Internal to sentry/fs.
//
// Every file reads the Sentry's state when it is opened (pids are the
// sandbox's); a process or thread that is gone makes its files fail with
// ESRCH and its directory entries vanish.
#ifndef SENTRY_FS_PROC_PID_H_
#define SENTRY_FS_PROC_PID_H_

#include <memory>
#include <string>
#include <vector>

#include "sentry/fs/proc_format.h"
#include "sentry/kernel/kernel.h"
#include "sentry/vfs/synthetic.h"

namespace sentry::fs {

// The directory of process `tgid` (tid 0) or of its thread `tid`.
std::shared_ptr<vfs::Inode> NewProcPidDir(kernel::Kernel& k, std::shared_ptr<vfs::SyntheticFs> fs,
                                          int tgid, int tid);

// The mounts of the namespace of `root` as seen from it, for .../mounts.
std::vector<MountLine> MountLinesOf(const vfs::VirtualDentry& root);

// Host CPUs the sandbox reports (sched_getaffinity's count).
int ProcCpuCount();

}  // namespace sentry::fs

#endif  // SENTRY_FS_PROC_PID_H_
