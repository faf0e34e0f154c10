// A test that dies by SIGABRT.
#include <stdlib.h>
int main(void) {
  abort();
}
