// wait4(2)/waitid(2): reporting children's exits, stops and continues.
#include <sys/wait.h>

#include "sentry/kernel/kernel.h"

namespace sentry::kernel {
namespace {

bool Selected(const ThreadGroup& child, const WaitRequest& req) {
  switch (req.kind) {
    case WaitRequest::Kind::kAny:
      break;
    case WaitRequest::Kind::kPid:
      if (child.tgid != req.id) return false;
      break;
    case WaitRequest::Kind::kPgid:
      if (child.pgid != req.id) return false;
      break;
  }
  if ((req.options & __WALL) != 0) return true;
  // A "clone" child reports to its parent with a signal other than SIGCHLD.
  bool clone_child = child.exit_signal != SIGCHLD;
  return ((req.options & __WCLONE) != 0) == clone_child;
}

}  // namespace

ErrnoOr<WaitResult> Kernel::Wait(Task& t, const WaitRequest& req) {
  ThreadGroup& tg = t.tg();
  ScopedWait wait(tg.child_events, &t.waiter(), kEventChild);
  for (;;) {
    {
      absl::MutexLock l(&mu_);
      bool any = false;
      for (ThreadGroup* c : tg.children) {
        if (!Selected(*c, req)) continue;
        any = true;
        WaitResult r;
        r.pid = c->tgid;
        if (c->zombie && (req.options & WEXITED) != 0) {
          int ws = c->wait_status;
          r.status = ws;
          bool signaled = (ws & 0x7f) != 0;
          r.code = signaled ? CLD_KILLED : CLD_EXITED;
          r.child_status = signaled ? ws & 0x7f : (ws >> 8) & 0xff;
          r.utime = c->utime + c->children_utime;
          r.stime = c->stime + c->children_stime;
          if ((req.options & WNOWAIT) == 0) ReapLocked(*c);
          return r;
        }
        if (c->stop_unreported && c->stopped && (req.options & WSTOPPED) != 0) {
          r.status = WaitStatusStopped(c->stop_signal);
          r.code = CLD_STOPPED;
          r.child_status = c->stop_signal;
          if ((req.options & WNOWAIT) == 0) c->stop_unreported = false;
          return r;
        }
        if (c->continue_unreported && (req.options & WCONTINUED) != 0) {
          r.status = kWaitStatusContinued;
          r.code = CLD_CONTINUED;
          r.child_status = SIGCONT;
          if ((req.options & WNOWAIT) == 0) c->continue_unreported = false;
          return r;
        }
      }
      if (!any) return Errno(ECHILD);
      if ((req.options & WNOHANG) != 0) return WaitResult{};
    }
    ErrnoResult b = t.Block();
    if (!b.ok()) return Errno(kERestartSys);
  }
}

}  // namespace sentry::kernel
