// flags.h: runsc's global flags, as runc, podman and containerd pass them
// (--root, --log, --log-format, --debug, --systemd-cgroup) plus the
// sandbox's own. Accepted flags without effect yet are noted.
#ifndef RUNSC_CLI_FLAGS_H_
#define RUNSC_CLI_FLAGS_H_

#include <string>

namespace runsc {

struct GlobalFlags {
  std::string root = "/run/runsc";  // state directories
  std::string log;                  // also write errors (and --debug) here
  std::string log_format = "text";  // text | json
  bool debug = false;
  bool systemd_cgroup = false;      // accepted; the sandbox has no cgroups of its own yet
  std::string platform = "ptrace";
  std::string network = "none";     // none | host: stored; the Sentry has no network yet
  std::string overlay = "memory";   // memory | none: the rootfs overlay (boot spec)
  bool strace = false;              // stored; not wired to the Sentry yet
  std::string debug_log;            // stored; not wired yet
  std::string profile_syscalls;     // stored; not wired yet
  std::string sentry_binary;        // default: sandbox.h DefaultSentryBinary()
  std::string gofer_binary;
};

}  // namespace runsc

#endif  // RUNSC_CLI_FLAGS_H_
