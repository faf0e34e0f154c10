// A test that dies by SIGSEGV.
int main(void) {
  volatile int* p = (volatile int*)0;
  *p = 1;
  return 0;
}
