// Miscellaneous system information: uname, sched_*, sysinfo, getcpu,
// getrandom, umask, getcwd-free identity calls.
#include "check.h"

#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>

int main(void) {
  check_init();
  struct utsname u;
  CHECK("uname", uname(&u) == 0);
  CHECK("uname_fields_nonempty", u.sysname[0] && u.nodename[0] && u.release[0] && u.version[0] &&
                                     u.machine[0]);
  CHECK("uname_linux_x86_64", strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0);
  CHECK("sched_yield", sched_yield() == 0);
  cpu_set_t set;
  CPU_ZERO(&set);
  CHECK("sched_getaffinity", sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) >= 1);
  long raw = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
  CHECK("sched_getaffinity_raw_returns_size", raw > 0 && raw <= (long)sizeof(set) && raw % 8 == 0);
  CHECK_ERR("sched_getaffinity_small_einval", syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL);
  CHECK_ERR("sched_getaffinity_bad_pid_esrch", sched_getaffinity(999999999, sizeof(set), &set), ESRCH);
  CHECK("sched_setaffinity_same", sched_setaffinity(0, sizeof(set), &set) == 0);
  CHECK("sched_getscheduler_other", sched_getscheduler(0) == SCHED_OTHER);
  struct sched_param sp;
  CHECK("sched_getparam", sched_getparam(0, &sp) == 0 && sp.sched_priority == 0);
  CHECK("sched_priority_range", sched_get_priority_max(SCHED_FIFO) == 99 &&
                                    sched_get_priority_min(SCHED_FIFO) == 1 &&
                                    sched_get_priority_max(SCHED_OTHER) == 0);
  CHECK_ERR("sched_get_priority_max_bad_einval", sched_get_priority_max(12345), EINVAL);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  CHECK("nprocessors_online", ncpu >= 1);
  struct sysinfo si;
  CHECK("sysinfo", sysinfo(&si) == 0);
  CHECK("sysinfo_uptime_ram", si.uptime > 0 && si.totalram > 0 && si.mem_unit >= 1 && si.procs >= 1);
  unsigned cpu = 12345, node = 12345;
  CHECK("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL) == 0 && cpu < 4096 && node < 4096);
  CHECK("getcpu_null_ok", syscall(SYS_getcpu, NULL, NULL, NULL) == 0);
  unsigned char a[64], b[64];
  CHECK("getrandom", getrandom(a, sizeof(a), 0) == (ssize_t)sizeof(a));
  CHECK("getrandom_nonblock", getrandom(b, sizeof(b), GRND_NONBLOCK) == (ssize_t)sizeof(b));
  CHECK("getrandom_differs", memcmp(a, b, sizeof(a)) != 0);
  CHECK("getrandom_zero_len", getrandom(a, 0, 0) == 0);
  CHECK_ERR("getrandom_bad_flags_einval", getrandom(a, 8, 0x100), EINVAL);
  CHECK("umask", (umask(022), umask(077)) == 022 && umask(077) == 077 && umask(022) == 077);
  CHECK("getpid_positive", getpid() > 0 && getppid() >= 0);
  CHECK("gettid_main_is_pid", syscall(SYS_gettid) == getpid());
  /* 0 is legal: the session or group leader may live outside our PID namespace (CI containers). */
  CHECK("getpgrp_getsid", getpgrp() >= 0 && getsid(0) >= 0 && getpgid(0) == getpgrp() &&
                              getsid(getpid()) == getsid(0));
  CHECK("getpriority", (errno = 0, getpriority(PRIO_PROCESS, 0) >= -20 && errno == 0));
  CHECK("pagesize_4k", sysconf(_SC_PAGESIZE) == 4096);
  CHECK("personality_query", syscall(SYS_personality, 0xffffffff) == 0);
  char host[256];
  CHECK("gethostname_matches_uname", gethostname(host, sizeof(host)) == 0 && strcmp(host, u.nodename) == 0);
  return check_exit();
}
