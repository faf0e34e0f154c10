#include "sentry/kernel/fd_table.h"

#include <utility>

namespace sentry::kernel {

std::shared_ptr<FdTable> FdTable::Clone() const {
  auto copy = std::make_shared<FdTable>();
  absl::MutexLock l(&mu_);
  absl::MutexLock l2(&copy->mu_);
  copy->fds_ = fds_;
  return copy;
}

void FdTable::Set(int fd, std::shared_ptr<File> file, bool cloexec) {
  std::shared_ptr<File> old;
  {
    absl::MutexLock l(&mu_);
    Entry& e = fds_[fd];
    old = std::move(e.file);
    e.file = std::move(file);
    e.cloexec = cloexec;
  }
}

ErrnoOr<int> FdTable::Install(std::shared_ptr<File> file, bool cloexec, int min_fd, int limit) {
  absl::MutexLock l(&mu_);
  int fd = min_fd;
  for (auto it = fds_.lower_bound(min_fd); it != fds_.end() && it->first == fd; ++it) ++fd;
  if (fd >= limit) return Errno(EMFILE);
  fds_[fd] = Entry{std::move(file), cloexec};
  return fd;
}

std::shared_ptr<File> FdTable::Get(int fd) const {
  absl::MutexLock l(&mu_);
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : it->second.file;
}

ErrnoResult FdTable::Close(int fd) {
  std::shared_ptr<File> old;
  {
    absl::MutexLock l(&mu_);
    auto it = fds_.find(fd);
    if (it == fds_.end()) return Errno(EBADF);
    old = std::move(it->second.file);
    fds_.erase(it);
  }
  return {};
}

ErrnoOr<bool> FdTable::GetCloexec(int fd) const {
  absl::MutexLock l(&mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno(EBADF);
  return it->second.cloexec;
}

ErrnoResult FdTable::SetCloexec(int fd, bool cloexec) {
  absl::MutexLock l(&mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return Errno(EBADF);
  it->second.cloexec = cloexec;
  return {};
}

void FdTable::CloseOnExec() {
  std::vector<std::shared_ptr<File>> dropped;  // released after the lock
  absl::MutexLock l(&mu_);
  for (auto it = fds_.begin(); it != fds_.end();) {
    if (it->second.cloexec) {
      dropped.push_back(std::move(it->second.file));
      it = fds_.erase(it);
    } else {
      ++it;
    }
  }
}

void FdTable::Clear() {
  std::map<int, Entry> dropped;  // released after the lock
  absl::MutexLock l(&mu_);
  dropped.swap(fds_);
}

std::vector<int> FdTable::Fds() const {
  absl::MutexLock l(&mu_);
  std::vector<int> out;
  for (const auto& [fd, e] : fds_) out.push_back(fd);
  return out;
}

}  // namespace sentry::kernel
