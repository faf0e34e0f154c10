// boot_spec.h: an OCI config -> the Sentry's boot spec (sentry/boot/spec.h).
//
// The process fields map one to one (args, env, cwd, user, rlimits) plus
// the hostname. The rootfs fields ("root", "overlay", "gofer_fd") are
// emitted only when `with_rootfs` is set: the Sentry on this branch does
// not serve a gofer rootfs yet and refuses unknown boot-spec keys (see
// sandbox.h, kSentryServesRootfs).
#ifndef RUNSC_CLI_BOOT_SPEC_H_
#define RUNSC_CLI_BOOT_SPEC_H_

#include <string>

#include "nlohmann/json.hpp"
#include "runsc-cli/oci_config.h"

namespace runsc {

struct BootSpecOptions {
  bool with_rootfs = false;
  std::string overlay = "memory";  // "memory" | "none"
  int gofer_fd = -1;               // the Sentry's end of the gofer socket
};

nlohmann::json MakeBootSpec(const OciConfig& config, const BootSpecOptions& opts);

}  // namespace runsc

#endif  // RUNSC_CLI_BOOT_SPEC_H_
