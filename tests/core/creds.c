// Credentials (run as root, natively and in the sandbox): uid/gid family,
// setres*, groups, capabilities, rlimits, dropping privileges (in children).
#include "check.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/wait.h>

static int status_of(pid_t pid) {
  int ws;
  if (waitpid(pid, &ws, 0) != pid) return -1;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
}

int main(void) {
  check_init();
  CHECK("running_as_root", getuid() == 0 && geteuid() == 0);
  CHECK("gid_root", getgid() == 0 && getegid() == 0);
  uid_t r, e, s;
  gid_t rg, eg, sg;
  CHECK("getresuid", getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0);
  CHECK("getresgid", getresgid(&rg, &eg, &sg) == 0 && rg == 0 && eg == 0 && sg == 0);

  // Capabilities.
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  CHECK("capget", syscall(SYS_capget, &hdr, data) == 0);
  CHECK("capget_root_has_setuid", (data[0].effective & (1u << CAP_SETUID)) != 0 &&
                                      (data[0].permitted & (1u << CAP_SETUID)) != 0);
  hdr.version = 0x12345678;
  CHECK_ERR("capget_bad_version_einval", syscall(SYS_capget, &hdr, data), EINVAL);
  CHECK("capget_bad_version_writes_preferred", hdr.version == _LINUX_CAPABILITY_VERSION_3);
  hdr.pid = 0;
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  CHECK("capset_same", syscall(SYS_capset, &hdr, data) == 0);

  // Groups.
  gid_t gl[4] = {10, 20, 30, 0};
  CHECK("setgroups", setgroups(3, gl) == 0);
  gid_t out[8];
  CHECK("getgroups_count", getgroups(0, NULL) == 3);
  CHECK("getgroups_values", getgroups(8, out) == 3 && out[0] == 10 && out[1] == 20 && out[2] == 30);
  CHECK_ERR("getgroups_too_small_einval", getgroups(1, out), EINVAL);
  CHECK_ERR("setgroups_negative_einval", syscall(SYS_setgroups, -1, gl), EINVAL);
  CHECK("setgroups_empty", setgroups(0, NULL) == 0 && getgroups(0, NULL) == 0);

  // rlimits.
  struct rlimit rl, orl;
  CHECK("getrlimit_nofile", getrlimit(RLIMIT_NOFILE, &orl) == 0 && orl.rlim_cur <= orl.rlim_max);
  rl.rlim_cur = 100;
  rl.rlim_max = 200;
  CHECK("setrlimit_lower", setrlimit(RLIMIT_NOFILE, &rl) == 0);
  CHECK("getrlimit_after", getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur == 100 && rl.rlim_max == 200);
  rl.rlim_cur = 300;
  CHECK_ERR("setrlimit_soft_gt_hard_einval", setrlimit(RLIMIT_NOFILE, &rl), EINVAL);
  CHECK_ERR("getrlimit_bad_resource_einval", getrlimit(999, &rl), EINVAL);
  struct rlimit nl = {50, 200}, ol;
  CHECK("prlimit64_self", prlimit(0, RLIMIT_NOFILE, &nl, &ol) == 0 && ol.rlim_cur == 100 && ol.rlim_max == 200);
  CHECK("prlimit64_query", prlimit(0, RLIMIT_NOFILE, NULL, &ol) == 0 && ol.rlim_cur == 50);
  CHECK_ERR("prlimit64_bad_pid_esrch", prlimit(999999999, RLIMIT_NOFILE, NULL, &ol), ESRCH);
  // (Raising the hard limit needs CAP_SYS_RESOURCE, which hosts and
  // containers grant differently: not checked.)
  CHECK("getrlimit_stack", getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur > 0);
  setrlimit(RLIMIT_NOFILE, &orl);

  // Drop privileges in a child: setresgid/setresuid, then EPERM for root-only ops.
  pid_t p = fork();
  if (p == 0) {
    int bad = 0;
    if (setgroups(0, NULL) != 0) bad |= 1;
    if (setresgid(1000, 1000, 1000) != 0) bad |= 2;
    if (setresuid(1000, 1000, 1000) != 0) bad |= 4;
    uid_t a, b, c;
    if (getresuid(&a, &b, &c) != 0 || a != 1000 || b != 1000 || c != 1000) bad |= 8;
    if (getuid() != 1000 || geteuid() != 1000 || getgid() != 1000) bad |= 16;
    if (setuid(0) != -1 || errno != EPERM) bad |= 32;
    struct rlimit l;
    getrlimit(RLIMIT_NOFILE, &l);
    l.rlim_max += 1;
    if (setrlimit(RLIMIT_NOFILE, &l) != -1 || errno != EPERM) bad |= 64;
    gid_t g = 5;
    if (setgroups(1, &g) != -1 || errno != EPERM) bad |= 128;
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) != 0 || d[0].effective != 0 || d[0].permitted != 0) bad |= 256 >> 2;
    _exit(bad);
  }
  CHECK("drop_to_uid_1000", status_of(p) == 0);
  // Keep a saved uid 0 and switch effective back and forth.
  p = fork();
  if (p == 0) {
    int bad = 0;
    if (setresuid(-1, 1000, -1) != 0) bad |= 1;
    if (geteuid() != 1000 || getuid() != 0) bad |= 2;
    if (seteuid(0) != 0 || geteuid() != 0) bad |= 4;
    if (setreuid(1000, 1001) != 0) bad |= 8;
    uid_t a, b, c;
    getresuid(&a, &b, &c);
    if (a != 1000 || b != 1001 || c != 1001) bad |= 16;  // saved follows euid when ruid set
    if (setuid(1001) != 0) bad |= 32;                   // non-root: sets euid only if allowed
    if (setresuid(-1, 0, -1) != -1 || errno != EPERM) bad |= 64;
    _exit(bad);
  }
  CHECK("saved_uid_transitions", status_of(p) == 0);
  p = fork();
  if (p == 0) {
    int bad = 0;
    if (setresgid(2000, 2001, 2002) != 0) bad |= 1;
    gid_t a, b, c;
    getresgid(&a, &b, &c);
    if (a != 2000 || b != 2001 || c != 2002) bad |= 2;
    if (getgid() != 2000 || getegid() != 2001) bad |= 4;
    if (setfsuid(1234) != 0) bad |= 8;  // returns the previous fsuid
    if (setfsuid(-1) != 1234) bad |= 16;
    _exit(bad);
  }
  CHECK("setresgid_setfsuid", status_of(p) == 0);
  return check_exit();
}
