/* Makes exactly argv[1] getpid calls (and one failing close), for the
 * profile's known-count test. */
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
  for (long i = 0; i < n; i++) syscall(SYS_getpid);
  syscall(SYS_close, 12345);
  return 0;
}
