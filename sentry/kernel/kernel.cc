#include "sentry/kernel/kernel.h"

#include <thread>

#include "base/fmt_absl.h"
#include "sentry/kernel/timers.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {
namespace {

// A fresh Linux login's limits: stack 8 MiB soft, nofile 1024 soft / 4096
// hard (Debian's defaults), core 0, memlock 8 MiB, everything else unlimited.
std::array<struct rlimit, RLIM_NLIMITS> DefaultLimits() {
  std::array<struct rlimit, RLIM_NLIMITS> l;
  for (auto& r : l) r = {RLIM_INFINITY, RLIM_INFINITY};
  l[RLIMIT_STACK].rlim_cur = 8 << 20;
  l[RLIMIT_NOFILE] = {1024, 4096};
  l[RLIMIT_CORE].rlim_cur = 0;
  l[RLIMIT_MEMLOCK] = {8 << 20, 8 << 20};
  l[RLIMIT_NPROC] = {63581, 63581};
  l[RLIMIT_SIGPENDING] = {63581, 63581};
  l[RLIMIT_MSGQUEUE] = {819200, 819200};
  return l;
}

}  // namespace

Kernel::Kernel(platform::Platform& platform, mm::MemoryFile& memory_file,
               SyscallDispatcher& dispatcher, ExecLoader& loader, UtsInfo uts)
    : platform_(platform),
      memory_file_(memory_file),
      dispatcher_(dispatcher),
      loader_(loader),
      uts_(std::move(uts)) {}

Kernel::~Kernel() {
  absl::MutexLock l(&mu_);
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_threads_ == 0; };
  mu_.Await(absl::Condition(&done));
}

bool Kernel::AllTasksExited() {
  absl::MutexLock l(&mu_);
  return running_threads_ == 0;
}

std::shared_ptr<Task> Kernel::CreateTaskForTesting(std::shared_ptr<mm::MemoryManager> mm,
                                                   Credentials creds) {
  absl::MutexLock l(&mu_);
  auto tg = std::make_shared<ThreadGroup>();
  tg->tgid = AllocateIdLocked();
  tg->leader_tid = tg->pgid = tg->sid = tg->tgid;
  tg->handlers = std::make_shared<SignalHandlers>();
  tg->limits = DefaultLimits();
  auto t = std::make_shared<Task>(*this, tg, tg->tgid);
  t->SetMm(std::move(mm));
  t->SetFds(std::make_shared<FdTable>());
  t->creds_ = std::move(creds);
  {
    absl::MutexLock fl(&t->fs()->mu);
    t->fs()->root_mount = t->fs()->cwd_mount = root_mount_;
    t->fs()->root = t->fs()->cwd = root_;
  }
  tg->tasks.push_back(t.get());
  tasks_[t->tid()] = t;
  groups_[tg->tgid] = tg;
  if (init_ == nullptr) {
    init_ = tg.get();
  } else {
    tg->parent = init_;
    init_->children.push_back(tg.get());
  }
  return t;
}

int Kernel::RunInit(InitProcess init) {
  std::shared_ptr<Task> t;
  {
    absl::MutexLock l(&mu_);
    auto tg = std::make_shared<ThreadGroup>();
    tg->tgid = AllocateIdLocked();
    tg->leader_tid = tg->tgid;
    tg->pgid = tg->sid = tg->tgid;
    tg->handlers = std::make_shared<SignalHandlers>();
    tg->limits = DefaultLimits();
    for (const auto& [res, lim] : init.rlimits) {
      if (res >= 0 && res < RLIM_NLIMITS) tg->limits[res] = lim;
    }
    t = std::make_shared<Task>(*this, tg, tg->tgid);
    t->SetMm(std::move(init.mm));
    t->SetFds(std::move(init.fds));
    t->creds_ = std::move(init.creds);
    t->comm = std::move(init.comm);
    {
      absl::MutexLock fl(&t->fs()->mu);
      t->fs()->root_mount = root_mount_;
      t->fs()->root = root_;
      t->fs()->cwd_mount = init.cwd_mount ? init.cwd_mount : root_mount_;
      t->fs()->cwd = init.cwd ? init.cwd : root_;
    }
    t->cpu().regs.rip = init.image.entry;
    t->cpu().regs.rsp = init.image.sp;
    tg->tasks.push_back(t.get());
    tasks_[t->tid()] = t;
    groups_[tg->tgid] = tg;
    init_ = tg.get();
  }
  StartTask(t);
  absl::MutexLock l(&mu_);
  // Until init dies; then the rest of the namespace gets a grace period to
  // leave (a task blocked in a host read of a handed-in fd cannot be
  // interrupted).
  auto init_dead = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return running_threads_ == 0 || init_->zombie;
  };
  mu_.Await(absl::Condition(&init_dead));
  auto done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_threads_ == 0; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&done), absl::Seconds(5))) {
    spdlog::warn("{} task threads did not exit after init", running_threads_);
  }
  return init_status_;
}

