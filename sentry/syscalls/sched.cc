// Scheduling and system facts: sched_*, get/setpriority, prctl, sysinfo,
// getcpu. Nothing here changes the host: affinity and nice are recorded in
// the process's kernel::ProcessTimers (only SCHED_OTHER exists), the CPU
// count is the host's online CPU count, sysinfo's RAM comes from the host's
// /proc/meminfo read by the Sentry.
#include <linux/capability.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/thread_group.h"
#include "sentry/kernel/timers.h"
#include "sentry/syscalls/table.h"

namespace sentry::syscalls {
namespace {

using kernel::ProcessTimers;
using kernel::ThreadGroup;

int NumCpus() {
  static const int n = [] {
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return static_cast<int>(std::clamp<long>(c, 1, 1024));
  }();
  return n;
}
// Bytes of the kernel's cpumask (whole longs).
size_t MaskBytes() { return static_cast<size_t>((NumCpus() + 63) / 64) * 8; }

std::vector<uint64_t> AllCpus() {
  std::vector<uint64_t> m(MaskBytes() / 8, 0);
  for (int i = 0; i < NumCpus(); ++i) m[i / 64] |= 1ull << (i % 64);
  return m;
}

// The thread `pid` names (0: the caller). Kernel::mu() held.
constexpr uint64_t kDefaultTimerSlackNs = 50000;  // Linux's default

Task* TargetLocked(Task& t, int64_t pid) {
  if (pid == 0) return &t;
  if (pid < 0 || pid > INT32_MAX) return nullptr;
  return t.kernel().TaskLocked(static_cast<int>(pid));
}

std::vector<uint64_t> AffinityLocked(Task& target) {
  ProcessTimers& pt = ProcessTimers::ForLocked(target.kernel(), target.tg());
  auto it = pt.affinity.find(target.tid());
  return it == pt.affinity.end() ? AllCpus() : it->second;
}

SyscallReturn SchedYield(Task&, const SyscallArguments&) {
  std::this_thread::yield();  // the Sentry's own host thread
  return SyscallReturn::Ok(0);
}

SyscallReturn SchedGetaffinity(Task& t, const SyscallArguments& a) {
  uint64_t len = a[1];
  if (len * 8 < static_cast<uint64_t>(NumCpus()) || (len & 7) != 0) {
    return SyscallReturn::Err(EINVAL);
  }
  std::vector<uint64_t> mask;
  {
    absl::MutexLock l(&t.kernel().mu());
    Task* target = TargetLocked(t, static_cast<int64_t>(a[0]));
    if (target == nullptr) return SyscallReturn::Err(ESRCH);
    mask = AffinityLocked(*target);
  }
  size_t n = std::min<size_t>(len, MaskBytes());
  if (!t.mm().CopyOut(a[2], mask.data(), n).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(static_cast<int64_t>(n));
}

SyscallReturn SchedSetaffinity(Task& t, const SyscallArguments& a) {
  std::vector<uint64_t> mask(MaskBytes() / 8, 0);
  size_t n = std::min<size_t>(a[1], MaskBytes());
  if (!t.mm().CopyIn(a[2], mask.data(), n).ok()) return SyscallReturn::Err(EFAULT);
  std::vector<uint64_t> all = AllCpus();
  bool any = false;
  for (size_t i = 0; i < mask.size(); ++i) {
    mask[i] &= all[i];
    any |= mask[i] != 0;
  }
  absl::MutexLock l(&t.kernel().mu());
  Task* target = TargetLocked(t, static_cast<int64_t>(a[0]));
  if (target == nullptr) return SyscallReturn::Err(ESRCH);
  if (!any) return SyscallReturn::Err(EINVAL);
  if (target != &t && !t.kernel().MaySignal(t.creds(), *target)) return SyscallReturn::Err(EPERM);
  ProcessTimers::ForLocked(t.kernel(), target->tg()).affinity[target->tid()] = std::move(mask);
  return SyscallReturn::Ok(0);
}

bool KnownPolicy(int64_t policy) {
  policy &= ~static_cast<int64_t>(SCHED_RESET_ON_FORK);
  return policy == SCHED_OTHER || policy == SCHED_FIFO || policy == SCHED_RR ||
         policy == SCHED_BATCH || policy == SCHED_IDLE || policy == 6 /* SCHED_DEADLINE */;
}

// Validates (pid, param) for the sched_*param/scheduler calls.
SyscallReturn CheckPid(Task& t, int64_t pid) {
  if (pid < 0) return SyscallReturn::Err(EINVAL);
  absl::MutexLock l(&t.kernel().mu());
  if (TargetLocked(t, pid) == nullptr) return SyscallReturn::Err(ESRCH);
  return SyscallReturn::Ok(0);
}

SyscallReturn SchedGetscheduler(Task& t, const SyscallArguments& a) {
  const int64_t pid = static_cast<int32_t>(a[0]);
  if (pid < 0) return SyscallReturn::Err(EINVAL);
  absl::MutexLock l(&t.kernel().mu());
  Task* target = TargetLocked(t, pid);
  if (target == nullptr) return SyscallReturn::Err(ESRCH);
  ProcessTimers& pt = ProcessTimers::ForLocked(t.kernel(), target->tg());
  auto it = pt.policy.find(target->tid());
  return SyscallReturn::Ok(it == pt.policy.end() ? SCHED_OTHER : it->second);
}

SyscallReturn SchedGetparam(Task& t, const SyscallArguments& a) {
  if (a[1] == 0) return SyscallReturn::Err(EINVAL);
  SyscallReturn r = CheckPid(t, static_cast<int32_t>(a[0]));
  if (r.value != 0) return r;
  struct sched_param p {};
  if (!t.mm().CopyOut(a[1], &p, sizeof(p)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

// The non-real-time policies (SCHED_OTHER, SCHED_BATCH, SCHED_IDLE) are
// recorded per thread; real-time and deadline policies are EPERM.
SyscallReturn SetScheduler(Task& t, int64_t pid, int64_t policy, uint64_t param_addr) {
  if (param_addr == 0 || pid < 0) return SyscallReturn::Err(EINVAL);
  struct sched_param p;
  if (!t.mm().CopyIn(param_addr, &p, sizeof(p)).ok()) return SyscallReturn::Err(EFAULT);
  SyscallReturn r = CheckPid(t, pid);
  if (r.value != 0) return r;
  if (!KnownPolicy(policy)) return SyscallReturn::Err(EINVAL);
  policy &= ~static_cast<int64_t>(SCHED_RESET_ON_FORK);
  bool rt = policy == SCHED_FIFO || policy == SCHED_RR;
  if (rt ? (p.sched_priority < 1 || p.sched_priority > 99) : p.sched_priority != 0) {
    return SyscallReturn::Err(EINVAL);
  }
  if (policy != SCHED_OTHER && policy != SCHED_BATCH && policy != SCHED_IDLE) {
    return SyscallReturn::Err(EPERM);
  }
  absl::MutexLock l(&t.kernel().mu());
  Task* target = TargetLocked(t, pid);
  if (target == nullptr) return SyscallReturn::Err(ESRCH);
  ProcessTimers& pt = ProcessTimers::ForLocked(t.kernel(), target->tg());
  if (policy == SCHED_OTHER) {
    pt.policy.erase(target->tid());
  } else {
    pt.policy[target->tid()] = static_cast<int>(policy);
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn SchedSetscheduler(Task& t, const SyscallArguments& a) {
  return SetScheduler(t, static_cast<int32_t>(a[0]), static_cast<int32_t>(a[1]), a[2]);
}

SyscallReturn SchedSetparam(Task& t, const SyscallArguments& a) {
  const int64_t pid = static_cast<int32_t>(a[0]);
  int policy = SCHED_OTHER;
  if (pid >= 0) {
    absl::MutexLock l(&t.kernel().mu());
    if (Task* target = TargetLocked(t, pid)) {
      ProcessTimers& pt = ProcessTimers::ForLocked(t.kernel(), target->tg());
      if (auto it = pt.policy.find(target->tid()); it != pt.policy.end()) policy = it->second;
    }
  }
  return SetScheduler(t, pid, policy, a[1]);
}

SyscallReturn SchedGetPriorityMax(Task&, const SyscallArguments& a) {
  int64_t p = static_cast<int32_t>(a[0]);
  if (p == SCHED_FIFO || p == SCHED_RR) return SyscallReturn::Ok(99);
  if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE || p == 6) return SyscallReturn::Ok(0);
  return SyscallReturn::Err(EINVAL);
}

SyscallReturn SchedGetPriorityMin(Task&, const SyscallArguments& a) {
  int64_t p = static_cast<int32_t>(a[0]);
  if (p == SCHED_FIFO || p == SCHED_RR) return SyscallReturn::Ok(1);
  if (p == SCHED_OTHER || p == SCHED_BATCH || p == SCHED_IDLE || p == 6) return SyscallReturn::Ok(0);
  return SyscallReturn::Err(EINVAL);
}

SyscallReturn SchedRrGetInterval(Task& t, const SyscallArguments& a) {
  SyscallReturn r = CheckPid(t, static_cast<int32_t>(a[0]));
  if (r.value != 0) return r;
  struct timespec ts = {0, 0};  // SCHED_OTHER has no round-robin slice here
  if (!t.mm().CopyOut(a[1], &ts, sizeof(ts)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

// The processes get/setpriority(which, who) selects. Kernel::mu() held.
ErrnoOr<std::vector<ThreadGroup*>> PriorityTargetsLocked(Task& t, int64_t which, int64_t who) {
  kernel::Kernel& k = t.kernel();
  std::vector<ThreadGroup*> out;
  switch (which) {
    case PRIO_PROCESS: {
      if (who == 0) {
        out.push_back(&t.tg());
      } else if (who > 0 && who <= INT32_MAX) {
        Task* target = k.TaskLocked(static_cast<int>(who));
        if (target != nullptr) out.push_back(&target->tg());
      }
      break;
    }
    case PRIO_PGRP: {
      int pgid = who == 0 ? t.tg().pgid : static_cast<int>(who);
      for (ThreadGroup* g : k.ThreadGroupsLocked()) {
        if (g->pgid == pgid && !g->zombie) out.push_back(g);
      }
      break;
    }
    case PRIO_USER: {
      uint32_t uid = who == 0 ? t.creds().uid : static_cast<uint32_t>(who);
      for (ThreadGroup* g : k.ThreadGroupsLocked()) {
        if (g->zombie || g->tasks.empty()) continue;
        if (g->tasks.front()->creds().uid == uid) out.push_back(g);
      }
      break;
    }
    default:
      return Errno(EINVAL);
  }
  return out;
}

SyscallReturn Getpriority(Task& t, const SyscallArguments& a) {
  kernel::Kernel& k = t.kernel();
  absl::MutexLock l(&k.mu());
  auto targets = PriorityTargetsLocked(t, static_cast<int32_t>(a[0]), static_cast<int32_t>(a[1]));
  if (!targets.ok()) return SyscallReturn::From(targets.error());
  if (targets->empty()) return SyscallReturn::Err(ESRCH);
  int best = 19;
  for (ThreadGroup* g : *targets) best = std::min(best, ProcessTimers::ForLocked(k, *g).nice);
  return SyscallReturn::Ok(20 - best);  // the raw syscall's 1..40 scale
}

SyscallReturn Setpriority(Task& t, const SyscallArguments& a) {
  int nice = std::clamp(static_cast<int>(static_cast<int32_t>(a[2])), -20, 19);
  kernel::Kernel& k = t.kernel();
  absl::MutexLock l(&k.mu());
  auto targets = PriorityTargetsLocked(t, static_cast<int32_t>(a[0]), static_cast<int32_t>(a[1]));
  if (!targets.ok()) return SyscallReturn::From(targets.error());
  if (targets->empty()) return SyscallReturn::Err(ESRCH);
  bool cap_nice = (t.creds().cap_effective & (1ull << CAP_SYS_NICE)) != 0;
  for (ThreadGroup* g : *targets) {
    ProcessTimers& pt = ProcessTimers::ForLocked(k, *g);
    if (!g->tasks.empty() && !cap_nice) {
      const kernel::Credentials& c = g->tasks.front()->creds();
      if (c.uid != t.creds().euid && c.euid != t.creds().euid) return SyscallReturn::Err(EPERM);
    }
    if (nice < pt.nice && !cap_nice) return SyscallReturn::Err(EACCES);
    pt.nice = nice;
  }
  return SyscallReturn::Ok(0);
}

SyscallReturn Getcpu(Task& t, const SyscallArguments& a) {
  unsigned cpu = 0;
  {
    absl::MutexLock l(&t.kernel().mu());
    std::vector<uint64_t> mask = AffinityLocked(t);
    // A stable CPU from the task's affinity, spread by tid.
    std::vector<unsigned> allowed;
    for (int i = 0; i < NumCpus(); ++i) {
      if ((mask[i / 64] >> (i % 64)) & 1) allowed.push_back(static_cast<unsigned>(i));
    }
    if (!allowed.empty()) cpu = allowed[static_cast<size_t>(t.tid()) % allowed.size()];
  }
  unsigned node = 0;
  if (a[0] != 0 && !t.mm().CopyOut(a[0], &cpu, sizeof(cpu)).ok()) return SyscallReturn::Err(EFAULT);
  if (a[1] != 0 && !t.mm().CopyOut(a[1], &node, sizeof(node)).ok()) {
    return SyscallReturn::Err(EFAULT);
  }
  return SyscallReturn::Ok(0);
}

// Host /proc/meminfo values in bytes (0 if absent).
struct MemInfo {
  uint64_t total = 0, free = 0, buffers = 0, shared = 0, swap_total = 0, swap_free = 0;
};
MemInfo ReadMemInfo() {
  MemInfo m;
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kb;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    uint64_t bytes = kb * 1024;
    if (key == "MemTotal:") m.total = bytes;
    else if (key == "MemFree:") m.free = bytes;
    else if (key == "Buffers:") m.buffers = bytes;
    else if (key == "Shmem:") m.shared = bytes;
    else if (key == "SwapTotal:") m.swap_total = bytes;
    else if (key == "SwapFree:") m.swap_free = bytes;
  }
  if (m.total == 0) m.total = 1ull << 30;
  return m;
}

SyscallReturn Sysinfo(Task& t, const SyscallArguments& a) {
  struct sysinfo si;
  std::memset(&si, 0, sizeof(si));
  kernel::Kernel& k = t.kernel();
  // CLOCK_BOOTTIME, as Linux: the sandbox reads the host's clocks, so its
  // uptime agrees with clock_gettime(CLOCK_BOOTTIME).
  struct timespec boot;
  clock_gettime(CLOCK_BOOTTIME, &boot);
  si.uptime = boot.tv_sec;
  MemInfo m = ReadMemInfo();
  si.totalram = m.total;
  si.freeram = m.free;
  si.sharedram = m.shared;
  si.bufferram = m.buffers;
  si.totalswap = m.swap_total;
  si.freeswap = m.swap_free;
  si.mem_unit = 1;
  {
    absl::MutexLock l(&k.mu());
    size_t threads = 0;
    for (ThreadGroup* g : k.ThreadGroupsLocked()) threads += g->tasks.size();
    si.procs = static_cast<uint16_t>(std::min<size_t>(threads, 0xffff));
  }
  if (!t.mm().CopyOut(a[0], &si, sizeof(si)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

SyscallReturn PutInt(Task& t, uint64_t addr, int v) {
  if (!t.mm().CopyOut(addr, &v, sizeof(v)).ok()) return SyscallReturn::Err(EFAULT);
  return SyscallReturn::Ok(0);
}

constexpr int kCapLastCap = 40;  // CAP_CHECKPOINT_RESTORE

SyscallReturn Prctl(Task& t, const SyscallArguments& a) {
  kernel::Kernel& k = t.kernel();
  switch (static_cast<int>(a[0])) {
    case PR_SET_NAME: {
      char name[16] = {};
      // Up to 15 bytes, stopping at a NUL; a name at the end of a mapping
      // is read as far as it goes.
      ErrnoOr<size_t> n = t.mm().CopyInPartial(a[1], name, 15);
      if (!n.ok() || *n == 0) return SyscallReturn::Err(EFAULT);
      name[15] = 0;
      absl::MutexLock l(&k.mu());
      t.comm = std::string(name, strnlen(name, 15));
      return SyscallReturn::Ok(0);
    }
    case PR_GET_NAME: {
      char name[16] = {};
      {
        absl::MutexLock l(&k.mu());
        std::memcpy(name, t.comm.data(), std::min<size_t>(t.comm.size(), 15));
      }
      if (!t.mm().CopyOut(a[1], name, sizeof(name)).ok()) return SyscallReturn::Err(EFAULT);
      return SyscallReturn::Ok(0);
    }
    case PR_SET_PDEATHSIG: {
      if (a[1] != 0 && !kernel::ValidSignal(static_cast<int>(a[1]))) {
        return SyscallReturn::Err(EINVAL);
      }
      if (a[1] > kernel::kMaxSignal) return SyscallReturn::Err(EINVAL);
      absl::MutexLock l(&k.mu());
      t.pdeath_signal = static_cast<int>(a[1]);
      return SyscallReturn::Ok(0);
    }
    case PR_GET_PDEATHSIG: {
      int sig;
      {
        absl::MutexLock l(&k.mu());
        sig = t.pdeath_signal;
      }
      return PutInt(t, a[1], sig);
    }
    case PR_GET_DUMPABLE: {
      absl::MutexLock l(&k.mu());
      return SyscallReturn::Ok(t.tg().dumpable ? 1 : 0);
    }
    case PR_SET_DUMPABLE: {
      if (a[1] > 1) return SyscallReturn::Err(EINVAL);
      absl::MutexLock l(&k.mu());
      t.tg().dumpable = a[1] == 1;
      return SyscallReturn::Ok(0);
    }
    case PR_GET_KEEPCAPS: {
      absl::MutexLock l(&k.mu());
      return SyscallReturn::Ok(t.creds().keep_caps ? 1 : 0);
    }
    case PR_SET_KEEPCAPS: {
      if (a[1] > 1) return SyscallReturn::Err(EINVAL);
      absl::MutexLock l(&k.mu());
      t.creds().keep_caps = a[1] == 1;
      return SyscallReturn::Ok(0);
    }
    case PR_SET_NO_NEW_PRIVS:
      if (a[1] != 1 || a[2] != 0 || a[3] != 0 || a[4] != 0) return SyscallReturn::Err(EINVAL);
      t.no_new_privs = true;
      return SyscallReturn::Ok(0);
    case PR_GET_NO_NEW_PRIVS:
      if (a[1] != 0 || a[2] != 0 || a[3] != 0 || a[4] != 0) return SyscallReturn::Err(EINVAL);
      return SyscallReturn::Ok(t.no_new_privs ? 1 : 0);
    case PR_SET_CHILD_SUBREAPER: {
      absl::MutexLock l(&k.mu());
      t.tg().subreaper = a[1] != 0;
      return SyscallReturn::Ok(0);
    }
    case PR_GET_CHILD_SUBREAPER: {
      bool v;
      {
        absl::MutexLock l(&k.mu());
        v = t.tg().subreaper;
      }
      return PutInt(t, a[1], v ? 1 : 0);
    }
    case PR_GET_SECCOMP:
      return SyscallReturn::Ok(0);  // no filter (seccomp is not supported yet)
    case PR_SET_SECCOMP:
      return SyscallReturn::Err(EINVAL);
    case PR_CAPBSET_READ:
      if (a[1] > kCapLastCap) return SyscallReturn::Err(EINVAL);
      return SyscallReturn::Ok(1);  // the bounding set is full (not modelled)
    case PR_CAPBSET_DROP:
      if (a[1] > kCapLastCap) return SyscallReturn::Err(EINVAL);
      if ((t.creds().cap_effective & (1ull << CAP_SETPCAP)) == 0) return SyscallReturn::Err(EPERM);
      return SyscallReturn::Ok(0);  // accepted, not enforced
    case PR_CAP_AMBIENT:
      if (a[1] == PR_CAP_AMBIENT_IS_SET) {
        if (a[2] > kCapLastCap) return SyscallReturn::Err(EINVAL);
        return SyscallReturn::Ok(0);
      }
      if (a[1] == PR_CAP_AMBIENT_CLEAR_ALL) return SyscallReturn::Ok(0);
      return SyscallReturn::Err(EINVAL);
    case PR_GET_TIMERSLACK: {
      absl::MutexLock l(&t.kernel().mu());
      ProcessTimers& pt = ProcessTimers::ForLocked(t.kernel(), t.tg());
      auto it = pt.timerslack.find(t.tid());
      return SyscallReturn::Ok(it == pt.timerslack.end() ? kDefaultTimerSlackNs : it->second);
    }
    case PR_SET_TIMERSLACK: {  // recorded; the Sentry's timers do not coalesce
      absl::MutexLock l(&t.kernel().mu());
      ProcessTimers& pt = ProcessTimers::ForLocked(t.kernel(), t.tg());
      if (a[1] == 0) {
        pt.timerslack.erase(t.tid());
      } else {
        pt.timerslack[t.tid()] = a[1];
      }
      return SyscallReturn::Ok(0);
    }
    case PR_GET_THP_DISABLE:
      return SyscallReturn::Ok(0);
    case PR_GET_TID_ADDRESS: {
      uint64_t v = t.clear_child_tid;
      if (!t.mm().CopyOut(a[1], &v, sizeof(v)).ok()) return SyscallReturn::Err(EFAULT);
      return SyscallReturn::Ok(0);
    }
    default:
      return SyscallReturn::Err(EINVAL);
  }
}

}  // namespace

void RegisterSched(SyscallTable& t) {
  t.Register(SYS_sched_yield, SchedYield);
  t.Register(SYS_sched_getaffinity, SchedGetaffinity);
  t.Register(SYS_sched_setaffinity, SchedSetaffinity);
  t.Register(SYS_sched_getscheduler, SchedGetscheduler);
  t.Register(SYS_sched_setscheduler, SchedSetscheduler);
  t.Register(SYS_sched_getparam, SchedGetparam);
  t.Register(SYS_sched_setparam, SchedSetparam);
  t.Register(SYS_sched_get_priority_max, SchedGetPriorityMax);
  t.Register(SYS_sched_get_priority_min, SchedGetPriorityMin);
  t.Register(SYS_sched_rr_get_interval, SchedRrGetInterval);
  t.Register(SYS_getpriority, Getpriority);
  t.Register(SYS_setpriority, Setpriority);
  t.Register(SYS_getcpu, Getcpu);
  t.Register(SYS_sysinfo, Sysinfo);
  t.Register(SYS_prctl, Prctl);
}

}  // namespace sentry::syscalls
