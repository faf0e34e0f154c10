// A TAP producer. With TAP_FAKE_SANDBOX set (the fake sentry sets it), test 2
// fails, so the report shows a difference.
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  const char* sandbox = getenv("TAP_FAKE_SANDBOX");
  puts("1..4");
  puts("ok 1 - first");
  printf("%s 2 - second\n", sandbox != NULL ? "not ok" : "ok");
  puts("ok 3 - third # SKIP no frobnicator");
  puts("not ok 4 - fourth");
  return 1;
}
