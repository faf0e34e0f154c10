#include "sentry/fs/procfs.h"

#include <dirent.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "sentry/fs/filesystems.h"
#include "sentry/fs/proc_format.h"
#include "sentry/fs/proc_pid.h"
#include "sentry/vfs/synthetic.h"

namespace sentry::fs {
namespace {

using kernel::Kernel;
using kernel::Task;
using kernel::ThreadGroup;
using vfs::SyntheticDir;
using vfs::SyntheticFs;

// Lines of a host /proc file whose key (before ':') is in `keys`.
std::string HostLines(const char* path, const std::set<std::string>& keys) {
  std::ifstream in(path);
  std::string line, out;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (line.empty() || keys.count(key) != 0) out += line + "\n";
  }
  return out;
}

std::string MemInfo() {
  static const std::set<std::string> kKeys = {
      "MemTotal", "MemFree",  "MemAvailable", "Buffers",   "Cached",    "SwapCached",
      "Active",   "Inactive", "SwapTotal",    "SwapFree",  "Dirty",     "Writeback",
      "AnonPages", "Mapped",  "Shmem",        "Slab",      "CommitLimit", "Committed_AS",
      "VmallocTotal", "HugePages_Total", "HugePages_Free", "Hugepagesize"};
  return HostLines("/proc/meminfo", kKeys);
}

std::string CpuInfo() {
  static const std::set<std::string> kKeys = {
      "processor", "vendor_id", "cpu family", "model",       "model name", "stepping",
      "cpu MHz",   "cache size", "physical id", "siblings", "core id",    "cpu cores",
      "fpu",       "fpu_exception", "cpuid level", "wp",     "flags",      "bogomips",
      "clflush size", "cache_alignment", "address sizes"};
  return HostLines("/proc/cpuinfo", kKeys);
}

struct Totals {
  int64_t user = 0, system = 0;  // ticks
  int threads = 0, processes = 0, last_pid = 0;
};

Totals KernelTotals(Kernel& k) {
  Totals t;
  absl::MutexLock l(&k.mu());
  for (ThreadGroup* tg : k.ThreadGroupsLocked()) {
    absl::Duration u = tg->utime, s = tg->stime;
    for (Task* x : tg->tasks) {
      u += x->utime();
      s += x->stime();
      t.last_pid = std::max(t.last_pid, x->tid());
    }
    t.user += absl::ToInt64Milliseconds(u) * kClockTicks / 1000;
    t.system += absl::ToInt64Milliseconds(s) * kClockTicks / 1000;
    t.threads += static_cast<int>(tg->tasks.size());
    t.processes++;
    t.last_pid = std::max(t.last_pid, tg->tgid);
  }
  return t;
}

std::string Stat(Kernel& k) {
  const Totals t = KernelTotals(k);
  const int n = ProcCpuCount();
  const absl::Duration up = absl::Now() - k.boot_time();
  const int64_t idle_all =
      std::max<int64_t>(0, absl::ToInt64Milliseconds(up) * kClockTicks / 1000 * n - t.user - t.system);
  auto line = [](const std::string& name, int64_t u, int64_t s, int64_t i) {
    return absl::StrFormat("%s %d 0 %d %d 0 0 0 0 0 0\n", name, u, s, i);
  };
  std::string out = line("cpu ", t.user, t.system, idle_all);
  for (int c = 0; c < n; ++c) {
    out += line(absl::StrFormat("cpu%d", c), t.user / n, t.system / n, idle_all / n);
  }
  out += absl::StrFormat("intr 0\nctxt 0\nbtime %d\nprocesses %d\nprocs_running 1\nprocs_blocked 0\n",
                         absl::ToUnixSeconds(k.boot_time()), t.last_pid);
  out += "softirq 0 0 0 0 0 0 0 0 0 0 0\n";
  return out;
}

std::string Uptime(Kernel& k) {
  const double up = absl::ToDoubleSeconds(absl::Now() - k.boot_time());
  return absl::StrFormat("%.2f %.2f\n", up, up * ProcCpuCount());
}

std::string LoadAvg(Kernel& k) {
  const Totals t = KernelTotals(k);
  return absl::StrFormat("0.00 0.00 0.00 1/%d %d\n", t.threads, t.last_pid);
}

// A read-only file with fixed or kernel-derived text.
std::shared_ptr<vfs::SyntheticFile> Text(const std::shared_ptr<SyntheticFs>& fs,
                                         std::function<std::string()> text) {
  return std::make_shared<vfs::SyntheticFile>(
      fs, 0444, [text = std::move(text)](Task&) -> ErrnoOr<std::string> { return text(); });
}

}  // namespace

