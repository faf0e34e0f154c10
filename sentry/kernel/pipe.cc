#include "sentry/kernel/pipe.h"

#include <algorithm>
#include <cstring>
#include <ctime>

namespace sentry::kernel {

std::pair<std::shared_ptr<PipeFile>, std::shared_ptr<PipeFile>> Pipe::Create(uint32_t flags) {
  auto p = std::make_shared<Pipe>();
  uint32_t status = flags & (O_NONBLOCK | O_DIRECT);
  auto r = std::make_shared<PipeFile>(p, true, O_RDONLY | status);
  auto w = std::make_shared<PipeFile>(p, false, O_WRONLY | status);
  return {std::move(r), std::move(w)};
}

ErrnoOr<size_t> Pipe::Read(void* buf, size_t len) {
  size_t n;
  {
    absl::MutexLock l(&mu_);
    if (len == 0) return size_t{0};
    if (size_ == 0) {
      if (writers_ == 0) return size_t{0};
      return Errno(EAGAIN);
    }
    n = std::min(len, size_);
    uint8_t* out = static_cast<uint8_t*>(buf);
    size_t first = std::min(n, ring_.size() - head_);
    std::memcpy(out, ring_.data() + head_, first);
    std::memcpy(out + first, ring_.data(), n - first);
    head_ = (head_ + n) % ring_.size();
    size_ -= n;
    if (size_ == 0) head_ = 0;
  }
  queue_.Notify(kEventOut);
  return n;
}

ErrnoOr<size_t> Pipe::Write(const void* buf, size_t len) {
  size_t n;
  {
    absl::MutexLock l(&mu_);
    if (readers_ == 0) return Errno(EPIPE);
    if (len == 0) return size_t{0};
    size_t room = capacity_ - size_;
    if (room == 0 || (len <= kPipeBuf && room < len)) return Errno(EAGAIN);
    if (ring_.size() != capacity_) ring_.resize(capacity_);  // first write (empty ring)
    n = std::min(len, room);
    const uint8_t* in = static_cast<const uint8_t*>(buf);
    size_t tail = (head_ + size_) % ring_.size();
    size_t first = std::min(n, ring_.size() - tail);
    std::memcpy(ring_.data() + tail, in, first);
    std::memcpy(ring_.data(), in + first, n - first);
    size_ += n;
  }
  queue_.Notify(kEventIn);
  return n;
}

uint32_t Pipe::Readiness(uint32_t mask) {
  absl::MutexLock l(&mu_);
  uint32_t ev = 0;
  if (size_ > 0) ev |= kEventIn;
  if (writers_ == 0) ev |= kEventHup;
  if (readers_ == 0) {
    ev |= kEventErr | kEventOut;
  } else if (capacity_ - size_ >= std::min(kPipeBuf, capacity_)) {
    ev |= kEventOut;
  }
  return ev & (mask | kEventErr | kEventHup);
}

size_t Pipe::capacity() {
  absl::MutexLock l(&mu_);
  return capacity_;
}

size_t Pipe::size() {
  absl::MutexLock l(&mu_);
  return size_;
}

ErrnoOr<size_t> Pipe::SetCapacity(uint64_t size, bool privileged) {
  if (size > (uint64_t{1} << 31)) return Errno(EINVAL);
  size_t want = kPageSize;
  while (want < size) want <<= 1;
  if (want > kMaxUnprivilegedCapacity && !privileged) return Errno(EPERM);
  {
    absl::MutexLock l(&mu_);
    if (want < size_) return Errno(EBUSY);
    if (!ring_.empty()) {
      // Re-lay the data out from offset 0 in a ring of the new size.
      std::vector<uint8_t> next(want);
      size_t first = std::min(size_, ring_.size() - head_);
      std::memcpy(next.data(), ring_.data() + head_, first);
      std::memcpy(next.data() + first, ring_.data(), size_ - first);
      ring_ = std::move(next);
      head_ = 0;
    }
    capacity_ = want;
  }
  queue_.Notify(kEventOut);  // a bigger pipe may have room now
  return want;
}

void Pipe::AddEnd(bool reader) {
  absl::MutexLock l(&mu_);
  (reader ? readers_ : writers_)++;
}

void Pipe::RemoveEnd(bool reader) {
  bool last;
  {
    absl::MutexLock l(&mu_);
    last = --(reader ? readers_ : writers_) == 0;
  }
  if (!last) return;
  // The other side learns: writers get EPIPE, readers EOF.
  queue_.Notify(reader ? kEventOut | kEventErr : kEventIn | kEventHup);
}

PipeFile::PipeFile(std::shared_ptr<Pipe> pipe, bool read_end, uint32_t flags)
    : File(flags), pipe_(std::move(pipe)), read_end_(read_end) {
  pipe_->AddEnd(read_end_);
}

PipeFile::~PipeFile() { pipe_->RemoveEnd(read_end_); }

ErrnoOr<size_t> PipeFile::Read(void* buf, size_t len) {
  if (!read_end_) return Errno(EBADF);
  return pipe_->Read(buf, len);
}

ErrnoOr<size_t> PipeFile::Write(const void* buf, size_t len) {
  if (read_end_) return Errno(EBADF);
  return pipe_->Write(buf, len);
}

uint32_t PipeFile::Readiness(uint32_t mask) {
  uint32_t ev = pipe_->Readiness(mask);
  return read_end_ ? ev & (kEventIn | kEventHup) : ev & (kEventOut | kEventErr);
}

ErrnoResult PipeFile::Stat(struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_mode = S_IFIFO | 0600;
  st->st_nlink = 1;
  st->st_blksize = Pipe::kPageSize;
  st->st_ino = reinterpret_cast<uintptr_t>(pipe_.get());  // unique while open
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  st->st_atim = st->st_mtim = st->st_ctim = now;
  return {};
}

}  // namespace sentry::kernel
