// Calls a number Linux leaves unused on x86-64 (335) and, if argv[1] is
// given, that syscall number twice; prints the errnos.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long r = syscall(335);
  printf("335: %ld errno %d\n", r, errno);
  if (argc > 1) {
    long nr = strtol(argv[1], NULL, 10);
    for (int i = 0; i < 2; ++i) {
      errno = 0;
      r = syscall(nr, 0, 0, 0, 0, 0, 0);
      printf("%ld: %ld errno %d\n", nr, r, errno);
    }
  }
  return 0;
}
