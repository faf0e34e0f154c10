// proc_format.h: the text of procfs files, in Linux's exact formats (man 5
// proc; fs/proc/array.c, task_mmu.c, base.c), from plain snapshots of
// Sentry state. Pure functions: procfs.cc gathers the snapshots.
#ifndef SENTRY_FS_PROC_FORMAT_H_
#define SENTRY_FS_PROC_FORMAT_H_

#include <sys/resource.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sentry/mm/vma.h"

namespace sentry::fs {

// USER_HZ: the unit of times in /proc/<pid>/stat and /proc/stat.
inline constexpr int64_t kClockTicks = 100;

// One thread (or, for the process files, its group) as procfs shows it.
struct ProcTaskInfo {
  int pid = 0;  // the tid for task/<tid>, else the tgid
  int tgid = 0;
  std::string comm;
  char state = 'S';  // R, S, T, Z
  int ppid = 0, pgrp = 0, session = 0;
  int64_t utime = 0, stime = 0, cutime = 0, cstime = 0;  // clock ticks
  int num_threads = 1;
  int64_t starttime = 0;  // ticks since boot
  uint64_t vsize = 0;     // bytes
  uint64_t rss = 0;       // pages
  uint64_t rsslim = RLIM_INFINITY;
  uint64_t startstack = 0;
  uint64_t sig_pending = 0, sig_shared_pending = 0, sig_blocked = 0, sig_ignored = 0,
           sig_caught = 0;
  int exit_signal = 0;
  uint64_t start_brk = 0, brk = 0;
  uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
  // status only
  uint32_t umask = 022;
  uint32_t uid[4] = {}, gid[4] = {};  // real, effective, saved, fs
  std::vector<uint32_t> groups;
  int fd_size = 64;
  uint64_t cap_inh = 0, cap_prm = 0, cap_eff = 0, cap_bnd = 0, cap_amb = 0;
  bool no_new_privs = false;
  uint64_t vm_data = 0, vm_stack = 0, vm_exe = 0;  // bytes
  int ncpus = 1;
};

// /proc/<pid>/stat: the 52 space-separated fields, "pid (comm) S ...\n".
std::string FormatStat(const ProcTaskInfo& t);
// /proc/<pid>/status.
std::string FormatStatus(const ProcTaskInfo& t);
// /proc/<pid>/maps: one line per VMA.
std::string FormatMaps(const std::vector<mm::Vma>& vmas);
// /proc/<pid>/smaps: each maps line with its sizes; `rss_pages[i]` is the
// populated pages of vmas[i] (all counted private and anonymous).
std::string FormatSmaps(const std::vector<mm::Vma>& vmas, const std::vector<size_t>& rss_pages);
// /proc/<pid>/limits.
std::string FormatLimits(const std::array<struct rlimit, RLIM_NLIMITS>& limits);

// One line of /proc/<pid>/mounts and mountinfo.
struct MountLine {
  std::string source, mountpoint, fstype;
  uint32_t flags = 0;  // MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC...
  int id = 0, parent_id = 0;
  uint64_t dev = 0;        // st_dev of the filesystem (minor; major 0)
  std::string root = "/";  // the mount's root within its filesystem
};
std::string FormatMounts(const std::vector<MountLine>& mounts);
std::string FormatMountInfo(const std::vector<MountLine>& mounts);

// "0-N\n" (N = ncpus - 1) or "0\n": sysfs cpu lists, Cpus_allowed_list.
std::string CpuList(int ncpus);

}  // namespace sentry::fs

#endif  // SENTRY_FS_PROC_FORMAT_H_
