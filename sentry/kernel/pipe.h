// pipe.h: anonymous pipes (pipe(2)/pipe2(2)).
//
// A Pipe is a bounded byte buffer (64 KiB by default, F_SETPIPE_SZ changes
// it) with a read end and a write end, each a File (PipeFile). Like Linux:
//   - writes of at most PIPE_BUF (4096) bytes are atomic: all or nothing;
//     larger writes may be split between readers' reads;
//   - a read of an empty pipe returns EOF (0) once every write end is gone,
//     else would block (EAGAIN from PipeFile::Read; ReadFile sleeps);
//   - a write with no read end left fails with EPIPE (WriteFile also sends
//     SIGPIPE);
//   - every change notifies the pipe's WaitQueue: kEventIn when data
//     arrives or the last writer leaves (with kEventHup), kEventOut when
//     room appears or the last reader leaves (with kEventErr).
// The counts of ends are of open file descriptions: a PipeFile joins its
// side at construction and leaves in its destructor (the last fd closed).
// Thread-safe.
#ifndef SENTRY_KERNEL_PIPE_H_
#define SENTRY_KERNEL_PIPE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sentry/kernel/file.h"
#include "sentry/kernel/wait_queue.h"

namespace sentry::kernel {

class PipeFile;

class Pipe {
 public:
  static constexpr size_t kDefaultCapacity = 65536;
  static constexpr size_t kPipeBuf = 4096;
  static constexpr size_t kPageSize = 4096;
  // /proc/sys/fs/pipe-max-size: the most F_SETPIPE_SZ grants without
  // CAP_SYS_RESOURCE.
  static constexpr size_t kMaxUnprivilegedCapacity = 1 << 20;

  Pipe() = default;
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;

  // A new pipe's read and write ends. `flags`: O_NONBLOCK and O_DIRECT
  // (recorded only: packet mode is not implemented).
  static std::pair<std::shared_ptr<PipeFile>, std::shared_ptr<PipeFile>> Create(uint32_t flags = 0);

  // Bytes read (<= len); 0 at EOF (no writers) or for len 0; EAGAIN if empty.
  ErrnoOr<size_t> Read(void* buf, size_t len);
  // Bytes written; EPIPE without readers; EAGAIN if the write cannot make
  // progress now (an atomic write does not fit, or the pipe is full).
  ErrnoOr<size_t> Write(const void* buf, size_t len);
  // Events among `mask` that hold now (see the file comment).
  uint32_t Readiness(uint32_t mask);
  WaitQueue& queue() { return queue_; }

  size_t capacity();
  size_t size();
  // F_SETPIPE_SZ: rounds up to a power-of-two number of pages (at least
  // one) and returns the new capacity; EBUSY if the data would not fit,
  // EPERM above kMaxUnprivilegedCapacity unless `privileged`, EINVAL when
  // absurdly large.
  ErrnoOr<size_t> SetCapacity(uint64_t size, bool privileged);

 private:
  friend class PipeFile;
  void AddEnd(bool reader);
  void RemoveEnd(bool reader);

  absl::Mutex mu_;
  std::vector<uint8_t> ring_ ABSL_GUARDED_BY(mu_);  // allocated on first write
  size_t head_ ABSL_GUARDED_BY(mu_) = 0;
  size_t size_ ABSL_GUARDED_BY(mu_) = 0;
  size_t capacity_ ABSL_GUARDED_BY(mu_) = kDefaultCapacity;
  int readers_ ABSL_GUARDED_BY(mu_) = 0;
  int writers_ ABSL_GUARDED_BY(mu_) = 0;
  WaitQueue queue_;
};

// One end of a pipe: O_RDONLY (read end) or O_WRONLY (write end).
class PipeFile final : public File {
 public:
  PipeFile(std::shared_ptr<Pipe> pipe, bool read_end, uint32_t flags);
  ~PipeFile() override;

  ErrnoOr<size_t> Read(void* buf, size_t len) override;
  ErrnoOr<size_t> Write(const void* buf, size_t len) override;
  uint32_t Readiness(uint32_t mask) override;
  WaitQueue* wait_queue() override { return &pipe_->queue(); }
  ErrnoResult Stat(struct stat* st) override;
  ErrnoOr<int64_t> Seek(int64_t, int) override { return Errno(ESPIPE); }

  Pipe& pipe() { return *pipe_; }
  const std::shared_ptr<Pipe>& shared_pipe() const { return pipe_; }
  bool read_end() const { return read_end_; }

 private:
  std::shared_ptr<Pipe> pipe_;
  bool read_end_;
};

}  // namespace sentry::kernel

#endif  // SENTRY_KERNEL_PIPE_H_
