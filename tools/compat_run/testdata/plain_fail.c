// A plain test that fails.
#include <stdio.h>
int main(void) {
  fputs("plain_fail: something went wrong\n", stderr);
  return 1;
}
