// Anonymous mmap, touch, mprotect, mremap, munmap, madvise, mincore.
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  size_t len = 1 << 20;
  unsigned char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  unsigned long sum = 0;
  for (size_t i = 0; i < len; i += 4096) p[i] = (unsigned char)(i >> 12);
  for (size_t i = 0; i < len; i += 4096) sum += p[i];
  printf("sum %lu\n", sum);
  unsigned char vec[256];
  if (mincore(p, len, vec) != 0) return 2;
  printf("page0 resident %d\n", vec[0] & 1);
  if (mprotect(p, 4096, PROT_READ) != 0) return 3;
  printf("after mprotect %d\n", p[4096 * 3]);
  // mremap needs one VMA: make the range uniform again.
  if (mprotect(p, 4096, PROT_READ | PROT_WRITE) != 0) return 8;
  unsigned char* q = mremap(p, len, 2 * len, MREMAP_MAYMOVE);
  if (q == MAP_FAILED) return 4;
  printf("after mremap %d %d\n", q[4096 * 5], q[len + 10]);
  if (madvise(q + len, len, MADV_DONTNEED) != 0) return 5;
  if (munmap(q, 2 * len) != 0) return 6;
  printf("munmap ok\n");
  if (munmap((void*)1, 4096) == 0) return 7;
  printf("munmap unaligned fails\n");
  return 0;
}
