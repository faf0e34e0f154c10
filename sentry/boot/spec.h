// spec.h: the boot spec: what the Sentry runs as the sandbox's init.
//
// JSON, shaped like the OCI runtime spec's `process` object so that runsc
// can pass it on nearly verbatim:
//   {
//     "args": ["/bin/prog", "arg"],          required, non-empty
//     "env": ["K=V"],
//     "cwd": "/",                             absolute
//     "user": {"uid": 0, "gid": 0, "additionalGids": [10]},
//     "hostname": "sandbox",
//     "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096}],
//     "fds": [{"app": 3, "host": 7}],         host FDs the Sentry is handed
//     "root": {"path": "/abs/rootfs", "readonly": false},
//     "overlay": "memory",                    or "none"
//     "gofer_fd": 5                           connected socket to a gofer
//   }
// Root file system: with neither root.path nor gofer_fd, an empty tmpfs.
// Otherwise the gofer serving root.path (started by the Sentry unless
// gofer_fd names a connection to one already running), under an in-memory
// overlay unless overlay is "none"; mounted read-only if root.readonly.
// Unknown keys are errors (a typo must not be silently ignored).
#ifndef SENTRY_BOOT_SPEC_H_
#define SENTRY_BOOT_SPEC_H_

#include <sys/resource.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace sentry::boot {

struct BootSpec {
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;
  std::string hostname = "sandbox";
  std::vector<std::pair<int, struct rlimit>> rlimits;  // RLIMIT_* -> limit
  std::vector<std::pair<int, int>> fds;                // app fd <- host fd
  std::string root_path;                               // absolute, or empty
  bool root_readonly = false;
  std::string overlay = "memory";                      // "memory" or "none"
  int gofer_fd = -1;                                   // host fd, or -1

  // Whether the root file system comes from a gofer.
  bool GoferRoot() const { return !root_path.empty() || gofer_fd >= 0; }
};

// Parses a boot spec; InvalidArgument names the offending field.
absl::StatusOr<BootSpec> ParseBootSpec(const std::string& json);

// "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or -1.
int RlimitFromName(const std::string& name);

}  // namespace sentry::boot

#endif  // SENTRY_BOOT_SPEC_H_
