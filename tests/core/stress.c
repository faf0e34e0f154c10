#include <stdio.h>
int main(void) { puts("stress done"); return 0; }
