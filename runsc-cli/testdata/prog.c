// The lifecycle tests' container process (static; runs natively and in
// the Sentry):  prog exit N | prog sleep SECONDS | prog echo TEXT
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc >= 3 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  if (argc >= 3 && strcmp(argv[1], "sleep") == 0) {
    struct timespec ts = {atoi(argv[2]), 0};
    nanosleep(&ts, NULL);
    return 0;
  }
  if (argc >= 3 && strcmp(argv[1], "echo") == 0) {
    size_t n = strlen(argv[2]);
    return write(1, argv[2], n) == (ssize_t)n ? 0 : 1;
  }
  return 100;
}
