// kernel_controller.h: the control server's Controller over the Sentry's
// Kernel: signals from outside the sandbox (runsc kill) are queued like a
// kill(2) from an ancestor PID namespace (SI_USER, sender pid 0).
#ifndef SENTRY_CONTROL_KERNEL_CONTROLLER_H_
#define SENTRY_CONTROL_KERNEL_CONTROLLER_H_

#include "sentry/control/server.h"
#include "sentry/kernel/kernel.h"

namespace sentry::control {

class KernelController : public Controller {
 public:
  explicit KernelController(kernel::Kernel& kernel) : kernel_(kernel) {}
  absl::Status Signal(int signo, bool all) override;

 private:
  kernel::Kernel& kernel_;
};

}  // namespace sentry::control

#endif  // SENTRY_CONTROL_KERNEL_CONTROLLER_H_
