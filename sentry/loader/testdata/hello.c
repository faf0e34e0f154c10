// A tiny program linked -static / -static-pie for the ELF parser tests.
#include <stdio.h>

int counter = 42;      // .data
static char bss[8192]; // .bss, so that p_memsz > p_filesz

int main(int argc, char** argv) {
  bss[argc] = 1;
  printf("hello %d %s %d\n", argc, argv[0], counter + bss[1]);
  return 0;
}
