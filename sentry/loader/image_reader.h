// Random-access reads of an executable image, independent of where it lives.
//
// The ELF parser and shebang parser only see this interface. The Sentry's
// execve adapts its file description (gofer-donated host FD, tmpfs file,
// overlay upper) to it; tests use MemoryImageReader or HostFdImageReader.
#ifndef SENTRY_LOADER_IMAGE_READER_H_
#define SENTRY_LOADER_IMAGE_READER_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "sentry/errno.h"

namespace sentry::loader {

class ImageReader {
 public:
  virtual ~ImageReader() = default;
  // Reads up to `len` bytes at `off` into `buf`. Returns the count read,
  // which is short only at end of file (0 at or past EOF). Errors are the
  // errno of the underlying read (EIO, ...).
  virtual ErrnoOr<size_t> ReadAt(uint64_t off, void* buf, size_t len) = 0;
  // Size of the image in bytes at the time of the call.
  virtual uint64_t Size() = 0;
};

// Reads exactly `len` bytes at `off`: a short read (EOF) is ENOEXEC, the
// errno loaders report for a truncated image. Other errors pass through.
ErrnoResult ReadFull(ImageReader& r, uint64_t off, void* buf, size_t len);

// An image held in memory (tests, in-Sentry files such as tmpfs data).
class MemoryImageReader final : public ImageReader {
 public:
  explicit MemoryImageReader(std::vector<uint8_t> bytes)
      : bytes_(std::move(bytes)) {}
  ErrnoOr<size_t> ReadAt(uint64_t off, void* buf, size_t len) override;
  uint64_t Size() override { return bytes_.size(); }
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

// An image behind a host file descriptor, read with pread(2). Does not own
// the descriptor: the caller keeps it open for the reader's lifetime.
class HostFdImageReader final : public ImageReader {
 public:
  explicit HostFdImageReader(int fd) : fd_(fd) {}
  ErrnoOr<size_t> ReadAt(uint64_t off, void* buf, size_t len) override;
  // fstat size; 0 if fstat fails (reads then report the real error).
  uint64_t Size() override;

 private:
  int fd_;
};

}  // namespace sentry::loader

#endif  // SENTRY_LOADER_IMAGE_READER_H_
