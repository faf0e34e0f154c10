// A plain test that skips itself (exit status 32).
#include <stdio.h>
int main(void) {
  puts("plain_skip: not applicable here");
  return 32;
}
