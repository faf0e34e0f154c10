// gtest records the working directory while registering tests (before
// main), and aborts if getcwd fails. A Sentry without path syscalls answers
// ENOSYS; this getcwd (overriding libc's weak alias in the static link)
// falls back to "/" only in that case, so the suites do not depend on the
// file system. Natively the real syscall answers.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

extern "C" char* getcwd(char* buf, size_t size) {
  char* out = buf;
  if (out == nullptr) {
    size = size ? size : 4096;
    out = static_cast<char*>(malloc(size));
    if (out == nullptr) return nullptr;
  }
  long r = syscall(SYS_getcwd, out, size);
  if (r >= 0) return out;
  if (errno == ENOSYS && size >= 2) {
    strcpy(out, "/");
    return out;
  }
  if (buf == nullptr) free(out);
  return nullptr;
}
