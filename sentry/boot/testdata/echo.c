// Copies stdin to stdout through stdio, then reports the byte count.
#include <stdio.h>

int main(void) {
  char buf[100];
  size_t n, total = 0;
  while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
    fwrite(buf, 1, n, stdout);
    total += n;
  }
  printf("\n%zu bytes\n", total);
  return 0;
}
