// hooks.h: runs OCI lifecycle hooks (runtime-spec config.md#posix-platform-hooks).
//
// Each hook is executed with its path, args (argv, args[0] included) and
// env (exactly; nothing is inherited), the container's OCI state JSON on
// stdin, and stdout/stderr captured for the error message. A hook that
// exits non-zero, dies, or outlives its timeout (then its process group
// is killed) is an error
// naming it: "prestart hook #0 (/bin/x): exit status 1, stdout: ..., stderr: ...".
// Hooks run on the host as runsc's user; startContainer and
// createContainer hooks, which the spec runs inside the container's
// namespaces, run on the host too (the sandbox has no host namespaces
// to enter).
#ifndef RUNSC_CLI_HOOKS_H_
#define RUNSC_CLI_HOOKS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "runsc-cli/oci_config.h"

namespace runsc {

// Runs `hooks` in order, stopping at the first failure. `kind` names them
// in errors ("prestart").
absl::Status RunHooks(const std::vector<OciHook>& hooks, const std::string& kind,
                      const nlohmann::ordered_json& state);

}  // namespace runsc

#endif  // RUNSC_CLI_HOOKS_H_
