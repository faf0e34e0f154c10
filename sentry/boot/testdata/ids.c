// Identity as the app sees it: uname, pids, ids.
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void) {
  struct utsname u;
  if (uname(&u) != 0) return 1;
  printf("sysname %s\nrelease %s\nnodename %s\nmachine %s\n", u.sysname, u.release, u.nodename,
         u.machine);
  printf("pid %d ppid %d\n", (int)getpid(), (int)getppid());
  printf("uid %d gid %d euid %d egid %d\n", (int)getuid(), (int)getgid(), (int)geteuid(),
         (int)getegid());
  return 0;
}