void Kernel::StartTask(std::shared_ptr<Task> t) {
  {
    absl::MutexLock l(&mu_);
    ++running_threads_;
  }
  std::thread([this, t = std::move(t)] {
    absl::Status s = t->Run();
    if (!s.ok()) spdlog::error("task {}: {}", t->tid(), s);
    TaskExited(*t);
  }).detach();
}

int Kernel::AllocateIdLocked() {
  constexpr int kPidMax = 4194304;
  for (int tries = 0; tries < kPidMax; ++tries) {
    int id = next_id_;
    next_id_ = next_id_ >= kPidMax ? 300 : next_id_ + 1;
    if (tasks_.count(id) == 0 && groups_.count(id) == 0) return id;
  }
  return -1;
}

Task* Kernel::TaskLocked(int tid) {
  auto it = tasks_.find(tid);
  return it == tasks_.end() ? nullptr : it->second.get();
}

ThreadGroup* Kernel::ThreadGroupLocked(int tgid) {
  auto it = groups_.find(tgid);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::vector<ThreadGroup*> Kernel::ThreadGroupsLocked() {
  std::vector<ThreadGroup*> out;
  for (auto& [id, tg] : groups_) out.push_back(tg.get());
  return out;
}

void Kernel::TaskExited(Task& t) {
  // Linux's mm_release: robust futexes, then clear_child_tid + wake.
  if (t.mm_ != nullptr) {
    futex_.ExitRobustList(t);
    if (t.clear_child_tid != 0) {
      uint32_t zero = 0;
      if (t.mm_->CopyOut(t.clear_child_tid, &zero, sizeof(zero)).ok()) {
        (void)futex_.Wake(*t.mm_, t.clear_child_tid, false, kFutexBitsetAny, 1);
      }
    }
  }
  if (t.vfork_done != nullptr) {
    absl::MutexLock l(&t.vfork_done->mu);
    t.vfork_done->done = true;
  }
  // Drop the address space and files outside the lock: their destructors
  // talk to the platform and wake pipe peers.
  std::shared_ptr<mm::MemoryManager> mm = std::move(t.mm_);
  std::shared_ptr<FdTable> fds = std::move(t.fds_);
  mm.reset();
  fds.reset();
  absl::MutexLock l(&mu_);
  ThreadGroup& tg = *t.tg_;
  std::erase(tg.tasks, &t);
  tg.utime += t.utime();
  tg.stime += t.stime();
  tasks_.erase(t.tid());
  if (tg.tasks.empty()) {
    tg.wait_status = tg.group_exiting ? tg.group_exit_status : WaitStatusExited(t.exit_code_);
    ProcessExitedLocked(tg);
  }
  --running_threads_;
}

ThreadGroup* Kernel::ReaperForLocked(ThreadGroup& tg) {
  for (ThreadGroup* p = tg.parent; p != nullptr; p = p->parent) {
    if (p->subreaper && !p->zombie && !p->tasks.empty()) return p;
  }
  if (init_ != nullptr && init_ != &tg && !init_->zombie) return init_;
  return nullptr;
}

void Kernel::ProcessExitedLocked(ThreadGroup& tg) {
  StopProcessTimersLocked(tg);
  ThreadGroup* reaper = ReaperForLocked(tg);
  std::vector<ThreadGroup*> orphans;
  orphans.swap(tg.children);
  for (ThreadGroup* child : orphans) {
    child->parent = reaper;
    for (Task* ct : child->tasks) {
      if (ct->pdeath_signal != 0) {
        SendTaskSignalLocked(*ct, MakeSigInfo(ct->pdeath_signal, SI_USER));
      }
    }
    if (reaper != nullptr) {
      reaper->children.push_back(child);
      if (child->zombie) NotifyParentLocked(*child, 0, 0);
    } else if (child->zombie) {
      ReapLocked(*child);
    }
  }
  tg.zombie = true;
  if (&tg == init_) {
    int ws = tg.wait_status;
    init_status_ = (ws & 0x7f) == 0 ? (ws >> 8) & 0xff : 128 + (ws & 0x7f);
    // Init's death ends the PID namespace: everyone else is killed.
    for (auto& [id, g] : groups_) {
      if (g.get() != &tg && !g->zombie) GroupExitLocked(*g, WaitStatusSignaled(SIGKILL));
    }
  }
  if (tg.parent == nullptr) {
    if (&tg != init_) ReapLocked(tg);  // init stays, a zombie, for RunInit
    return;
  }
  int ws = tg.wait_status;
  bool signaled = (ws & 0x7f) != 0;
  NotifyParentLocked(tg, signaled ? CLD_KILLED : CLD_EXITED, signaled ? ws & 0x7f : (ws >> 8) & 0xff);
}

void Kernel::NotifyParentLocked(ThreadGroup& tg, int code, int status) {
  ThreadGroup* parent = tg.parent;
  if (parent == nullptr) return;
  const SigAction& chld = parent->handlers->of(SIGCHLD);
  if (code == CLD_EXITED || code == CLD_KILLED) {
    int sig = tg.exit_signal;
    bool autoreap = false;
    if (sig == SIGCHLD && (chld.handler == kSigIgn || (chld.flags & SA_NOCLDWAIT) != 0)) {
      autoreap = true;
      if (chld.handler == kSigIgn) sig = 0;
    }
    if (ValidSignal(sig)) {
      siginfo_t info = MakeSigInfo(sig, code, tg.tgid);
      info.si_status = status;
      SendGroupSignalLocked(*parent, info);
    }
    if (autoreap) {
      ReapLocked(tg);
    }
  } else if (code == CLD_STOPPED || code == CLD_CONTINUED) {
    if ((chld.flags & SA_NOCLDSTOP) == 0) {
      siginfo_t info = MakeSigInfo(SIGCHLD, code, tg.tgid);
      info.si_status = status;
      SendGroupSignalLocked(*parent, info);
    }
  }
  parent->child_events.Notify(kEventChild);
}

void Kernel::ReapLocked(ThreadGroup& tg) {
  if (ThreadGroup* p = tg.parent) {
    std::erase(p->children, &tg);
    p->children_utime += tg.utime + tg.children_utime;
    p->children_stime += tg.stime + tg.children_stime;
    p->child_events.Notify(kEventChild);
  }
  groups_.erase(tg.tgid);  // may destroy tg
}

void Kernel::StopGroupLocked(ThreadGroup& tg, int sig) {
  if (tg.group_exiting || tg.stopped) return;
  tg.stopped = true;
  tg.stop_signal = sig;
  tg.stop_unreported = true;
  tg.continue_unreported = false;
  for (Task* t : tg.tasks) t->Interrupt();
  NotifyParentLocked(tg, CLD_STOPPED, sig);
}

void Kernel::ContinueGroupLocked(ThreadGroup& tg) {
  if (!tg.stopped) return;
  tg.stopped = false;
  tg.stop_unreported = false;
  tg.continue_unreported = true;
  for (Task* t : tg.tasks) t->Interrupt();
  NotifyParentLocked(tg, CLD_CONTINUED, SIGCONT);
}

}  // namespace sentry::kernel
