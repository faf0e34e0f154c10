#include "sentry/loader/image_reader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sentry::loader {

ErrnoResult ReadFull(ImageReader& r, uint64_t off, void* buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    if (off + done < off) return Errno(ENOEXEC);  // offset wraps
    ErrnoOr<size_t> n = r.ReadAt(off + done, static_cast<char*>(buf) + done,
                                 len - done);
    if (!n.ok()) return n.error();
    if (*n == 0) return Errno(ENOEXEC);
    done += *n;
  }
  return {};
}

ErrnoOr<size_t> MemoryImageReader::ReadAt(uint64_t off, void* buf,
                                          size_t len) {
  if (off >= bytes_.size()) return size_t{0};
  size_t n = std::min<uint64_t>(len, bytes_.size() - off);
  std::memcpy(buf, bytes_.data() + off, n);
  return n;
}

ErrnoOr<size_t> HostFdImageReader::ReadAt(uint64_t off, void* buf,
                                          size_t len) {
  if (off > static_cast<uint64_t>(INT64_MAX)) return size_t{0};
  for (;;) {
    ssize_t n = pread(fd_, buf, len, static_cast<off_t>(off));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Errno(errno);
  }
}

uint64_t HostFdImageReader::Size() {
  struct stat st;
  if (fstat(fd_, &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace sentry::loader
