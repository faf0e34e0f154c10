#include "runsc-cli/default_spec.h"

namespace runsc {

nlohmann::ordered_json DefaultSpec() {
  using J = nlohmann::ordered_json;
  J caps = J::array({"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  J spec = J::object();
  spec["ociVersion"] = kOciVersion;
  spec["process"] = {
      {"terminal", false},
      {"user", {{"uid", 0}, {"gid", 0}}},
      {"args", J::array({"sh"})},
      {"env", J::array({"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                        "TERM=xterm"})},
      {"cwd", "/"},
      {"capabilities",
       {{"bounding", caps}, {"effective", caps}, {"permitted", caps}, {"ambient", caps}}},
      {"rlimits", J::array({{{"type", "RLIMIT_NOFILE"}, {"hard", 1024}, {"soft", 1024}}})},
      {"noNewPrivileges", true}};
  spec["root"] = {{"path", "rootfs"}, {"readonly", true}};
  spec["hostname"] = "runsc";
  spec["mounts"] = J::array({
      {{"destination", "/proc"}, {"type", "proc"}, {"source", "proc"}},
      {{"destination", "/dev"}, {"type", "tmpfs"}, {"source", "tmpfs"},
       {"options", J::array({"nosuid", "strictatime", "mode=755", "size=65536k"})}},
      {{"destination", "/dev/pts"}, {"type", "devpts"}, {"source", "devpts"},
       {"options", J::array({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620",
                             "gid=5"})}},
      {{"destination", "/dev/shm"}, {"type", "tmpfs"}, {"source", "shm"},
       {"options", J::array({"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"})}},
      {{"destination", "/dev/mqueue"}, {"type", "mqueue"}, {"source", "mqueue"},
       {"options", J::array({"nosuid", "noexec", "nodev"})}},
      {{"destination", "/sys"}, {"type", "sysfs"}, {"source", "sysfs"},
       {"options", J::array({"nosuid", "noexec", "nodev", "ro"})}},
  });
  spec["linux"] = {
      {"resources", {{"devices", J::array({{{"allow", false}, {"access", "rwm"}}})}}},
      {"namespaces", J::array({{{"type", "pid"}}, {{"type", "network"}}, {{"type", "ipc"}},
                               {{"type", "uts"}}, {{"type", "mount"}}, {{"type", "cgroup"}}})},
      {"maskedPaths", J::array({"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                                "/sys/firmware", "/proc/scsi"})},
      {"readonlyPaths", J::array({"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                  "/proc/sysrq-trigger"})}};
  return spec;
}

}  // namespace runsc
