// clone(2): new threads and processes, with what each CLONE_* flag shares.
#include <sched.h>

#include "base/fmt_absl.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/timers.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {
namespace {

constexpr uint64_t kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                     CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP |
                                     CLONE_NEWTIME;
// Flags this kernel implements or may ignore safely (CLONE_DETACHED and
// CLONE_PTRACE/UNTRACED have no effect without a tracer; CLONE_IO is a
// scheduling hint; CLONE_SYSVSEM shares nothing yet).
constexpr uint64_t kKnownFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
                                 CLONE_PIDFD | CLONE_PTRACE | CLONE_VFORK | CLONE_PARENT |
                                 CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
                                 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED |
                                 CLONE_UNTRACED | CLONE_CHILD_SETTID | CLONE_IO |
                                 kNamespaceFlags;

}  // namespace

ErrnoOr<int> Kernel::Clone(Task& parent, const CloneArgs& args) {
  const uint64_t f = args.flags;
  if ((f & ~kKnownFlags) != 0) return Errno(EINVAL);
  if ((f & CLONE_SIGHAND) != 0 && (f & CLONE_VM) == 0) return Errno(EINVAL);
  if ((f & CLONE_THREAD) != 0 && (f & CLONE_SIGHAND) == 0) return Errno(EINVAL);
  if ((f & CLONE_FS) != 0 && (f & CLONE_NEWNS) != 0) return Errno(EINVAL);
  if ((f & CLONE_THREAD) != 0 && args.exit_signal != 0) {
    // Linux ignores the exit signal of threads.
  }
  if (args.exit_signal < 0 || args.exit_signal > kMaxSignal) return Errno(EINVAL);
  if ((f & kNamespaceFlags) != 0) {
    // Nested namespaces are not implemented: refuse as an unprivileged
    // caller would be refused, never silently share.
    return Errno(EPERM);
  }
  if ((f & CLONE_PIDFD) != 0) return Errno(EINVAL);  // needs pidfd files

  // Copy what the child inherits (the FP state must be current to copy).
  if (!parent.PullFp().ok()) return Errno(ENOMEM);
  std::shared_ptr<mm::MemoryManager> mm;
  if ((f & CLONE_VM) != 0) {
    mm = parent.mm_ptr();
  } else {
    auto as = platform_.NewAddressSpace();
    if (!as.ok()) {
      spdlog::warn("clone: new address space: {}", as.status());
      return Errno(ENOMEM);
    }
    mm = parent.mm().Fork(std::move(*as));
  }
  std::shared_ptr<FdTable> fds =
      (f & CLONE_FILES) != 0 ? parent.fds_ptr() : parent.fds().Clone();
  std::shared_ptr<FsContext> fs = parent.fs();
  if ((f & CLONE_FS) == 0) {
    auto copy = std::make_shared<FsContext>();
    absl::MutexLock l(&fs->mu);
    absl::MutexLock l2(&copy->mu);
    copy->root_mount = fs->root_mount;
    copy->root = fs->root;
    copy->cwd_mount = fs->cwd_mount;
    copy->cwd = fs->cwd;
    copy->umask = fs->umask;
    fs = copy;
  }

  std::shared_ptr<Task> child;
  std::shared_ptr<Task::VforkDone> vfork;
  {
    absl::MutexLock l(&mu_);
    ThreadGroup& ptg = parent.tg();
    if (ptg.group_exiting || parent.killed()) return Errno(EINTR);
    int tid = AllocateIdLocked();
    if (tid < 0) return Errno(EAGAIN);
    std::shared_ptr<ThreadGroup> tg;
    if ((f & CLONE_THREAD) != 0) {
      tg = parent.tg_ptr();
    } else {
      tg = std::make_shared<ThreadGroup>();
      tg->tgid = tid;
      tg->leader_tid = tid;
      ThreadGroup* p = (f & CLONE_PARENT) != 0 ? ptg.parent : &ptg;
      if (p == nullptr) return Errno(EINVAL);  // init has no parent to share
      tg->parent = p;
      p->children.push_back(tg.get());
      tg->exit_signal = args.exit_signal;
      tg->pgid = ptg.pgid;
      tg->sid = ptg.sid;
      tg->limits = ptg.limits;
      tg->dumpable = ptg.dumpable;
      tg->personality = ptg.personality;
      if ((f & CLONE_SIGHAND) != 0) {
        tg->handlers = ptg.handlers;
      } else {
        tg->handlers = std::make_shared<SignalHandlers>(*ptg.handlers);
      }
      groups_[tid] = tg;
    }
    child = std::make_shared<Task>(*this, tg, tid);
    child->cpu_ = parent.cpu_;
    child->cpu_.mutable_fp();  // the copy is the truth: load it at the first Switch
    child->cpu_.set_return(0);
    if (args.stack != 0) child->cpu_.regs.rsp = args.stack;
    if ((f & CLONE_SETTLS) != 0) child->cpu_.regs.fs_base = args.tls;
    child->mm_ = mm;
    child->fds_ = fds;
    child->fs_ = fs;
    child->creds_ = parent.creds_;
    child->comm = parent.comm;
    child->no_new_privs = parent.no_new_privs;
    child->mask_ = parent.mask_;
    if ((f & CLONE_VM) == 0 || (f & CLONE_VFORK) != 0) child->altstack_ = parent.altstack_;
    if ((f & CLONE_CHILD_CLEARTID) != 0) child->clear_child_tid = args.child_tid;
    if ((f & CLONE_VFORK) != 0) {
      vfork = std::make_shared<Task::VforkDone>();
      child->vfork_done = vfork;
    }
    // Scheduling facts: the nice value goes to a new process, the affinity
    // to the new thread.
    if (ptg.timers != nullptr) {
      ProcessTimers& child_timers = ProcessTimers::ForLocked(*this, *tg);
      if (tg.get() != &ptg) child_timers.nice = ptg.timers->nice;
      auto aff = ptg.timers->affinity.find(parent.tid());
      if (aff != ptg.timers->affinity.end()) child_timers.affinity[tid] = aff->second;
    }
    tg->tasks.push_back(child.get());
    tasks_[tid] = child;
  }
  const int tid = child->tid();
  if ((f & CLONE_PARENT_SETTID) != 0) {
    int32_t v = tid;
    (void)parent.mm().CopyOut(args.parent_tid, &v, sizeof(v));
  }
  if ((f & CLONE_CHILD_SETTID) != 0) {
    int32_t v = tid;
    (void)mm->CopyOut(args.child_tid, &v, sizeof(v));
  }
  StartTask(std::move(child));
  if (vfork != nullptr) {
    // The parent sleeps until the child execs or exits; only a kill ends
    // the wait early.
    absl::MutexLock l(&vfork->mu);
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(vfork->mu) {
      return vfork->done || parent.killed();  // atomic
    };
    while (!done()) vfork->mu.AwaitWithTimeout(absl::Condition(&done), absl::Milliseconds(50));
  }
  return tid;
}

}  // namespace sentry::kernel
