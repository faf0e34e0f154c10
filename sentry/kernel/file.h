// file.h: the Sentry's open-file objects (what an app fd refers to).
//
// A File is an open file description: dup'd fds and forked tables share the
// same object, so they share its status flags and offset. Syscall handlers
// copy app memory in/out through the MemoryManager; a File moves bytes the
// Sentry already holds in its own buffers.
//
// Blocking: File::Read/Write never sleep on a Sentry object. A file whose
// readiness can change (a pipe) has a WaitQueue; its Read/Write return
// EAGAIN ("would block") when they can make no progress, and ReadFile/
// WriteFile below implement read(2)/write(2) on top: they block the task on
// the queue unless the file is O_NONBLOCK. Files without a queue (HostFile)
// may block their own host thread instead.
//
// HostFile wraps a host descriptor the Sentry was handed at boot (stdio):
// the Sentry does the read/write on its own descriptor; the app never
// touches the host fd.
#ifndef SENTRY_KERNEL_FILE_H_
#define SENTRY_KERNEL_FILE_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sentry/errno.h"
#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {

class Task;

class File {
 public:
  // Status flags F_SETFL may change; the rest (access mode...) are fixed.
  static constexpr uint32_t kSettableFlags = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

  // `flags`: the access mode and status flags (open(2)'s, as F_GETFL
  // reports them).
  explicit File(uint32_t flags) : flags_(flags) {}
  virtual ~File() = default;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // F_GETFL / F_SETFL (only kSettableFlags of `flags` are applied).
  uint32_t flags() const { return flags_.load(std::memory_order_relaxed); }
  void SetFlags(uint32_t flags);
  bool nonblocking() const { return (flags() & O_NONBLOCK) != 0; }
  bool readable() const { return (flags() & O_ACCMODE) != O_WRONLY; }
  bool writable() const { return (flags() & O_ACCMODE) != O_RDONLY; }

  // One read/write step: the byte count, EAGAIN if the file has a wait
  // queue and no progress is possible now, or another errno (EPIPE...).
  virtual ErrnoOr<size_t> Read(void* buf, size_t len) = 0;
  virtual ErrnoOr<size_t> Write(const void* buf, size_t len) = 0;
  // Whether one successful Write is the whole of a write(2) (eventfd takes
  // 8 bytes whatever the length); otherwise WriteFile keeps writing.
  virtual bool SingleWrite() { return false; }
  // pread(2)/pwrite(2) at `off`, leaving the file offset alone; only for
  // Positional() files (others: ESPIPE).
  virtual bool Positional() { return false; }
  virtual ErrnoOr<size_t> PRead(void*, size_t, int64_t) { return Errno(ESPIPE); }
  virtual ErrnoOr<size_t> PWrite(const void*, size_t, int64_t) { return Errno(ESPIPE); }
  // A file over a host fd whose readiness no WaitQueue reports: a blocked
  // read/write polls it (PollHost) so that signals can interrupt the wait.
  virtual bool HostBacked() { return false; }
  // Waits up to `timeout_ms` for the host fd to be ready for `events`.
  virtual void PollHost(uint32_t /*events*/, int /*timeout_ms*/) {}
  // poll(2) events among `mask` (kEventIn/Out/Err/Hup) that hold now.
  // Files without a queue are always ready.
  virtual uint32_t Readiness(uint32_t mask) { return mask & (kEventIn | kEventOut); }
  // Notified when Readiness may have changed; null if it never does.
  virtual WaitQueue* wait_queue() { return nullptr; }

  // fstat(2) facts of the file.
  virtual ErrnoResult Stat(struct stat* st) = 0;
  // lseek(2); ESPIPE for pipes, sockets and ttys.
  virtual ErrnoOr<int64_t> Seek(int64_t offset, int whence) = 0;
  // Whether the file is a terminal (ioctl TCGETS succeeds).
  virtual bool IsTty() { return false; }
  // ioctl TCGETS: the terminal's termios as raw bytes (struct termios,
  // the kernel's 36-byte layout is the first 36 bytes). ENOTTY if no tty.
  virtual ErrnoResult GetTermios(void*, size_t) { return Errno(ENOTTY); }

 private:
  std::atomic<uint32_t> flags_;
};

// read(2) on `f` for `t`: EBADF if not open for reading; blocks while the
// file would block unless it is O_NONBLOCK (then EAGAIN); a signal makes it
// return Errno(kERestartSys).
ErrnoOr<size_t> ReadFile(Task& t, File& f, void* buf, size_t len);
// write(2): like ReadFile, and writes all of buf unless the file is
// non-blocking or a signal/error interrupts (then the count so far, if any).
// EPIPE also sends SIGPIPE to `t`.
ErrnoOr<size_t> WriteFile(Task& t, File& f, const void* buf, size_t len);

// A File over a host descriptor (borrowed: the caller keeps it open for the
// lifetime of the object). Read/Write never block: EAGAIN when the host fd
// is not ready, and ReadFile/WriteFile poll it while checking for signals.
class HostFile final : public File {
 public:
  // Access mode and O_APPEND are the host open file's.
  explicit HostFile(int host_fd);
  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void* buf, size_t len) override;
  bool Positional() override;
  ErrnoOr<size_t> PRead(void* buf, size_t len, int64_t off) override;
  ErrnoOr<size_t> PWrite(const void* buf, size_t len, int64_t off) override;
  bool HostBacked() override { return true; }
  void PollHost(uint32_t events, int timeout_ms) override;
  uint32_t Readiness(uint32_t mask) override;
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
