// File work in the sandbox's root (boot_test's gofer-root tests): prints
// /hello.txt, writes /out.txt and reads it back, makes /newdir, removes
// /victim, renames /mv_src to /mv_dst, then lists / (sorted). Each step
// prints its result or its errno, so a read-only root shows its EROFS.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void Step(const char* what, int rc) {
  if (rc < 0) printf("%s: errno %d\n", what, errno);
  else printf("%s: ok\n", what);
}

static void Cat(const char* path) {
  char buf[256];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("read %s: errno %d\n", path, errno);
    return;
  }
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n < 0) n = 0;
  buf[n] = 0;
  printf("read %s: %s\n", path, buf);
}

static int Cmp(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

int main(void) {
  Cat("/hello.txt");
  struct stat st;
  if (stat("/hello.txt", &st) == 0) printf("size %lld\n", (long long)st.st_size);
  int fd = open("/out.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  if (fd >= 0) {
    const char msg[] = "written in the sandbox";
    Step("write /out.txt", write(fd, msg, sizeof(msg) - 1) == sizeof(msg) - 1 ? 0 : -1);
    close(fd);
    Cat("/out.txt");
  } else {
    Step("create /out.txt", -1);
  }
  Step("mkdir /newdir", mkdir("/newdir", 0755));
  Step("unlink /victim", unlink("/victim"));
  Step("rename /mv_src", rename("/mv_src", "/mv_dst"));
  DIR* d = opendir("/");
  if (d == NULL) {
    printf("opendir: errno %d\n", errno);
    return 1;
  }
  char* names[64];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL && n < 64) names[n++] = strdup(e->d_name);
  closedir(d);
  qsort(names, n, sizeof(names[0]), Cmp);
  printf("ls /:");
  for (int i = 0; i < n; i++) printf(" %s", names[i]);
  printf("\n");
  return 0;
}
