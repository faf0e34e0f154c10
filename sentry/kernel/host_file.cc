#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sentry/kernel/file.h"

namespace sentry::kernel {
namespace {

uint32_t HostFlags(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return O_RDWR;
  return static_cast<uint32_t>(fl) & (O_ACCMODE | O_APPEND | O_LARGEFILE);
}

// Whether the host fd is ready for `events` right now.
bool HostReady(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, 0);
    if (r >= 0) return r > 0;
    if (errno != EINTR) return true;  // let the I/O report the error
  }
}

}  // namespace

HostFile::HostFile(int host_fd) : File(HostFlags(host_fd)), fd_(host_fd) {}

ErrnoOr<size_t> HostFile::Read(void* buf, size_t len) {
  if (!HostReady(fd_, POLLIN)) return Errno(EAGAIN);
  for (;;) {
    ssize_t n = ::read(fd_, buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

ErrnoOr<size_t> HostFile::Write(const void* buf, size_t len) {
  if (!HostReady(fd_, POLLOUT)) return Errno(EAGAIN);
  for (;;) {
    ssize_t n = ::write(fd_, buf, len);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

bool HostFile::Positional() {
  struct stat st;
  return ::fstat(fd_, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

ErrnoOr<size_t> HostFile::PRead(void* buf, size_t len, int64_t off) {
  for (;;) {
    ssize_t n = ::pread(fd_, buf, len, off);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

ErrnoOr<size_t> HostFile::PWrite(const void* buf, size_t len, int64_t off) {
  for (;;) {
    ssize_t n = ::pwrite(fd_, buf, len, off);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

void HostFile::PollHost(uint32_t events, int timeout_ms) {
  struct pollfd p = {fd_, static_cast<short>(events & (POLLIN | POLLOUT)), 0};
  (void)::poll(&p, 1, timeout_ms);
}

uint32_t HostFile::Readiness(uint32_t mask) {
  struct pollfd p = {fd_, static_cast<short>(mask & (POLLIN | POLLOUT)), 0};
  if (::poll(&p, 1, 0) < 0) return mask & (kEventIn | kEventOut);
  return static_cast<uint32_t>(p.revents) & (mask | kEventErr | kEventHup);
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