std::shared_ptr<vfs::Inode> NewProcfs(Kernel& k) {
  auto fs = std::make_shared<SyntheticFs>();
  auto root = std::make_shared<SyntheticDir>(fs, 0555);
  Kernel* kp = &k;

  root->Add("self", std::make_shared<vfs::SyntheticSymlink>(
                        fs, [](Task& t) -> ErrnoOr<std::string> { return std::to_string(t.tgid()); }));
  root->Add("thread-self",
            std::make_shared<vfs::SyntheticSymlink>(fs, [](Task& t) -> ErrnoOr<std::string> {
              return absl::StrFormat("%d/task/%d", t.tgid(), t.tid());
            }));
  root->Add("mounts", std::make_shared<vfs::SyntheticSymlink>(fs, std::string("self/mounts")));
  root->Add("meminfo", Text(fs, MemInfo));
  root->Add("cpuinfo", Text(fs, CpuInfo));
  root->Add("stat", Text(fs, [kp] { return Stat(*kp); }));
  root->Add("uptime", Text(fs, [kp] { return Uptime(*kp); }));
  root->Add("loadavg", Text(fs, [kp] { return LoadAvg(*kp); }));
  root->Add("version", Text(fs, [kp] {
              return absl::StrFormat("Linux version %s (sandbox@gsandbox) (gcc) %s\n",
                                     kp->uts().release, kp->uts().version);
            }));
  root->Add("filesystems", Text(fs, [] {
              std::string out;
              for (const std::string& t : FilesystemTypes()) out += "nodev\t" + t + "\n";
              return out;
            }));

  auto sys = std::make_shared<SyntheticDir>(fs, 0555);
  auto sys_kernel = std::make_shared<SyntheticDir>(fs, 0555);
  auto sys_vm = std::make_shared<SyntheticDir>(fs, 0555);
  auto sys_fs = std::make_shared<SyntheticDir>(fs, 0555);
  root->Add("sys", sys);
  sys->Add("kernel", sys_kernel);
  sys->Add("vm", sys_vm);
  sys->Add("fs", sys_fs);
  sys_kernel->Add("hostname", Text(fs, [kp] { return kp->uts().hostname + "\n"; }));
  sys_kernel->Add("domainname", Text(fs, [kp] { return kp->uts().domainname + "\n"; }));
  sys_kernel->Add("osrelease", Text(fs, [kp] { return kp->uts().release + "\n"; }));
  sys_kernel->Add("ostype", Text(fs, [kp] { return kp->uts().sysname + "\n"; }));
  sys_kernel->Add("version", Text(fs, [kp] { return kp->uts().version + "\n"; }));
  sys_kernel->Add("pid_max", Text(fs, [] { return std::string("4194304\n"); }));
  sys_kernel->Add("cap_last_cap", Text(fs, [] { return std::string("40\n"); }));
  sys_kernel->Add("ngroups_max", Text(fs, [] { return std::string("65536\n"); }));
  sys_vm->Add("overcommit_memory", Text(fs, [] { return std::string("0\n"); }));
  sys_fs->Add("pipe-max-size", Text(fs, [] { return std::string("1048576\n"); }));

  // /proc/<pid>: one directory per process, kept while the process lives so
  // that its inode (and cached dentries) stay the same.
  struct Cache {
    absl::Mutex mu;
    std::map<int, std::pair<const ThreadGroup*, std::shared_ptr<vfs::Inode>>> dirs;
  };
  auto cache = std::make_shared<Cache>();
  struct ThreadCache {
    absl::Mutex mu;
    std::map<int, std::pair<const Task*, std::shared_ptr<vfs::Inode>>> dirs;
  };
  auto threads = std::make_shared<ThreadCache>();
  auto pids = [kp] {
    std::vector<std::pair<int, const ThreadGroup*>> out;
    absl::MutexLock l(&kp->mu());
    for (ThreadGroup* tg : kp->ThreadGroupsLocked()) out.emplace_back(tg->tgid, tg);
    return out;
  };
  auto entry = [kp, fs, cache](int tgid, const ThreadGroup* tg) {
    absl::MutexLock l(&cache->mu);
    auto& slot = cache->dirs[tgid];
    if (slot.first != tg || !slot.second) slot = {tg, NewProcPidDir(*kp, fs, tgid, 0)};
    return slot.second;
  };
  root->SetDynamic(
      [pids, entry, cache] {
        std::vector<vfs::DirEntry> out;
        auto live = pids();
        {
          std::set<int> alive;
          for (const auto& [tgid, tg] : live) alive.insert(tgid);
          absl::MutexLock l(&cache->mu);
          std::erase_if(cache->dirs, [&](const auto& kv) { return alive.count(kv.first) == 0; });
        }
        for (const auto& [tgid, tg] : live) {
          out.push_back({entry(tgid, tg)->Stat().ino, DT_DIR, std::to_string(tgid)});
        }
        return out;
      },
      [kp, fs, pids, entry, threads](const std::string& name) -> ErrnoOr<std::shared_ptr<vfs::Inode>> {
        int id;
        if (!absl::SimpleAtoi(name, &id) || std::to_string(id) != name) return Errno(ENOENT);
        for (const auto& [tgid, tg] : pids()) {
          if (tgid == id) return entry(tgid, tg);
        }
        // A thread that leads no process: not listed, but reachable as on
        // Linux, showing that thread.
        const Task* task = nullptr;
        int tgid = 0;
        {
          absl::MutexLock l(&kp->mu());
          if (Task* t = kp->TaskLocked(id)) {
            task = t;
            tgid = t->tgid();
          }
        }
        if (task == nullptr) return Errno(ENOENT);
        absl::MutexLock l(&threads->mu);
        auto& slot = threads->dirs[id];
        if (slot.first != task || !slot.second) slot = {task, NewProcPidDir(*kp, fs, tgid, id)};
        return slot.second;
      });
  return root;
}

}  // namespace sentry::fs
