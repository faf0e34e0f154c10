// execve(2): a new image in a new address space; then, past the point of no
// return, the rest of the process is made fit for it (other threads die,
// close-on-exec files close, caught signals revert to default).
#include "base/fmt_absl.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/timers.h"
#include "spdlog/spdlog.h"

namespace sentry::kernel {

ErrnoResult Kernel::Execve(Task& t, const std::string& path, const std::vector<std::string>& argv,
                           const std::vector<std::string>& envp) {
  auto as = platform_.NewAddressSpace();
  if (!as.ok()) {
    spdlog::warn("execve: new address space: {}", as.status());
    return Errno(ENOMEM);
  }
  auto mm = std::make_shared<mm::MemoryManager>(memory_file_, std::move(*as), t.mm().options());
  ExecContext ctx;
  ctx.creds = t.creds();
  {
    FsContext& fs = *t.fs();
    absl::MutexLock l(&fs.mu);
    ctx.root_mount = fs.root_mount;
    ctx.root = fs.root;
    ctx.cwd_mount = fs.cwd_mount;
    ctx.cwd = fs.cwd;
  }
  {
    absl::MutexLock l(&mu_);
    ctx.rlimit_stack = t.tg().limits[RLIMIT_STACK].rlim_cur;
  }
  auto image = loader_.Load(ctx, path, argv, envp, *mm);
  if (!image.ok()) return image.error();

  // Point of no return. Other threads die first (Linux's de_thread).
  {
    absl::MutexLock l(&mu_);
    ThreadGroup& tg = t.tg();
    if (tg.group_exiting || t.killed()) return Errno(EINTR);
    for (Task* o : tg.tasks) {
      if (o != &t) o->MarkKilledLocked();
    }
    auto alone = [&tg]() { return tg.tasks.size() == 1; };
    mu_.Await(absl::Condition(&alone));
    if (t.tid_ != tg.leader_tid) {
      // The exec'ing thread takes over the process's ID.
      std::shared_ptr<Task> self = tasks_[t.tid_];
      tasks_.erase(t.tid_);
      t.tid_ = tg.leader_tid;
      tasks_[t.tid_] = std::move(self);
    }
    if (tg.handlers.use_count() > 1) tg.handlers = std::make_shared<SignalHandlers>(*tg.handlers);
    for (SigAction& a : tg.handlers->actions) {
      if (a.handler != kSigIgn) a = SigAction{};
    }
    t.altstack_ = stack_t{nullptr, SS_DISABLE, 0};
    t.creds().keep_caps = false;
    t.has_saved_mask_ = false;
    // POSIX timers do not survive execve (interval timers do).
    if (tg.timers != nullptr) tg.timers->DeletePosixTimers();
  }
  if (t.vfork_done != nullptr) {
    absl::MutexLock l(&t.vfork_done->mu);
    t.vfork_done->done = true;
  }
  t.vfork_done = nullptr;
  // Linux's exec_mm_release: the robust list and clear_child_tid end with
  // the old image.
  futex_.ExitRobustList(t);
  if (t.clear_child_tid != 0 && t.mm_.use_count() > 1) {
    uint32_t zero = 0;
    if (t.mm_->CopyOut(t.clear_child_tid, &zero, sizeof(zero)).ok()) {
      (void)futex_.Wake(*t.mm_, t.clear_child_tid, false, kFutexBitsetAny, 1);
    }
  }
  t.clear_child_tid = 0;
  t.robust_list_head = 0;
  t.robust_list_len = 0;
  if (t.fds_.use_count() > 1) t.fds_ = t.fds_->Clone();
  t.fds_->CloseOnExec();
  t.mm_ = std::move(mm);
  t.cpu_ = platform::CpuState();
  t.cpu_.regs.rip = image->entry;
  t.cpu_.regs.rsp = image->sp;
  t.restart_code_ = 0;
  t.restart_block = nullptr;
  size_t slash = path.rfind('/');
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  absl::MutexLock l(&mu_);
  t.comm = base.substr(0, 15);
  return {};
}

}  // namespace sentry::kernel
