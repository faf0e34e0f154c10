// file.h: the Sentry's open-file objects (what an app fd refers to).
//
// Minimal for now: a File reads and writes bytes the Sentry already holds in
// its own buffers (syscall handlers copy app memory in/out through the
// MemoryManager) and reports stat(2) facts. HostFile wraps a host descriptor
// the Sentry was handed at boot (stdio): the Sentry does the read/write on
// its own descriptor; the app never touches the host fd.
#ifndef SENTRY_KERNEL_FILE_H_
#define SENTRY_KERNEL_FILE_H_

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "sentry/errno.h"

namespace sentry::kernel {

class File {
 public:
  virtual ~File() = default;
  // read(2)/write(2) at the file's current offset: the byte count or errno.
  virtual ErrnoOr<size_t> Read(void* buf, size_t len) = 0;
  virtual ErrnoOr<size_t> Write(const void* buf, size_t len) = 0;
  // fstat(2) facts of the file.
  virtual ErrnoResult Stat(struct stat* st) = 0;
  // lseek(2); ESPIPE for pipes, sockets and ttys.
  virtual ErrnoOr<int64_t> Seek(int64_t offset, int whence) = 0;
  // Whether the file is a terminal (ioctl TCGETS succeeds).
  virtual bool IsTty() = 0;
  // ioctl TCGETS: the terminal's termios as raw bytes (struct termios,
  // the kernel's 36-byte layout is the first 36 bytes). ENOTTY if no tty.
  virtual ErrnoResult GetTermios(void* termios_out, size_t len) = 0;
};

// A File over a host descriptor (borrowed: the caller keeps it open for the
// lifetime of the object).
class HostFile final : public File {
 public:
  explicit HostFile(int host_fd) : fd_(host_fd) {}
  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void* buf, size_t len) override;
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t offset, int whence) override;
  bool IsTty() override;
  ErrnoResult GetTermios(void* termios_out, size_t len) override;
  int host_fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_FILE_H_
