#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "sentry/kernel/file.h"

namespace sentry::kernel {

ErrnoOr<size_t> HostFile::Read(void* buf, size_t len) {
  for (;;) {
    ssize_t n = ::read(fd_, buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

ErrnoOr<size_t> HostFile::Write(const void* buf, size_t len) {
  for (;;) {
    ssize_t n = ::write(fd_, buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

ErrnoResult HostFile::Stat(struct stat* st) {
  if (::fstat(fd_, st) != 0) return Errno(errno);
  return {};
}

ErrnoOr<int64_t> HostFile::Seek(int64_t offset, int whence) {
  off_t r = ::lseek(fd_, offset, whence);
  if (r < 0) return Errno(errno);
  return static_cast<int64_t>(r);
}

bool HostFile::IsTty() { return ::isatty(fd_) == 1; }

ErrnoResult HostFile::GetTermios(void* termios_out, size_t len) {
  struct termios t;
  if (::ioctl(fd_, TCGETS, &t) != 0) return Errno(errno);
  std::memcpy(termios_out, &t, len < sizeof(t) ? len : sizeof(t));
  return {};
}

}  // namespace sentry::kernel
