// Reads /data.txt twice (open, read, fstat, close), waiting for a byte on
// stdin in between, so that a test can change the file on the host.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 2; i++) {
    char buf[128];
    int fd = open("/data.txt", O_RDONLY);
    if (fd < 0) return 1;
    ssize_t n = read(fd, buf, sizeof(buf));
    struct stat st;
    if (n < 0 || fstat(fd, &st) != 0) return 2;
    close(fd);
    printf("%.*s (size %lld)\n", (int)n, buf, (long long)st.st_size);
    fflush(stdout);
    if (i == 0 && read(0, buf, 1) != 1) return 3;
  }
  return 0;
}
