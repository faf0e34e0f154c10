#include "sentry/kernel/epoll.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>

namespace sentry::kernel {
namespace {

// Flags that select behaviour rather than events.
constexpr uint32_t kPrivateBits = EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE;
// What an item listens for on its File's queue (filtered in ItemEvent).
constexpr uint32_t kQueueMask = kEventIn | kEventOut | kEventErr | kEventHup;

// Adds the *NORM twins Linux reports next to POLLIN/POLLOUT.
uint32_t WithNorm(uint32_t ev) {
  if ((ev & kEventIn) != 0) ev |= EPOLLRDNORM;
  if ((ev & kEventOut) != 0) ev |= EPOLLWRNORM;
  return ev;
}

// Serializes adding an epoll to an epoll, so that two concurrent adds
// cannot build a cycle the loop check misses (Linux's epnested_mutex).
absl::Mutex& NestMutex() {
  static absl::Mutex mu(absl::kConstInit);
  return mu;
}

}  // namespace

struct EpollFile::Item final : WaitEntry, std::enable_shared_from_this<Item> {
  EpollFile* ep = nullptr;
  int fd = -1;
  std::shared_ptr<File> file;
  WaitQueue* q = nullptr;  // null: a polled item
  // Guarded by ep->mu_:
  uint32_t events = 0;  // interest | private bits; only private bits: disabled (oneshot)
  uint64_t data = 0;
  bool in_ready = false;
  bool removed = false;

