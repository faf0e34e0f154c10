// sandbox.h: starting, reaching and killing a container's sandbox.
//
// `StartSandbox` runs, as children of the calling runsc (each in its own
// session, so they outlive it):
//   gofer  --root ROOTFS [--ro] [--mount SRC:DST[:ro]]... --fd 3
//          (only when kSentryServesRootfs; stderr to <dir>/gofer.log)
//   sentry --spec <dir>/boot.json --platform P --control-fd 3
//          --exit-status-fd 4   (gofer socket at fd 5; stdio inherited:
//          the container's stdio are runsc create's, as with runc)
// runsc binds <dir>/control.sock before starting the Sentry and closes its
// copy afterwards, then asks for the State: the reply means the Sentry has
// booted and waits for Start (create's "created"); a hang-up means it
// failed, and its exit status is reported. On any error nothing started is
// left running.
#ifndef RUNSC_CLI_SANDBOX_H_
#define RUNSC_CLI_SANDBOX_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "runsc-cli/oci_config.h"
#include "runsc-cli/state.h"
#include "sentry/control/control.pb.h"

namespace runsc {

// The Sentry on this branch runs binaries from the host path and has no
// gofer client yet (another branch adds the boot spec's "root" and
// "gofer_fd"); flip when it lands.
inline constexpr bool kSentryServesRootfs = false;

struct SandboxOptions {
  std::string sentry_binary;
  std::string gofer_binary;
  std::string platform = "ptrace";
  std::string overlay = "memory";
};

struct Sandbox {
  ProcessRef sentry;
  ProcessRef gofer;
};

// The sentry and gofer binaries: flags, else beside runsc, else the build tree.
std::string DefaultSentryBinary();
std::string DefaultGoferBinary();

std::string ControlSocketPath(const std::string& dir);
std::string ExitStatusPath(const std::string& dir);

absl::StatusOr<Sandbox> StartSandbox(const std::string& dir, const OciConfig& config,
                                     const SandboxOptions& opts);

// One control request to the container's Sentry. Unavailable if the Sentry
// is gone; a Response with error set becomes FailedPrecondition(error).
absl::StatusOr<sentry::control::Response> ControlCall(
    const std::string& dir, const sentry::control::Request& req,
    absl::Duration timeout = absl::InfiniteDuration());

// SIGKILLs the sandbox's processes (if still the same) and waits up to
// `timeout` for them to be gone. DeadlineExceeded if one survives.
absl::Status KillSandbox(const ProcessRef& sentry, const ProcessRef& gofer,
                         absl::Duration timeout = absl::Seconds(10));

// Init's exit code as the Sentry recorded it, if it did.
std::optional<int> RecordedExitCode(const std::string& dir);

}  // namespace runsc

#endif  // RUNSC_CLI_SANDBOX_H_
