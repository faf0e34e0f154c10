// Random-argument stress: `stress SEED THREADS SECONDS`. Each thread runs a
// PRNG seeded from SEED and calls syscalls from an allow-list with random
// arguments (small ints, pointers into a guarded scratch buffer, NULL,
// kernel addresses, -1) until SECONDS pass. The allow-list holds only calls
// that cannot kill, stop, block for long, or damage the test or the host
// when run natively as root: nothing that closes/redirects fds, changes
// signal dispositions, file offsets (lseek on an inherited stdout file
// would move the caller's offset), memory maps, limits, credentials, or the system.
// Output is just "stress done".
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const long kSyscalls[] = {
    SYS_getpid, SYS_getppid, SYS_gettid, SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid,
    SYS_getresuid, SYS_getresgid, SYS_getgroups, SYS_uname, SYS_sysinfo, SYS_times,
    SYS_getrusage, SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday, SYS_time,
    SYS_getrlimit, SYS_sched_yield, SYS_sched_getaffinity, SYS_getcpu, SYS_getrandom,
    SYS_rt_sigprocmask, SYS_rt_sigpending, SYS_getpgid, SYS_getsid, SYS_getpgrp,
    SYS_getpriority, SYS_sched_getscheduler, SYS_sched_getparam, SYS_sched_get_priority_max,
    SYS_sched_get_priority_min, SYS_sched_rr_get_interval, SYS_capget, SYS_umask, SYS_dup,
    SYS_fstat, SYS_pipe2, SYS_mincore, SYS_getitimer, SYS_timer_gettime,
    SYS_wait4, SYS_waitid, SYS_get_robust_list, SYS_sched_getattr, SYS_getcwd,
    SYS_gettid, SYS_clock_gettime, SYS_getpid,
};
#define NSYS (sizeof(kSyscalls) / sizeof(kSyscalls[0]))

static uint64_t seed0;
static int seconds;
static char* scratch;  // 64 KiB between PROT_NONE guard pages
#define SCRATCH 65536

static uint64_t next(uint64_t* s) {  // splitmix64
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static long rand_arg(uint64_t* s) {
  uint64_t r = next(s);
  switch (r % 8) {
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)(r >> 8) % 64;                    // small int
    case 3: return (long)(r >> 8) % 4096;                  // length-ish
    case 4: return (long)(scratch + (r >> 8) % (SCRATCH - 512));  // pointer into scratch
    case 5: return (long)0xffff800000000000UL + (long)((r >> 8) % 4096);  // kernel
    case 6: return (long)(scratch + SCRATCH / 2);
    default: return (long)(r >> 16) & 0xffff;
  }
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void* worker(void* arg) {
  uint64_t s = seed0 * 1000003 + (uint64_t)(long)arg;
  double end = now() + seconds;
  long calls = 0;
  while (now() < end) {
    for (int i = 0; i < 64; i++) {
      long nr = kSyscalls[next(&s) % NSYS];
      long a[6];
      for (int j = 0; j < 6; j++) a[j] = rand_arg(&s);
      if (nr == SYS_wait4 || nr == SYS_waitid) a[2] |= 1;  // WNOHANG (no children anyway)
      if (nr == SYS_waitid) a[3] |= 1;
      if (nr == SYS_rt_sigprocmask) a[0] = SIG_BLOCK;  // never unblock/replace: harmless
      if (nr == SYS_getrandom) a[2] |= 1;               // GRND_NONBLOCK
      if (nr == SYS_umask) a[0] = 022;
      syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
      calls++;
    }
  }
  return (void*)calls;
}

int main(int argc, char** argv) {
  seed0 = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
  int nthreads = argc > 2 ? atoi(argv[2]) : 4;
  seconds = argc > 3 ? atoi(argv[3]) : 5;
  if (nthreads < 1 || nthreads > 64) nthreads = 4;
  char* region = mmap(NULL, SCRATCH + 2 * 65536, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) return 2;
  scratch = region + 65536;
  if (mprotect(scratch, SCRATCH, PROT_READ | PROT_WRITE) != 0) return 3;
  pthread_t th[64];
  for (int i = 0; i < nthreads; i++)
    if (pthread_create(&th[i], NULL, worker, (void*)(long)i) != 0) return 4;
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  printf("stress done\n");
  return 0;
}