  void OnEvent(uint32_t ev) override { ep->ItemEvent(this, ev); }
};

EpollFile::EpollFile() : File(O_RDWR) {}

EpollFile::~EpollFile() {
  std::vector<std::shared_ptr<Item>> all;
  {
    absl::MutexLock l(&mu_);
    for (auto& [key, item] : items_) {
      item->removed = true;
      all.push_back(item);
    }
    items_.clear();
    ready_.clear();
    polled_.clear();
  }
  Release(all);
}

void EpollFile::Release(std::vector<std::shared_ptr<Item>>& items) {
  for (auto& item : items) {
    if (item->q != nullptr) item->q->Remove(item.get());
  }
  // Only now may the Files (and their queues) go.
  items.clear();
}

uint32_t EpollFile::ItemReadiness(File& f, uint32_t interest) {
  interest &= ~kPrivateBits;
  if (interest == 0) return 0;
  uint32_t ask = kEventErr | kEventHup;
  if ((interest & (EPOLLIN | EPOLLRDNORM)) != 0) ask |= kEventIn;
  if ((interest & (EPOLLOUT | EPOLLWRNORM)) != 0) ask |= kEventOut;
  return WithNorm(f.Readiness(ask)) & interest;
}

void EpollFile::ItemEvent(Item* item, uint32_t events) {
  {
    absl::MutexLock l(&mu_);
    if (item->removed) return;
    if ((WithNorm(events) & item->events & ~kPrivateBits) == 0) return;
    if (!item->in_ready) {
      item->in_ready = true;
      ready_.push_back(item->shared_from_this());
    }
  }
  queue_.Notify(kEventIn);
}

bool EpollFile::WouldLoop(EpollFile* target) {
  if (target == this) return true;
  return target->NestDepth(this, 1) < 0;
}

int EpollFile::NestDepth(const EpollFile* self, int depth) {
  if (depth > kMaxNests) return -1;
  std::vector<std::shared_ptr<File>> nested;
  {
    absl::MutexLock l(&mu_);
    for (auto& [key, item] : items_) {
      if (dynamic_cast<EpollFile*>(item->file.get()) != nullptr) nested.push_back(item->file);
    }
  }
  int deepest = 0;
  for (auto& f : nested) {
    auto* ep = static_cast<EpollFile*>(f.get());
    if (ep == self) return -1;
    int d = ep->NestDepth(self, depth + 1);
    if (d < 0) return -1;
    deepest = std::max(deepest, d + 1);
  }
  return deepest;
}

ErrnoResult EpollFile::Add(int fd, std::shared_ptr<File> file, uint32_t events, uint64_t data) {
  auto* target_ep = dynamic_cast<EpollFile*>(file.get());
  std::optional<absl::MutexLock> nest;
  if (target_ep != nullptr) nest.emplace(&NestMutex());
  absl::MutexLock c(&ctl_mu_);
  if (target_ep != nullptr && WouldLoop(target_ep)) return Errno(ELOOP);
  auto item = std::make_shared<Item>();
  item->ep = this;
  item->fd = fd;
  item->file = file;
  item->q = file->wait_queue();
  item->events = events | EPOLLERR | EPOLLHUP;
  item->data = data;
  {
    absl::MutexLock l(&mu_);
    auto key = std::make_pair(fd, file.get());
    if (items_.count(key) != 0) return Errno(EEXIST);
    items_[key] = item;
    if (item->q == nullptr) polled_.push_back(item);
  }
  if (item->q == nullptr) {
    queue_.Notify(kEventIn);  // maybe ready: waiters re-poll
    return {};
  }
  // Register before the readiness check (lost-wakeup rule).
  item->q->Add(item.get(), kQueueMask);
  if (ItemReadiness(*file, item->events) != 0) {
    {
      absl::MutexLock l(&mu_);
      if (!item->removed && !item->in_ready) {
        item->in_ready = true;
        ready_.push_back(item);
      }
    }
    queue_.Notify(kEventIn);
  }
  return {};
}

ErrnoResult EpollFile::Modify(int fd, File* file, uint32_t events, uint64_t data) {
  absl::MutexLock c(&ctl_mu_);
  std::shared_ptr<Item> item;
  {
    absl::MutexLock l(&mu_);
    auto it = items_.find(std::make_pair(fd, file));
    if (it == items_.end()) return Errno(ENOENT);
    item = it->second;
    if ((item->events & EPOLLEXCLUSIVE) != 0) return Errno(EINVAL);
    item->events = events | EPOLLERR | EPOLLHUP;
    item->data = data;
  }
  if (ItemReadiness(*item->file, events | EPOLLERR | EPOLLHUP) != 0) {
    {
      absl::MutexLock l(&mu_);
      if (!item->removed && !item->in_ready && item->q != nullptr) {
        item->in_ready = true;
        ready_.push_back(item);
      }
    }
    queue_.Notify(kEventIn);
  }
  return {};
}

ErrnoResult EpollFile::Remove(int fd, File* file) {
  absl::MutexLock c(&ctl_mu_);
  std::vector<std::shared_ptr<Item>> gone;
  {
    absl::MutexLock l(&mu_);
    auto it = items_.find(std::make_pair(fd, file));
    if (it == items_.end()) return Errno(ENOENT);
    auto item = it->second;
    items_.erase(it);
    item->removed = true;
    std::erase(ready_, item);
    std::erase(polled_, item);
    gone.push_back(std::move(item));
  }
  Release(gone);
  return {};
}

void EpollFile::SweepOrphans() {
  absl::MutexLock c(&ctl_mu_);
  std::vector<std::shared_ptr<Item>> gone;
  {
    absl::MutexLock l(&mu_);
    for (auto it = items_.begin(); it != items_.end();) {
      // Only this item references the File: no fd and no other holder can
      // reach it any more (a new reference needs an existing one).
      if (it->second->file.use_count() == 1) {
        it->second->removed = true;
        gone.push_back(it->second);
        it = items_.erase(it);
      } else {
        ++it;
      }
    }
    if (gone.empty()) return;
    auto removed = [](const std::shared_ptr<Item>& i) { return i->removed; };
    std::erase_if(ready_, removed);
    std::erase_if(polled_, removed);
  }
  Release(gone);
}

std::vector<EpollFile::Event> EpollFile::Collect(size_t max) {
  struct Candidate {
    std::shared_ptr<Item> item;
    uint32_t events;
    uint32_t revents = 0;
  };
  std::vector<Candidate> batch;
  {
    absl::MutexLock l(&mu_);
    while (!ready_.empty()) {
      std::shared_ptr<Item> item = std::move(ready_.front());
      ready_.pop_front();
      item->in_ready = false;
      if (!item->removed) batch.push_back({item, item->events});
    }
    for (auto& item : polled_) batch.push_back({item, item->events});
  }
  for (auto& c : batch) c.revents = ItemReadiness(*c.item->file, c.events);
  std::vector<Event> out;
  // Like Linux: items left over (maxevents reached) go back to the head of
  // the ready list, reported level-triggered items to its tail.
  std::vector<std::shared_ptr<Item>> front, back;
  absl::MutexLock l(&mu_);
  for (auto& c : batch) {
    Item& item = *c.item;
    if (item.removed) continue;
    bool polled = item.q == nullptr;
    auto requeue = [&](std::vector<std::shared_ptr<Item>>& where) {
      if (!polled && !item.in_ready) {
        item.in_ready = true;
        where.push_back(c.item);
      }
    };
    if (item.events != c.events) {  // modified meanwhile: look again next time
      requeue(front);
      continue;
    }
    if (c.revents == 0) continue;
    if (out.size() >= max) {
      requeue(front);
      continue;
    }
    out.push_back({c.revents, item.data});
    if ((item.events & EPOLLONESHOT) != 0) {
      item.events &= kPrivateBits;  // disabled until EPOLL_CTL_MOD
    } else if ((item.events & EPOLLET) == 0) {
      requeue(back);  // level-triggered: checked again at the next wait
    }
  }
  ready_.insert(ready_.begin(), front.begin(), front.end());
  ready_.insert(ready_.end(), back.begin(), back.end());
  return out;
}

uint32_t EpollFile::Readiness(uint32_t mask) {
  if ((mask & kEventIn) == 0) return 0;
  std::vector<std::pair<std::shared_ptr<Item>, uint32_t>> check;
  {
    absl::MutexLock l(&mu_);
    for (auto& item : ready_) {
      if (!item->removed) check.emplace_back(item, item->events);
    }
    for (auto& item : polled_) check.emplace_back(item, item->events);
  }
  for (auto& [item, events] : check) {
    if (ItemReadiness(*item->file, events) != 0) return kEventIn;
  }
  return 0;
}

bool EpollFile::NeedsPolling() {
  std::vector<std::shared_ptr<File>> nested;
  {
    absl::MutexLock l(&mu_);
    if (!polled_.empty()) return true;
    for (auto& [key, item] : items_) {
      if (dynamic_cast<EpollFile*>(item->file.get()) != nullptr) nested.push_back(item->file);
    }
  }
  for (auto& f : nested) {
    if (static_cast<EpollFile*>(f.get())->NeedsPolling()) return true;
  }
  return false;
}

size_t EpollFile::size() {
  absl::MutexLock l(&mu_);
  return items_.size();
}

ErrnoResult EpollFile::Stat(struct stat* st) {
  std::memset(st, 0, sizeof(*st));
  st->st_mode = S_IRUSR | S_IWUSR;  // an anonymous inode
  st->st_nlink = 1;
  st->st_blksize = 4096;
  st->st_ino = reinterpret_cast<uintptr_t>(this);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  st->st_atim = st->st_mtim = st->st_ctim = now;
  return {};
}

}  // namespace sentry::kernel
