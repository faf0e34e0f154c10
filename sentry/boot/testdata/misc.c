// time, sleep and randomness; prints only facts that hold everywhere.
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>

int main(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec d = {0, 20 * 1000 * 1000};
  if (nanosleep(&d, NULL) != 0) return 1;
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
  printf("slept >= 20ms: %d\n", ns >= 20 * 1000 * 1000);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  time_t t = time(NULL);
  // time() may read a coarse clock a tick behind gettimeofday().
  printf("time consistent: %d\n", t - tv.tv_sec <= 1 && tv.tv_sec - t <= 1);
  printf("after 2020: %d\n", t > 1577836800);
  unsigned char r1[64], r2[64];
  if (getrandom(r1, sizeof(r1), 0) != sizeof(r1)) return 2;
  if (getrandom(r2, sizeof(r2), 0) != sizeof(r2)) return 3;
  printf("random differs: %d\n", memcmp(r1, r2, sizeof(r1)) != 0);
  return 0;
}
