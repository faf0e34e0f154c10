// Writes its own initial stack to stdout, for comparison with
// BuildInitialStack: u64 initial rsp, u64 stack top (end of [stack] in
// /proc/self/maps), then the bytes [rsp, top). The kernel's x86-64 _start
// frame puts argc at rsp and argv at rsp + 8; glibc passes that argv to
// main, and nothing before main writes above it.
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int WriteAll(const void* p, size_t n) {
  const char* c = p;
  while (n > 0) {
    ssize_t w = write(1, c, n);
    if (w <= 0) return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(int argc, char** argv) {
  (void)argc;
  uint64_t rsp = (uint64_t)(uintptr_t)argv - 8;
  uint64_t top = 0;
  FILE* maps = fopen("/proc/self/maps", "r");
  if (maps == NULL) return 2;
  char line[512];
  while (fgets(line, sizeof(line), maps) != NULL) {
    if (strstr(line, "[stack]") != NULL) {
      unsigned long lo, hi;
      if (sscanf(line, "%lx-%lx", &lo, &hi) == 2) top = hi;
    }
  }
  fclose(maps);
  if (top == 0 || top <= rsp) return 3;
  if (WriteAll(&rsp, 8) || WriteAll(&top, 8) ||
      WriteAll((const void*)(uintptr_t)rsp, top - rsp)) {
    return 4;
  }
  return 0;
}
