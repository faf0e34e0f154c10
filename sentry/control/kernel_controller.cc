#include "sentry/control/kernel_controller.h"

#include <signal.h>

#include "absl/time/clock.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/thread_group.h"

namespace sentry::control {

absl::Status KernelController::Signal(int signo, bool all) {
  siginfo_t info = kernel::MakeSigInfo(signo, SI_USER, 0, 0);
  // Start is acknowledged just before init is registered: give it a moment.
  for (int i = 0; i < 200; ++i) {
    {
      absl::MutexLock l(&kernel_.mu());
      kernel::ThreadGroup* init = kernel_.ThreadGroupLocked(1);
      if (init != nullptr) {
        if (init->zombie) return absl::FailedPreconditionError("container not running");
        if (all) {
          for (kernel::ThreadGroup* tg : kernel_.ThreadGroupsLocked()) {
            if (!tg->zombie) kernel_.SendGroupSignalLocked(*tg, info);
          }
        } else {
          kernel_.SendGroupSignalLocked(*init, info);
        }
        return absl::OkStatus();
      }
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::FailedPreconditionError("container not running");
}

}  // namespace sentry::control
