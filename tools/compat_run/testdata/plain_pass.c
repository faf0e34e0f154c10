// A plain test that passes.
#include <stdio.h>
int main(void) {
  puts("plain_pass: ok");
  return 0;
}
