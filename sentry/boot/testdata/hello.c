// printf through stdio: brk/mmap (malloc), arch_prctl (TLS), fstat, write,
// exit_group.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  char* p = malloc(200000);  // above the mmap threshold
  memset(p, 'x', 200000);
  char* q = malloc(100);     // from brk
  strcpy(q, "heap");
  printf("hello, world %d %s %c\n", argc, q, p[199999]);
  for (int i = 1; i < argc; ++i) printf("arg %s\n", argv[i]);
  free(p);
  free(q);
  return 0;
}
